/* vtictl: talks to vtid's control socket. One command per connection. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#define VTICTL_DEFAULT_SOCKET	"/run/vtid.sock"

static void
usage(void)
{
	fprintf(stderr,
	    "usage: vtictl [-s socket] command [args]\n"
	    "commands:\n"
	    "  status [-j]      one line per IKE SA and CHILD SA\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	const char *path = VTICTL_DEFAULT_SOCKET;
	struct sockaddr_un sun;
	char line[1024], buf[4096];
	size_t len = 0, status_len;
	ssize_t n;
	int fd, ch, i, ok = -1;

	if (getenv("VTID_SOCKET") != NULL)
		path = getenv("VTID_SOCKET");
	while ((ch = getopt(argc, argv, "+s:h")) != -1) {
		switch (ch) {
		case 's':
			path = optarg;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc == 0)
		usage();
	for (i = 0; i < argc; i++) {
		int w = snprintf(line + len, sizeof(line) - len, "%s%s",
		    i > 0 ? " " : "", argv[i]);

		if (w < 0 || (size_t)w >= sizeof(line) - len - 1) {
			fprintf(stderr, "vtictl: command too long\n");
			return 2;
		}
		len += (size_t)w;
	}
	line[len++] = '\n';

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "vtictl: socket path too long\n");
		return 2;
	}
	strcpy(sun.sun_path, path);
	if ((fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0)) == -1 ||
	    connect(fd, (struct sockaddr *)&sun, sizeof(sun)) == -1) {
		fprintf(stderr, "vtictl: cannot reach vtid at %s: %s%s\n", path,
		    strerror(errno), errno == ENOENT || errno == ECONNREFUSED ?
		    " (is vtid running?)" : "");
		return 1;
	}
	if (write(fd, line, len) != (ssize_t)len) {
		fprintf(stderr, "vtictl: write: %s\n", strerror(errno));
		return 1;
	}
	/* The first line says ok or error; the rest is printed as it is. */
	status_len = 0;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		size_t off = 0;

		if (ok == -1) {
			char *nl = memchr(buf, '\n', (size_t)n);

			if (nl == NULL) {
				status_len += (size_t)n;
				continue;
			}
			ok = strncmp(buf, "ok", 2) == 0 && status_len == 0;
			off = (size_t)(nl - buf) + 1;
		}
		fwrite(buf + off, 1, (size_t)n - off, ok ? stdout : stderr);
	}
	close(fd);
	if (ok == -1) {
		fprintf(stderr, "vtictl: vtid closed the connection without "
		    "an answer\n");
		return 1;
	}
	return ok ? 0 : 1;
}
