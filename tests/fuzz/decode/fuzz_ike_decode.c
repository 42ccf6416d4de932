/* libFuzzer target for the IKEv2 message codec.
 *
 * 1. The datagram through ike_msg_decode(); when it has an SK payload, its
 *    body through ike_msg_decode_inner() as if it were the plaintext (the
 *    seeds carry plaintext there for that reason).
 * 2. Whatever decoded cleanly is encoded again and decoded again: the two
 *    decodes must agree (and, in debug builds, the encoder re-checks its
 *    own output and aborts on a bug).
 * 3. The same bytes as an inner chain on their own: byte 0 picks the
 *    exchange and direction, byte 1 is the first payload type.
 */
#include <stdint.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "ike/message.h"
#include "ike_reencode.h"

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);

static struct ike_msg m1, m2;
static uint8_t out[IKE_MSG_MAX + 1];

static void
roundtrip(const struct ike_msg *m)
{
	const char *why;
	long len;
	enum ike_dec v;

	len = ike_msg_reencode(m, out, sizeof(out));
	if (len == 0)
		return;		/* deliberately inexpressible */
	if (len < 0) {
		fprintf(stderr, "re-encode failed\n");
		abort();
	}
	v = ike_msg_decode(&m2, out, (size_t)len);
	if (v == IKE_DEC_OK && (m2.clear & ((uint64_t)1 << IKE_PL_SK)))
		v = ike_msg_decode_inner(&m2, m2.sk.next, m2.sk.body,
		    m2.sk.len);
	if (v != IKE_DEC_OK) {
		fprintf(stderr, "re-encoded message fails: %s (%s)\n",
		    ike_dec_str(v), m2.err.detail);
		abort();
	}
	if (!ike_msg_same(m, &m2, &why)) {
		fprintf(stderr, "round trip differs: %s\n", why);
		abort();
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	enum ike_dec v;

	v = ike_msg_decode(&m1, data, size);
	if (v == IKE_DEC_OK && (m1.clear & ((uint64_t)1 << IKE_PL_SK)))
		v = ike_msg_decode_inner(&m1, m1.sk.next, m1.sk.body,
		    m1.sk.len);
	(void)ike_dec_str(v);
	(void)ike_dec_notify(v);
	if (v == IKE_DEC_OK)
		roundtrip(&m1);

	if (size >= 2) {
		memset(&m1, 0, sizeof(m1));
		m1.hdr.ispi = 1;
		m1.hdr.exchange = (uint8_t)(IKE_SA_INIT + (data[0] & 3));
		m1.hdr.flags = (data[0] & 4) ? IKE_FLAG_RESPONSE :
		    IKE_FLAG_INITIATOR;
		if (m1.hdr.exchange != IKE_SA_INIT)
			m1.clear = (uint64_t)1 << IKE_PL_SK;
		v = ike_msg_decode_inner(&m1, data[1], data + 2, size - 2);
		if (v == IKE_DEC_OK && m1.hdr.exchange != IKE_SA_INIT)
			roundtrip(&m1);
	}
	return 0;
}
