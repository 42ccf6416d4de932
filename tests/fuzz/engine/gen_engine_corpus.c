/* Writes the engine fuzz target's seed scripts (engine_fuzz.h) into a
 * folder: each reaches a state the fuzzer would take long to find by
 * itself (an established tunnel, a rekey, crossing initiations, DPD, a
 * failing sa_add, ...), so mutations start from there.
 *	gen_engine_corpus tests/fuzz/engine/corpus */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine_fuzz.h"

/* Time steps: indexes into fz_steps[] (fz_script.c). */
#define T1	1	/* 1 s */
#define T30	7
#define T60	8
#define T600	10
#define T3600	11

#define P	FZ_OP_PUMP
#define D	FZ_OP_DELIVER
#define T(i)	FZ_OP_TIME, (i)

struct seed {
	const char	*name;
	uint8_t		 bytes[64];
	size_t		 len;
};

#define SEED(n, ...) { n, { __VA_ARGS__ }, \
	sizeof((uint8_t[]){ __VA_ARGS__ }) }

static const struct seed seeds[] = {
	/* I starts (variant 0): IKE_SA_INIT, IKE_AUTH, tunnel up. */
	SEED("establish", 0x00, P, P, T(T1), P),
	SEED("establish-cbc", 0x08, P, P, T(T1), P),
	SEED("invalid-ke", 0x10, P, P, P, T(T1), P),
	SEED("esp-mismatch", 0x18, P, P, T(T1), P),
	SEED("wrong-psk", 0x40, P, P, T(T1), P),
	SEED("crossing", 0x04, P, P, T(T30), P, T(T30), P),
	SEED("route-acquire", 0x02, FZ_OP_ACQUIRE, 0, P, P),
	/* I has no fixed address for R (variant 5): R initiates, I finds
	 * it by its identity; within a /64 (bit 5); with a wrong PSK. */
	SEED("dynamic", 0x05, P, P, T(T1), P, FZ_OP_REKEY, 2, P, T(T1), P),
	SEED("dynamic-prefix", 0x25, P, P, T(T30), P, T(T30), P),
	SEED("dynamic-wrong-psk", 0x45, P, P, T(T1), P, T(T30), P),
	/* Lost, duplicated, corrupted and late IKE_AUTH requests. */
	SEED("auth-lost", 0x00, D, D, FZ_OP_DROP, T(T1), P, T(T1), P),
	SEED("auth-dup", 0x00, D, D, FZ_OP_DUP, P),
	SEED("auth-corrupt", 0x00, D, D, FZ_OP_CORRUPT, 0x01, 0x00, 0x5a,
	    P, T(T1), P),
	SEED("auth-truncated", 0x00, D, D, FZ_OP_TRUNCATE, 0x00, 0x40, P,
	    T(T1), P),
	SEED("auth-reorder", 0x00, D, D, FZ_OP_DUP, FZ_OP_REORDER, P, P),
	/* Up, then the rest of an SA's life. */
	SEED("rekey-child", 0x00, P, P, FZ_OP_REKEY, 0, P, T(T1), P),
	SEED("rekey-ike", 0x00, P, P, FZ_OP_REKEY, 2, P, T(T1), P),
	SEED("rekey-collide", 0x00, P, P, FZ_OP_REKEY, 0, FZ_OP_REKEY, 1,
	    P, T(T30), P),
	SEED("lifetimes", 0x80, P, P, T(T60), P, T(T60), P, T(T600), P),
	SEED("dpd", 0x20, P, P, T(T30), P, T(T30), FZ_OP_DROP, T(T60), P,
	    T(T600), P),
	SEED("down-up", 0x00, P, P, FZ_OP_DOWN, 0, P, FZ_OP_INITIATE, 0, P,
	    P),
	SEED("peer-down", 0x00, P, P, FZ_OP_DOWN, 1, P, T(T3600), P),
	SEED("expire", 0x00, P, P, FZ_OP_EXPIRE, 0, 0, P, FZ_OP_EXPIRE, 3,
	    1, P, T(T1), P),
	SEED("reload", 0x00, P, P, FZ_OP_RELOAD, 1, 0x08, P, T(T30), P),
	SEED("snapshot", 0x00, P, P, FZ_OP_SNAPSHOT, 0, FZ_OP_SNAPSHOT, 1),
	/* Kernel calls failing on the responder, then not. */
	SEED("sa-add-fails", 0x00, FZ_OP_FAIL, 3, FZ_FAIL_SA_ADD, P, P,
	    T(T30), P, P),
	SEED("spi-fails", 0x00, FZ_OP_FAIL, 2, FZ_FAIL_SPI, P, P, T(T30),
	    P, P),
	SEED("send-fails", 0x00, FZ_OP_FAIL, 0, FZ_FAIL_SEND, P, T(T30),
	    FZ_OP_FAIL, 0, 0, T(T30), P, P),
	/* IKE fragmentation (variant bits 0-1 = 3): IKE_AUTH and rekeys in
	 * SKF fragments, lost, duplicated, reordered, corrupted. */
	SEED("frag-establish", 0x03, P, P, T(T1), P),
	SEED("frag-establish-cbc", 0x0b, P, P, T(T1), P),
	SEED("frag-rekey", 0x03, P, P, FZ_OP_REKEY, 0, P, FZ_OP_REKEY, 2, P,
	    T(T1), P),
	SEED("frag-lost", 0x03, D, D, FZ_OP_DROP, T(T1), P, T(T1), P),
	SEED("frag-reorder", 0x03, D, D, FZ_OP_DUP, FZ_OP_REORDER, D,
	    FZ_OP_REORDER, P, P),
	SEED("frag-corrupt", 0x03, D, D, FZ_OP_CORRUPT, 0x00, 0x30, 0x5a,
	    P, T(T1), P),
	/* Forged datagrams: an IKE_SA_INIT header alone, and one with
	 * the SPIs of a message in flight. */
	SEED("inject-init", 0x01, FZ_OP_INJECT, 0x01, 0x00, 0x1c,
	    1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 0, 0, 0, 0, 0, 0,
	    0x21, 0x20, 0x22, 0x08, 0, 0, 0, 0, 0, 0, 0, 0x1c),
	SEED("inject-spis", 0x00, D, D, FZ_OP_INJECT, 0x09, 0x00, 0x20,
	    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	    0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x20, 0, 0, 0, 0),
};

int
main(int argc, char **argv)
{
	char path[4096];
	FILE *f;
	size_t i;

	if (argc != 2) {
		fprintf(stderr, "usage: gen_engine_corpus DIR\n");
		return 2;
	}
	for (i = 0; i < sizeof(seeds) / sizeof(seeds[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", argv[1], seeds[i].name);
		if ((f = fopen(path, "wb")) == NULL ||
		    fwrite(seeds[i].bytes, 1, seeds[i].len, f) !=
		    seeds[i].len || fclose(f) != 0) {
			perror(path);
			return 1;
		}
	}
	printf("%zu seeds written to %s\n", i, argv[1]);
	return 0;
}
