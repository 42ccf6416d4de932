/* The decoder against a table of broken (and a few borderline valid)
 * messages: each row builds a message from payload bodies in hex, applies
 * a byte patch or cuts/appends bytes, and names the verdict and payload
 * type the decoder must report. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "hex.h"
#include "ike/message.h"

#define I	IKE_FLAG_INITIATOR
#define R	IKE_FLAG_RESPONSE
#define CRIT	IKE_PAYLOAD_CRITICAL

/* Payload bodies (no generic header). */
#define NONCE32	"5a*32"
#define KE384	"0014 0000 5a*96"
/* aes256gcm16-prfsha384-ecp384, as strongSwan sends it. */
#define XF_IKE	"0300000c 01000014 800e0100 03000008 02000006 00000008 04000014"
#define SA_INIT	"00000024 01010003 " XF_IKE
#define XF_ESP	"0300000c 01000014 800e0100 00000008 05000000"
#define SA_ESP	"00000020 01030402 c0010203 " XF_ESP
#define IDI	"02000000 6c656674"
#define AUTH	"02000000 5a*32"
#define TS4	"01000000 07000010 0000ffff 0a000000 0a0000ff"
#define N_IC	"00004000"	/* INITIAL_CONTACT */

struct pl {
	uint8_t		 type;
	uint8_t		 flags;
	const char	*hex;
};

struct bad {
	const char	*name;
	uint8_t		 exchange;
	uint8_t		 flags;
	struct pl	 clear[18];
	bool		 sk;		/* then SK { inner } */
	struct pl	 inner[4];
	int		 patch_off;	/* 0: none (offset 0 is never patched) */
	uint8_t		 patch_val;
	bool		 spi0;		/* zero the initiator SPI */
	int		 cut;		/* drop bytes at the end */
	int		 append;	/* add zero bytes at the end */
	bool		 fixlen;	/* header length = final size */
	enum ike_dec	 want;
	uint8_t		 want_type;
};

#define INIT	IKE_SA_INIT
#define AUTHX	IKE_AUTH
#define CHILD	CREATE_CHILD_SA
#define INFO	INFORMATIONAL

