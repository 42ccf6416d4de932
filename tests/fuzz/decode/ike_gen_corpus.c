/* Writes the fuzz_ike_decode seed corpus: one file per message of
 * ike_corpus.c, named after it. Usage: ike_gen_corpus DIR */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ike_corpus.h"

int
main(int argc, char **argv)
{
	static uint8_t buf[65536];
	char path[4096];
	struct wbuf w;
	FILE *f;
	size_t i;
	long len;

	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	for (i = 0; i < ike_corpus_count(); i++) {
		wbuf_init(&w, buf, sizeof(buf));
		if ((len = ike_corpus_build(i, &w)) <= 0) {
			fprintf(stderr, "%s: cannot build\n",
			    ike_corpus_name(i));
			return 1;
		}
		snprintf(path, sizeof(path), "%s/%s", argv[1],
		    ike_corpus_name(i));
		if ((f = fopen(path, "wb")) == NULL ||
		    fwrite(buf, 1, (size_t)len, f) != (size_t)len ||
		    fclose(f) != 0) {
			fprintf(stderr, "%s: %s\n", path, strerror(errno));
			return 1;
		}
		printf("%-24s %5ld bytes\n", ike_corpus_name(i), len);
	}
	return 0;
}
