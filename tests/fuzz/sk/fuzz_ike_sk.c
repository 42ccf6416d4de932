/* libFuzzer target for SK / SKF payload protection (src/ike/sk.c).
 *
 * The first octet selects the suite and mode (sk_fuzz.h):
 *
 *  open:       the rest is an IKE message. It is located with the codec
 *              (ike_msg_decode: SK or SKF at m.sk.hdr_off) or, when the
 *              codec refuses the message, with a bare generic-header walk,
 *              then opened with the suite's fixed keys; a plaintext that
 *              opens is decoded as the inner chain (ike_msg_decode_inner).
 *              Every failure must be a clean -1.
 *  round trip: the rest is [first inner payload type][inner plaintext]:
 *              sealed into an IKE_AUTH request (SK, or SKF with bit 6),
 *              opened again and compared; then decoded as the inner chain.
 *              A mismatch aborts.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ike/message.h"
#include "ike/sk.h"
#include "sk_fuzz.h"

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct ike_msg m;

/* The SK or SKF payload by walking generic headers (RFC 7296 3.2) from the
 * IKE header's Next Payload; 0 and its offset if found. */
static int
walk_to_sk(const uint8_t *msg, size_t len, size_t *sk_off, size_t *hdr_len)
{
	size_t off = IKE_HDR_LEN, plen;
	uint8_t next;

	if (len < IKE_HDR_LEN)
		return -1;
	next = msg[16];
	while (next != IKE_PL_NONE) {
		if (len - off < IKE_GENERIC_HDR_LEN)
			return -1;
		if (next == IKE_PL_SK || next == IKE_PL_SKF) {
			*sk_off = off;
			*hdr_len = next == IKE_PL_SK ? IKE_SK_HDR_LEN :
			    IKE_SK_SKF_HDR_LEN;
			return 0;
		}
		plen = (size_t)msg[off + 2] << 8 | msg[off + 3];
		if (plen < IKE_GENERIC_HDR_LEN || plen > len - off)
			return -1;
		next = msg[off];
		off += plen;
	}
	return -1;
}

static void
fuzz_open(const struct ike_sk_ctx *ctx, const uint8_t *in, size_t len)
{
	const uint8_t *plain;
	size_t plain_len, sk_off, hdr_len;
	enum ike_sk_err why;
	uint8_t *msg;
	int is_sk, rv;

	/* An exact-size copy: ASan catches any read past the message. */
	if ((msg = malloc(len > 0 ? len : 1)) == NULL)
		abort();
	if (len > 0)
		memcpy(msg, in, len);
	if (ike_msg_decode(&m, msg, len) == IKE_DEC_OK &&
	    (ike_msg_has(&m, IKE_PL_SK) || ike_msg_has(&m, IKE_PL_SKF))) {
		is_sk = ike_msg_has(&m, IKE_PL_SK);
		rv = ike_sk_open_hdr(ctx, msg, len, m.sk.hdr_off,
		    is_sk ? IKE_SK_HDR_LEN : IKE_SK_SKF_HDR_LEN, &plain,
		    &plain_len, &why);
		if (rv == 0 && is_sk)
			(void)ike_msg_decode_inner(&m, m.sk.next, plain,
			    plain_len);
	} else if (walk_to_sk(msg, len, &sk_off, &hdr_len) == 0) {
		rv = ike_sk_open_hdr(ctx, msg, len, sk_off, hdr_len, &plain,
		    &plain_len, &why);
	} else {
		rv = -1;
		why = IKE_SK_ERR_LENGTH;
	}
	if ((rv == 0) != (why == IKE_SK_OK)) {
		fprintf(stderr, "open: result %d with reason %s\n", rv,
		    ike_sk_strerror(why));
		abort();
	}
	if (rv == 0 && (plain < msg || plain + plain_len > msg + len)) {
		fprintf(stderr, "open: plaintext outside the message\n");
		abort();
	}
	free(msg);
}

static void
fuzz_roundtrip(const struct ike_sk_ctx *ctx, int skf, const uint8_t *in,
    size_t len)
{
	const uint8_t *plain;
	size_t plain_len, cap, sk_off, hdr_len;
	uint8_t *buf, first;
	struct wbuf w;

	if (len < 1)
		return;
	first = in[0];
	in++, len--;
	hdr_len = skf ? IKE_SK_SKF_HDR_LEN : IKE_SK_HDR_LEN;
	cap = IKE_HDR_LEN + hdr_len + len + ike_sk_overhead(ctx);
	if ((buf = malloc(cap)) == NULL)
		abort();
	wbuf_init(&w, buf, cap);
	wbuf_put_u64(&w, 0x8877665544332211ULL);	/* SPIi */
	wbuf_put_u64(&w, 0x1122334455667788ULL);	/* SPIr */
	wbuf_put_u8(&w, skf ? IKE_PL_SKF : IKE_PL_SK);
	wbuf_put_u8(&w, IKE_VERSION_2);
	wbuf_put_u8(&w, IKE_AUTH);
	wbuf_put_u8(&w, IKE_FLAG_INITIATOR);
	wbuf_put_u32(&w, 1);
	wbuf_put_u32(&w, 0);
	sk_off = w.len;
	wbuf_put_u8(&w, first);
	wbuf_put_u8(&w, 0);
	wbuf_put_u16(&w, 0);
	if (skf) {
		wbuf_put_u16(&w, 1);
		wbuf_put_u16(&w, 1);
	}
	wbuf_put_bytes(&w, in, len);
	if (!wbuf_ok(&w))
		abort();
	/* The overhead is an upper bound: sealing must always fit. */
	if (ike_sk_seal_hdr(ctx, &w, sk_off, hdr_len, NULL) == -1) {
		fprintf(stderr, "seal of %zu octets failed\n", len);
		abort();
	}
	if (ike_sk_open_hdr(ctx, buf, w.len, sk_off, hdr_len, &plain,
	    &plain_len, NULL) == -1 || plain_len != len ||
	    (len > 0 && memcmp(plain, in, len) != 0)) {
		fprintf(stderr, "round trip of %zu octets differs\n", len);
		abort();
	}
	/* The inner chain, as the engine would decode it. */
	if (!skf && ike_msg_decode(&m, buf, w.len) == IKE_DEC_OK)
		(void)ike_msg_decode_inner(&m, first, plain, plain_len);
	free(buf);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ike_sk_ctx ctx;
	uint8_t sel;

	if (size < 1 || size > IKE_MSG_MAX)
		return 0;
	sel = data[0];
	if (sk_fuzz_ctx(SK_FUZZ_SUITE(sel), &ctx) == -1)
		abort();
	if (sel & SK_FUZZ_ROUNDTRIP)
		fuzz_roundtrip(&ctx, (sel & SK_FUZZ_SKF) != 0, data + 1,
		    size - 1);
	else
		fuzz_open(&ctx, data + 1, size - 1);
	ike_sk_ctx_wipe(&ctx);
	return 0;
}