static const struct bad cases[] = {
	/* The IKE header, RFC 7296 3.1. */
	{ "header 27 bytes", INIT, I, .cut = 1,
	    .want = IKE_DEC_TRUNCATED },
	{ "empty datagram", INIT, I, .cut = 28, .want = IKE_DEC_TRUNCATED },
	{ "length field above datagram", INIT, I, .patch_off = 27,
	    .patch_val = 29, .want = IKE_DEC_BAD_LENGTH },
	{ "length field below datagram", INIT, I, .append = 4,
	    .want = IKE_DEC_BAD_LENGTH },
	{ "length field below 28", INIT, I, .patch_off = 27, .patch_val = 27,
	    .want = IKE_DEC_BAD_LENGTH },
	{ "version 3.0", INIT, I, .patch_off = 17, .patch_val = 0x30,
	    .want = IKE_DEC_BAD_VERSION },
	{ "version 1.0 (IKEv1)", INIT, I, .patch_off = 17, .patch_val = 0x10,
	    .want = IKE_DEC_OLD_VERSION },
	{ "version 2.1: minor ignored", INIT, I, .patch_off = 17,
	    .patch_val = 0x21, .want = IKE_DEC_OK },
	{ "initiator SPI zero", INIT, I, .spi0 = true,
	    .want = IKE_DEC_BAD_SPI },
	{ "V and reserved flag bits ignored", INIT, I, .patch_off = 19,
	    .patch_val = 0x08 | 0x10 | 0x80 | 0x01, .want = IKE_DEC_OK },
	{ "unknown exchange type 40", INIT, I, .patch_off = 18,
	    .patch_val = 40, .want = IKE_DEC_BAD_EXCHANGE },

	/* The generic payload header and the chain, RFC 7296 3.2. */
	{ "payload length 3", INIT, I, { { IKE_PL_NONCE, 0, NONCE32 } },
	    .patch_off = 31, .patch_val = 3, .want = IKE_DEC_BAD_LENGTH,
	    .want_type = IKE_PL_NONCE },
	{ "payload length beyond the message", INIT, I,
	    { { IKE_PL_NONCE, 0, NONCE32 } }, .patch_off = 30,
	    .patch_val = 0x10, .want = IKE_DEC_BAD_LENGTH,
	    .want_type = IKE_PL_NONCE },
	{ "next payload announced, message ends", INIT, I,
	    { { IKE_PL_NONCE, 0, NONCE32 } }, .patch_off = 28,
	    .patch_val = IKE_PL_KE, .want = IKE_DEC_TRUNCATED,
	    .want_type = IKE_PL_KE },
	{ "next payload announced, 2 bytes left", INIT, I,
	    { { IKE_PL_NONCE, 0, NONCE32 } }, .patch_off = 28,
	    .patch_val = IKE_PL_KE, .append = 2, .fixlen = true,
	    .want = IKE_DEC_TRUNCATED, .want_type = IKE_PL_KE },
	{ "trailing bytes after the last payload", INIT, I,
	    { { IKE_PL_NONCE, 0, NONCE32 } }, .append = 4, .fixlen = true,
	    .want = IKE_DEC_TRAILING },
	{ "duplicate SA", INIT, I, { { IKE_PL_SA, 0, SA_INIT },
	    { IKE_PL_SA, 0, SA_INIT } }, .want = IKE_DEC_DUPLICATE,
	    .want_type = IKE_PL_SA },
	{ "duplicate KE", INIT, I, { { IKE_PL_KE, 0, KE384 },
	    { IKE_PL_KE, 0, KE384 } }, .want = IKE_DEC_DUPLICATE,
	    .want_type = IKE_PL_KE },
	{ "duplicate Nonce", INIT, I, { { IKE_PL_NONCE, 0, NONCE32 },
	    { IKE_PL_KE, 0, KE384 }, { IKE_PL_NONCE, 0, NONCE32 } },
	    .want = IKE_DEC_DUPLICATE, .want_type = IKE_PL_NONCE },
	{ "duplicate IDi inside SK", AUTHX, I, .sk = true,
	    .inner = { { IKE_PL_IDi, 0, IDI }, { IKE_PL_IDi, 0, IDI } },
	    .want = IKE_DEC_DUPLICATE, .want_type = IKE_PL_IDi },
	{ "unknown non-critical payload skipped", INIT, I,
	    { { IKE_PL_NONCE, 0, NONCE32 }, { 49, 0, "0102030405" },
	    { IKE_PL_KE, 0, KE384 } }, .want = IKE_DEC_OK },
	{ "unknown critical payload", INIT, I, { { IKE_PL_NONCE, 0, NONCE32 },
	    { 49, CRIT, "0102030405" } },
	    .want = IKE_DEC_UNSUPPORTED_CRITICAL, .want_type = 49 },
	{ "unknown critical payload inside SK", AUTHX, I, .sk = true,
	    .inner = { { IKE_PL_IDi, 0, IDI }, { 200, CRIT, "" } },
	    .want = IKE_DEC_UNSUPPORTED_CRITICAL, .want_type = 200 },
	{ "critical bit on a known payload ignored", INIT, I,
	    { { IKE_PL_NONCE, CRIT, NONCE32 } }, .want = IKE_DEC_OK },
	{ "reserved generic header bits ignored", INIT, I,
	    { { IKE_PL_NONCE, 0, NONCE32 } }, .patch_off = 29,
	    .patch_val = 0x7f, .want = IKE_DEC_OK },

	/* Nonce, RFC 7296 3.9. */
	{ "nonce 15 bytes", INIT, I, { { IKE_PL_NONCE, 0, "5a*15" } },
	    .want = IKE_DEC_BAD_RANGE, .want_type = IKE_PL_NONCE },
	{ "nonce 257 bytes", INIT, I, { { IKE_PL_NONCE, 0, "5a*257" } },
	    .want = IKE_DEC_BAD_RANGE, .want_type = IKE_PL_NONCE },
	{ "nonce 16 bytes", INIT, I, { { IKE_PL_NONCE, 0, "5a*16" } },
	    .want = IKE_DEC_OK },
	{ "nonce 256 bytes", INIT, I, { { IKE_PL_NONCE, 0, "5a*256" } },
	    .want = IKE_DEC_OK },

	/* KE, AUTH, ID: RFC 7296 3.4, 3.8, 3.5. */
	{ "KE without data", INIT, I, { { IKE_PL_KE, 0, "00140000" } },
	    .want = IKE_DEC_BAD_LENGTH, .want_type = IKE_PL_KE },
	{ "KE header truncated", INIT, I, { { IKE_PL_KE, 0, "0014" } },
	    .want = IKE_DEC_TRUNCATED, .want_type = IKE_PL_KE },
	{ "AUTH without data", AUTHX, I, .sk = true,
	    .inner = { { IKE_PL_AUTH, 0, "02000000" } },
	    .want = IKE_DEC_BAD_LENGTH, .want_type = IKE_PL_AUTH },
	{ "ID_IPV4_ADDR of 5 bytes", AUTHX, I, .sk = true,
	    .inner = { { IKE_PL_IDi, 0, "01000000 0a000001ff" } },
	    .want = IKE_DEC_BAD_LENGTH, .want_type = IKE_PL_IDi },
	{ "ID_IPV6_ADDR of 4 bytes", AUTHX, I, .sk = true,
	    .inner = { { IKE_PL_IDi, 0, "05000000 0a000001" } },
	    .want = IKE_DEC_BAD_LENGTH, .want_type = IKE_PL_IDi },
	{ "empty ID_FQDN", AUTHX, I, .sk = true,
	    .inner = { { IKE_PL_IDi, 0, "02000000" } },
	    .want = IKE_DEC_BAD_LENGTH, .want_type = IKE_PL_IDi },

	/* SA, RFC 7296 3.3. */
	{ "SA without proposals", INIT, I, { { IKE_PL_SA, 0, "" } },
	    .want = IKE_DEC_BAD_SYNTAX, .want_type = IKE_PL_SA },
	{ "ESP proposal with SPI size 8", AUTHX, I, .sk = true,
	    .inner = { { IKE_PL_SA, 0, "00000024 01030802 c0010203c0010203 "
	    XF_ESP } }, .want = IKE_DEC_BAD_RANGE, .want_type = IKE_PL_SA },
	{ "IKE proposal with an SPI in IKE_SA_INIT", INIT, I,
	    { { IKE_PL_SA, 0, "0000002c 01010803 1122334455667788 " XF_IKE } },
	    .want = IKE_DEC_BAD_RANGE, .want_type = IKE_PL_SA },
	{ "ESP proposal in IKE_SA_INIT", INIT, I, { { IKE_PL_SA, 0, SA_ESP } },
	    .want = IKE_DEC_BAD_RANGE, .want_type = IKE_PL_SA },
	{ "transform count mismatch", INIT, I,
	    { { IKE_PL_SA, 0, "00000024 01010004 " XF_IKE } },
	    .want = IKE_DEC_BAD_SYNTAX, .want_type = IKE_PL_SA },
	{ "Key Length attribute in TLV form", INIT, I,
	    { { IKE_PL_SA, 0, "00000026 01010003 0300000e 01000014 000e00020100"
	    " 03000008 02000006 00000008 04000014" } },
	    .want = IKE_DEC_BAD_SYNTAX, .want_type = IKE_PL_SA },
	{ "unknown TV attribute: transform unusable, not an error", INIT, I,
	    { { IKE_PL_SA, 0, "00000024 01010003 0300000c 01000014 80110001"
	    " 03000008 02000006 00000008 04000014" } }, .want = IKE_DEC_OK },
	{ "transform length below 8", INIT, I,
	    { { IKE_PL_SA, 0, "00000024 01010003 0300000c 01000014 800e0100"
	    " 03000006 02000006 00000008 04000014" } },
	    .want = IKE_DEC_BAD_LENGTH, .want_type = IKE_PL_SA },
	{ "proposal length beyond the SA payload", INIT, I,
	    { { IKE_PL_SA, 0, "00000030 01010003 " XF_IKE } },
	    .want = IKE_DEC_BAD_LENGTH, .want_type = IKE_PL_SA },
	{ "proposal says more, none follows", INIT, I,
	    { { IKE_PL_SA, 0, "02000024 01010003 " XF_IKE } },
	    .want = IKE_DEC_BAD_SYNTAX, .want_type = IKE_PL_SA },
	{ "proposal says last, another follows", INIT, I,
	    { { IKE_PL_SA, 0, "00000024 01010003 " XF_IKE
	    " 00000024 02010003 " XF_IKE } },
	    .want = IKE_DEC_TRAILING, .want_type = IKE_PL_SA },
	{ "proposal numbers 1, 3", INIT, I,
	    { { IKE_PL_SA, 0, "02000024 01010003 " XF_IKE
	    " 00000024 03010003 " XF_IKE } },
	    .want = IKE_DEC_BAD_SYNTAX, .want_type = IKE_PL_SA },
	{ "response SA with two proposals", INIT, R,
	    { { IKE_PL_SA, 0, "02000024 01010003 " XF_IKE
	    " 00000024 02010003 " XF_IKE } },
	    .want = IKE_DEC_BAD_SYNTAX, .want_type = IKE_PL_SA },

	/* Traffic selectors, RFC 7296 3.13. */
	{ "TS start address above end", AUTHX, I, .sk = true,
	    .inner = { { IKE_PL_TSi, 0, "01000000 07000010 0000ffff "
	    "0a0000ff 0a000000" } }, .want = IKE_DEC_BAD_RANGE,
	    .want_type = IKE_PL_TSi },
	{ "TS start port above end", AUTHX, I, .sk = true,
	    .inner = { { IKE_PL_TSr, 0, "01000000 07000010 01000000 "
	    "0a000000 0a0000ff" } }, .want = IKE_DEC_BAD_RANGE,
	    .want_type = IKE_PL_TSr },
	{ "TS OPAQUE ports 65535..0", AUTHX, I, .sk = true,
	    .inner = { { IKE_PL_TSi, 0, "01000000 07000010 ffff0000 "
	    "0a000000 0a0000ff" } }, .want = IKE_DEC_OK },
	{ "TS_IPV4_ADDR_RANGE of 40 bytes", AUTHX, I, .sk = true,
	    .inner = { { IKE_PL_TSi, 0, "01000000 07000028 0000ffff 00*32" } },
	    .want = IKE_DEC_BAD_LENGTH, .want_type = IKE_PL_TSi },
	{ "TS_IPV6_ADDR_RANGE of 16 bytes", AUTHX, I, .sk = true,
	    .inner = { { IKE_PL_TSi, 0, "01000000 08000010 0000ffff 00*8" } },
	    .want = IKE_DEC_BAD_LENGTH, .want_type = IKE_PL_TSi },
	{ "TS count 2, one selector", AUTHX, I, .sk = true,
	    .inner = { { IKE_PL_TSi, 0, "02000000 07000010 0000ffff "
	    "0a000000 0a0000ff" } }, .want = IKE_DEC_TRUNCATED,
	    .want_type = IKE_PL_TSi },
	{ "TS count 0", AUTHX, I, .sk = true,
	    .inner = { { IKE_PL_TSi, 0, "00000000" } },
	    .want = IKE_DEC_BAD_RANGE, .want_type = IKE_PL_TSi },
	{ "TS bytes after the last selector", AUTHX, I, .sk = true,
	    .inner = { { IKE_PL_TSi, 0, TS4 " 00000000" } },
	    .want = IKE_DEC_TRAILING, .want_type = IKE_PL_TSi },

	/* Notify, RFC 7296 3.10. */
	{ "NAT detection hash of 19 bytes", INIT, I,
	    { { IKE_PL_NOTIFY, 0, "00004004 5a*19" } },
	    .want = IKE_DEC_BAD_LENGTH, .want_type = IKE_PL_NOTIFY },
	{ "notify SPI size 3", INIT, I,
	    { { IKE_PL_NOTIFY, 0, "03034000 aabbcc" } },
	    .want = IKE_DEC_BAD_RANGE, .want_type = IKE_PL_NOTIFY },
	{ "cookie of 65 bytes", INIT, I,
	    { { IKE_PL_NOTIFY, 0, "00004006 5a*65" } },
	    .want = IKE_DEC_BAD_LENGTH, .want_type = IKE_PL_NOTIFY },
	{ "17 notifies", INIT, I, { { IKE_PL_NOTIFY, 0, N_IC },
	    { IKE_PL_NOTIFY, 0, N_IC }, { IKE_PL_NOTIFY, 0, N_IC },
	    { IKE_PL_NOTIFY, 0, N_IC }, { IKE_PL_NOTIFY, 0, N_IC },
	    { IKE_PL_NOTIFY, 0, N_IC }, { IKE_PL_NOTIFY, 0, N_IC },
	    { IKE_PL_NOTIFY, 0, N_IC }, { IKE_PL_NOTIFY, 0, N_IC },
	    { IKE_PL_NOTIFY, 0, N_IC }, { IKE_PL_NOTIFY, 0, N_IC },
	    { IKE_PL_NOTIFY, 0, N_IC }, { IKE_PL_NOTIFY, 0, N_IC },
	    { IKE_PL_NOTIFY, 0, N_IC }, { IKE_PL_NOTIFY, 0, N_IC },
	    { IKE_PL_NOTIFY, 0, N_IC }, { IKE_PL_NOTIFY, 0, N_IC } },
	    .want = IKE_DEC_TOO_MANY, .want_type = IKE_PL_NOTIFY },

	/* Delete, RFC 7296 3.11. */
	{ "Delete ESP count 2 with one SPI", INFO, I, .sk = true,
	    .inner = { { IKE_PL_DELETE, 0, "03040002 c0010203" } },
	    .want = IKE_DEC_BAD_LENGTH, .want_type = IKE_PL_DELETE },
	{ "Delete ESP SPI size 8", INFO, I, .sk = true,
	    .inner = { { IKE_PL_DELETE, 0, "03080001 c0010203c0010203" } },
	    .want = IKE_DEC_BAD_RANGE, .want_type = IKE_PL_DELETE },
	{ "Delete IKE with an SPI", INFO, I, .sk = true,
	    .inner = { { IKE_PL_DELETE, 0, "01040001 c0010203" } },
	    .want = IKE_DEC_BAD_RANGE, .want_type = IKE_PL_DELETE },
	{ "Delete ESP two SPIs", INFO, I, .sk = true,
	    .inner = { { IKE_PL_DELETE, 0, "03040002 c0010203 c0040506" } },
	    .want = IKE_DEC_OK },

	/* SK and SKF, RFC 7296 3.14, RFC 7383 2.5. */
	{ "SKF fragment number 0", AUTHX, I,
	    { { IKE_PL_SKF, 0, "00000002 5a*16" } },
	    .want = IKE_DEC_BAD_RANGE, .want_type = IKE_PL_SKF },
	{ "SKF fragment 3 of 2", AUTHX, I,
	    { { IKE_PL_SKF, 0, "00030002 5a*16" } },
	    .want = IKE_DEC_BAD_RANGE, .want_type = IKE_PL_SKF },
	{ "SKF header truncated", AUTHX, I, { { IKE_PL_SKF, 0, "0001" } },
	    .want = IKE_DEC_TRUNCATED, .want_type = IKE_PL_SKF },
	{ "SKF fragment 2 of 2", AUTHX, I,
	    { { IKE_PL_SKF, 0, "00020002 5a*16" } }, .want = IKE_DEC_OK },
	{ "SK not the last payload", AUTHX, I, { { IKE_PL_SK, 0, "5a*16" },
	    { IKE_PL_NOTIFY, 0, N_IC } }, .want = IKE_DEC_SK_NOT_LAST,
	    .want_type = IKE_PL_SK },
	{ "SK inside SK", AUTHX, I, .sk = true,
	    .inner = { { IKE_PL_SK, 0, "5a*16" } },
	    .want = IKE_DEC_NOT_ALLOWED, .want_type = IKE_PL_SK },

	/* Which payload where (the legality table). */
	{ "IKE_AUTH with KE in clear", AUTHX, I, { { IKE_PL_KE, 0, KE384 } },
	    .sk = true, .inner = { { IKE_PL_IDi, 0, IDI } },
	    .want = IKE_DEC_NOT_ALLOWED, .want_type = IKE_PL_KE },
	{ "IKE_AUTH with a notify in clear", AUTHX, I,
	    { { IKE_PL_NOTIFY, 0, N_IC } }, .sk = true,
	    .want = IKE_DEC_NOT_ALLOWED, .want_type = IKE_PL_NOTIFY },
	{ "IKE_AUTH without SK", AUTHX, I, .want = IKE_DEC_MISSING,
	    .want_type = IKE_PL_SK },
	{ "SK in IKE_SA_INIT", INIT, I, .sk = true,
	    .want = IKE_DEC_NOT_ALLOWED, .want_type = IKE_PL_SK },
	{ "IDi in an IKE_AUTH response", AUTHX, R, .sk = true,
	    .inner = { { IKE_PL_IDi, 0, IDI } },
	    .want = IKE_DEC_NOT_ALLOWED, .want_type = IKE_PL_IDi },
	{ "Delete in IKE_AUTH", AUTHX, I, .sk = true,
	    .inner = { { IKE_PL_DELETE, 0, "01000000" } },
	    .want = IKE_DEC_NOT_ALLOWED, .want_type = IKE_PL_DELETE },
	{ "KE in INFORMATIONAL", INFO, I, .sk = true,
	    .inner = { { IKE_PL_KE, 0, KE384 } },
	    .want = IKE_DEC_NOT_ALLOWED, .want_type = IKE_PL_KE },
	{ "CERTREQ in an IKE_SA_INIT request", INIT, I,
	    { { IKE_PL_CERTREQ, 0, "04" } },
	    .want = IKE_DEC_NOT_ALLOWED, .want_type = IKE_PL_CERTREQ },
	{ "unprotected INVALID_IKE_SPI response", INFO, R,
	    { { IKE_PL_NOTIFY, 0, "00000004" } }, .want = IKE_DEC_OK },
	{ "unprotected INFORMATIONAL request", INFO, I,
	    { { IKE_PL_NOTIFY, 0, "00000004" } },
	    .want = IKE_DEC_NOT_ALLOWED, .want_type = IKE_PL_NOTIFY },
	{ "IKE_AUTH request, the usual inner payloads", AUTHX, I, .sk = true,
	    .inner = { { IKE_PL_IDi, 0, IDI }, { IKE_PL_AUTH, 0, AUTH },
	    { IKE_PL_SA, 0, SA_ESP }, { IKE_PL_TSi, 0, TS4 } },
	    .want = IKE_DEC_OK },
};

