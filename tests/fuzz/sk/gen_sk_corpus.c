/* Writes the fuzz_ike_sk seed corpus: for every suite, messages built with
 * the codec (message.h) and sealed with ike_sk_seal_layout() under the
 * fixed keys of sk_fuzz.h, plus round-trip seeds. The IVs are random, so
 * every run writes different (equally valid) files.
 * Usage: gen_sk_corpus DIR */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike/message.h"
#include "ike/sk.h"
#include "sk_fuzz.h"

static uint8_t buf[4096];

static int
write_seed(const char *dir, const char *name, uint8_t sel, const uint8_t *p,
    size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	if ((f = fopen(path, "wb")) == NULL || fputc(sel, f) == EOF ||
	    fwrite(p, 1, len, f) != len || fclose(f) != 0) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	printf("%-24s %5zu bytes\n", name, len + 1);
	return 0;
}

/* One protected message: kind 0 IKE_AUTH request {IDi, AUTH, N}, 1 empty
 * INFORMATIONAL request (liveness), 2 INFORMATIONAL response {D(IKE)},
 * 3 IKE_AUTH request as a single SKF fragment {IDi}. */
static long
build(const struct ike_sk_ctx *ctx, int kind, struct wbuf *w)
{
	static const uint8_t fqdn[] = "vti.example.net";
	static const uint8_t idi_pl[] = {	/* IDi payload, ID_FQDN */
		IKE_PL_NONE, 0, 0, 4 + 4 + 7, ID_FQDN, 0, 0, 0,
		'v', 't', 'i', '.', 'n', 'e', 't',
	};
	uint8_t auth[32];
	struct ike_hdr hdr;
	struct ike_enc e;
	struct ike_sk_layout lay;
	enum ike_sk_err why;
	size_t iv_len = ctx->encr->iv_len;

	memset(&hdr, 0, sizeof(hdr));
	hdr.ispi = 0x0123456789abcdefULL;
	hdr.rspi = 0xfedcba9876543210ULL;
	hdr.exchange = kind == 1 || kind == 2 ? INFORMATIONAL : IKE_AUTH;
	hdr.flags = kind == 2 ? IKE_FLAG_RESPONSE : IKE_FLAG_INITIATOR;
	hdr.msgid = kind == 0 || kind == 3 ? 1 : 2;
	memset(auth, 0xa5, sizeof(auth));
	wbuf_init(w, buf, sizeof(buf));
	ike_msg_encode_init(&e, w, &hdr);
	switch (kind) {
	case 0:
		ike_msg_encode_sk_begin(&e, iv_len);
		ike_msg_encode_id(&e, IKE_PL_IDi, ID_FQDN, fqdn,
		    sizeof(fqdn) - 1);
		ike_msg_encode_auth(&e, AUTH_SHARED_KEY_MIC, auth,
		    sizeof(auth));
		ike_msg_encode_notify(&e, 0, NULL, 0, INITIAL_CONTACT, NULL, 0);
		break;
	case 1:
		ike_msg_encode_sk_begin(&e, iv_len);
		break;
	case 2:
		ike_msg_encode_sk_begin(&e, iv_len);
		ike_msg_encode_delete(&e, IKE_PROTO_IKE, NULL, 0);
		break;
	default:
		ike_msg_encode_skf(&e, 1, 1, IKE_PL_IDi, iv_len, idi_pl,
		    sizeof(idi_pl));
		break;
	}
	if (ike_msg_encode_finish(&e, &lay) == -1)
		return -1;
	if (ike_sk_seal_layout(ctx, w, &lay, &why) == -1) {
		fprintf(stderr, "seal: %s\n", ike_sk_strerror(why));
		return -1;
	}
	return (long)w->len;
}

int
main(int argc, char **argv)
{
	static const char *kinds[] = { "auth", "info-empty", "info-delete",
	    "auth-skf" };
	/* A round-trip seed: first payload N, then one Notify payload
	 * (INITIAL_CONTACT, no SPI, no data). */
	static const uint8_t rt[] = {
		IKE_PL_NOTIFY,
		IKE_PL_NONE, 0, 0, 8, 0, 0, 0x40, 0x00,
	};
	struct ike_sk_ctx ctx;
	struct wbuf w;
	char name[64];
	unsigned int s;
	int kind;
	long len;

	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	for (s = 0; s < SK_FUZZ_NSUITES; s++) {
		if (sk_fuzz_ctx(s, &ctx) == -1)
			return 1;
		for (kind = 0; kind < 4; kind++) {
			if ((len = build(&ctx, kind, &w)) <= 0) {
				fprintf(stderr, "suite %u %s: cannot build\n",
				    s, kinds[kind]);
				return 1;
			}
			snprintf(name, sizeof(name), "s%u-%s", s, kinds[kind]);
			if (write_seed(argv[1], name, (uint8_t)s, buf,
			    (size_t)len) == -1)
				return 1;
		}
		snprintf(name, sizeof(name), "s%u-roundtrip", s);
		if (write_seed(argv[1], name, (uint8_t)(SK_FUZZ_ROUNDTRIP | s),
		    rt, sizeof(rt)) == -1)
			return 1;
		snprintf(name, sizeof(name), "s%u-roundtrip-skf", s);
		if (write_seed(argv[1], name, (uint8_t)(SK_FUZZ_ROUNDTRIP |
		    SK_FUZZ_SKF | s), rt, sizeof(rt)) == -1)
			return 1;
		ike_sk_ctx_wipe(&ctx);
	}
	return 0;
}