static long
build(const struct bad *c, uint8_t *buf, size_t cap)
{
	struct ike_enc e;
	struct ike_sk_layout lay;
	struct ike_hdr h;
	struct wbuf w;
	uint8_t body[1024];
	const struct pl *p;
	long n, len;
	size_t i;

	memset(&h, 0, sizeof(h));
	h.ispi = 0x0102030405060708ULL;
	h.rspi = c->exchange == IKE_SA_INIT ? 0 : 0x1112131415161718ULL;
	h.exchange = c->exchange;
	h.flags = c->flags;
	h.msgid = c->exchange == IKE_SA_INIT ? 0 : 1;
	wbuf_init(&w, buf, cap);
	ike_msg_encode_init(&e, &w, &h);
	e.no_check = true;
	for (i = 0; i < 2; i++) {
		for (p = i == 0 ? c->clear : c->inner; p->type != 0; p++) {
			n = hex_parse(p->hex, body, sizeof(body));
			assert_true(n >= 0);
			ike_msg_encode_generic(&e, p->type, p->flags, body,
			    (size_t)n);
		}
		if (i == 0 && !c->sk)
			break;
		if (i == 0)
			ike_msg_encode_sk_begin(&e, 0);
	}
	len = ike_msg_encode_finish(&e, &lay);
	assert_true(len >= IKE_HDR_LEN);
	if (c->patch_off != 0)
		buf[c->patch_off] = c->patch_val;
	if (c->spi0)
		memset(buf, 0, 8);
	len -= c->cut;
	assert_true(len >= 0 && (size_t)(len + c->append) <= cap);
	memset(buf + len, 0, (size_t)c->append);
	len += c->append;
	if (c->fixlen) {
		buf[24] = (uint8_t)(len >> 24);
		buf[25] = (uint8_t)(len >> 16);
		buf[26] = (uint8_t)(len >> 8);
		buf[27] = (uint8_t)len;
	}
	return len;
}

static void
test_malformed_table(void **state)
{
	static uint8_t buf[4096];
	static struct ike_msg m;
	size_t i, failed = 0, n = sizeof(cases) / sizeof(cases[0]);
	enum ike_dec v;
	long len;

	for (i = 0; i < n; i++) {
		const struct bad *c = &cases[i];

		len = build(c, buf, sizeof(buf));
		v = ike_msg_decode(&m, buf, (size_t)len);
		if (v == IKE_DEC_OK && ike_msg_has(&m, IKE_PL_SK))
			v = ike_msg_decode_inner(&m, m.sk.next, m.sk.body,
			    m.sk.len);
		if (v != c->want || (v != IKE_DEC_OK &&
		    m.err.payload != c->want_type)) {
			printf("FAIL %-50s got %s (payload %u: %s), want %s "
			    "(payload %u)\n", c->name, ike_dec_str(v),
			    m.err.payload, m.err.detail ? m.err.detail : "-",
			    ike_dec_str(c->want), c->want_type);
			failed++;
		} else {
			printf("ok   %-50s %s%s%s\n", c->name, ike_dec_str(v),
			    v != IKE_DEC_OK ? ": " : "",
			    v != IKE_DEC_OK ? m.err.detail : "");
		}
		/* Never an answer the notify mapping does not know. */
		(void)ike_dec_notify(v);
	}
	printf("%zu cases, %zu failed\n", n, failed);
	assert_int_equal(failed, 0);
	assert_true(n >= 40);
}

/* Every prefix of a valid message fails cleanly (the header length
 * disagrees), and so does every single-byte corruption of its length
 * fields: no verdict outside the enum, no read past the end (ASan). */
static void
test_prefixes_and_flips(void **state)
{
	static uint8_t buf[4096], copy[4096];
	static struct ike_msg m;
	const struct bad *c = &cases[sizeof(cases) / sizeof(cases[0]) - 1];
	enum ike_dec v;
	long len, i;
	int bit;

	len = build(c, buf, sizeof(buf));
	for (i = 0; i < len; i++) {
		memcpy(copy, buf, (size_t)i);
		v = ike_msg_decode(&m, copy, (size_t)i);
		assert_int_not_equal(v, IKE_DEC_OK);
		assert_true(v < IKE_DEC_MAX);
	}
	/* The inner plaintext starts after HDR and the SK header. */
	for (i = IKE_HDR_LEN + 4; i < len; i++) {
		for (bit = 0; bit < 8; bit++) {
			memcpy(copy, buf, (size_t)len);
			copy[i] ^= (uint8_t)(1 << bit);
			v = ike_msg_decode(&m, copy, (size_t)len);
			if (v == IKE_DEC_OK)
				v = ike_msg_decode_inner(&m, m.sk.next,
				    m.sk.body, m.sk.len);
			assert_true(v < IKE_DEC_MAX);
		}
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_malformed_table),
		cmocka_unit_test(test_prefixes_and_flips),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
