/* Seed messages for the decoder fuzzer and the codec tests. */
#include <string.h>

#include "hex.h"
#include "ike/message.h"
#include "ike_corpus.h"

/* Captured with charon in a network namespace sending to a UDP socket on
 * 127.0.0.1:500: [ SA KE No N(NATD_S_IP) N(NATD_D_IP) N(FRAG_SUP)
 * N(HASH_ALG) N(REDIR_SUP) ], 296 bytes. */
const char ike_capture_strongswan_init[] =
	"c387b56f9e881f130000000000000000"
	"21202208000000000000012822000028"
	"00000024010100030300000c01000014"
	"800e0100030000080200000600000008"
	"04000014280000680014000040dae37d"
	"b06266ebfe970a2afac51557e38b5cb9"
	"466eec5ff3b0d5ddb228b41c3de3f83e"
	"ec8220edc3f49c1a5485b5e762de6f0b"
	"e27cce50d5f04ceca513ddadd0f6e6c2"
	"869bcd3e2dc0a8d33b0b828cf49a684f"
	"27b40a37ab36b20e383af32c29000024"
	"cdf447e59665a0d7510643c6e02b6cc7"
	"136110056e548cef3b1a400f130870de"
	"2900001c00004004ccf359224fe17bf9"
	"2fa5193cce14259dd7afe7342900001c"
	"0000400526ce871dfb6f7e23de9fd9ac"
	"78066848b91ac69d290000080000402e"
	"290000100000402f0002000300040005"
	"0000000800004016";

#define ISPI	0x1122334455667788ULL
#define RSPI	0x99aabbccddeeff00ULL

static const uint8_t fill[256] = { 0x5a, 0xa5, 0x01, 0x02, 0x03, 0x04 };

static void
hdr(struct ike_hdr *h, uint8_t exchange, bool response, uint32_t msgid)
{
	memset(h, 0, sizeof(*h));
	h->ispi = ISPI;
	h->rspi = exchange == IKE_SA_INIT && !response ? 0 : RSPI;
	h->exchange = exchange;
	h->flags = response ? IKE_FLAG_RESPONSE : IKE_FLAG_INITIATOR;
	h->msgid = msgid;
}

static void
xf(struct ike_proposal *p, uint8_t type, uint16_t id, uint16_t keylen)
{
	p->xforms[p->n_xforms].type = type;
	p->xforms[p->n_xforms].id = id;
	p->xforms[p->n_xforms].keylen = keylen;
	p->n_xforms++;
}

static void
ike_props(struct ike_proposal_list *pl, bool response, uint8_t spi_size)
{
	struct ike_proposal *p;

	memset(pl, 0, sizeof(*pl));
	p = &pl->p[pl->n++];
	p->num = 1;
	p->proto = IKE_PROTO_IKE;
	p->spi_size = spi_size;
	memset(p->spi, 0x42, spi_size);
	xf(p, IKE_XFORM_ENCR, ENCR_AES_GCM_16, 256);
	xf(p, IKE_XFORM_PRF, PRF_HMAC_SHA2_384, 0);
	xf(p, IKE_XFORM_DH, ECP_384, 0);
	if (response)
		return;
	p = &pl->p[pl->n++];
	p->num = 2;
	p->proto = IKE_PROTO_IKE;
	p->spi_size = spi_size;
	memset(p->spi, 0x43, spi_size);
	xf(p, IKE_XFORM_ENCR, ENCR_AES_CBC, 128);
	xf(p, IKE_XFORM_ENCR, ENCR_AES_CBC, 256);
	xf(p, IKE_XFORM_INTEG, AUTH_HMAC_SHA2_256_128, 0);
	xf(p, IKE_XFORM_PRF, PRF_HMAC_SHA2_256, 0);
	xf(p, IKE_XFORM_DH, CURVE25519, 0);
	xf(p, IKE_XFORM_DH, MODP_2048, 0);
}

static void
esp_props(struct ike_proposal_list *pl, bool response, bool pfs)
{
	struct ike_proposal *p;

	memset(pl, 0, sizeof(*pl));
	p = &pl->p[pl->n++];
	p->num = 1;
	p->proto = IKE_PROTO_ESP;
	p->spi_size = 4;
	memcpy(p->spi, "\xc0\x01\x02\x03", 4);
	xf(p, IKE_XFORM_ENCR, ENCR_AES_GCM_16, 256);
	if (pfs)
		xf(p, IKE_XFORM_DH, ECP_384, 0);
	xf(p, IKE_XFORM_ESN, ESN_NONE, 0);
	if (response)
		return;
	p = &pl->p[pl->n++];
	p->num = 2;
	p->proto = IKE_PROTO_ESP;
	p->spi_size = 4;
	memcpy(p->spi, "\xc0\x01\x02\x03", 4);
	xf(p, IKE_XFORM_ENCR, ENCR_AES_CBC, 256);
	xf(p, IKE_XFORM_INTEG, AUTH_HMAC_SHA2_256_128, 0);
	xf(p, IKE_XFORM_ESN, ESN_NONE, 0);
	xf(p, IKE_XFORM_ESN, ESN_ENABLED, 0);
}

static void
ts4(struct ike_ts *t, const char *start, const char *end)
{
	memset(t, 0, sizeof(*t));
	t->type = TS_IPV4_ADDR_RANGE;
	t->eport = 65535;
	memcpy(t->start, start, 4);
	memcpy(t->end, end, 4);
}

static void
ts6(struct ike_ts *t, uint8_t proto)
{
	memset(t, 0, sizeof(*t));
	t->type = TS_IPV6_ADDR_RANGE;
	t->proto = proto;
	t->sport = t->eport = 500;
	t->start[0] = t->end[0] = 0xfd;
	memset(t->end + 1, 0xff, 15);
}

static void
nat_d(struct ike_enc *e)
{
	ike_msg_encode_notify(e, 0, NULL, 0, NAT_DETECTION_SOURCE_IP, fill,
	    IKE_NAT_HASH_LEN);
	ike_msg_encode_notify(e, 0, NULL, 0, NAT_DETECTION_DESTINATION_IP,
	    fill + 1, IKE_NAT_HASH_LEN);
}

static void
init_req(struct ike_enc *e, bool cookie)
{
	struct ike_proposal_list pl;
	static const uint8_t hashes[] = { 0, 2, 0, 3, 0, 4, 0, 5 };

	if (cookie)
		ike_msg_encode_notify(e, 0, NULL, 0, COOKIE, fill, 32);
	ike_props(&pl, false, 0);
	ike_msg_encode_sa(e, &pl);
	ike_msg_encode_ke(e, ECP_384, fill, 96);
	ike_msg_encode_nonce(e, fill, 32);
	nat_d(e);
	ike_msg_encode_notify(e, 0, NULL, 0, IKEV2_FRAGMENTATION_SUPPORTED,
	    NULL, 0);
	ike_msg_encode_notify(e, 0, NULL, 0, SIGNATURE_HASH_ALGORITHMS, hashes,
	    sizeof(hashes));
	ike_msg_encode_vendor(e, "vtid", 4);
}

static void
auth_req(struct ike_enc *e, bool v6)
{
	struct ike_proposal_list pl;
	struct ike_ts ti[2], tr[2];

	ike_msg_encode_sk_begin(e, 0);
	if (v6) {
		ike_msg_encode_id(e, IKE_PL_IDi, ID_KEY_ID, "key-1", 5);
		/* CFG_REQUEST with INTERNAL_IP6_ADDRESS (RFC 7296 3.15). */
		ike_msg_encode_generic(e, IKE_PL_CP, 0,
		    "\x01\x00\x00\x00\x00\x08\x00\x00", 8);
	} else {
		ike_msg_encode_id(e, IKE_PL_IDi, ID_FQDN, "left.vtid.test", 14);
		ike_msg_encode_notify(e, 0, NULL, 0, INITIAL_CONTACT, NULL, 0);
	}
	ike_msg_encode_id(e, IKE_PL_IDr, ID_RFC822_ADDR, "right@vtid.test",
	    15);
	ike_msg_encode_auth(e, AUTH_SHARED_KEY_MIC, fill, 48);
	esp_props(&pl, false, false);
	ike_msg_encode_sa(e, &pl);
	if (v6) {
		ts6(&ti[0], 0);
		ts6(&tr[0], 17);
		ike_msg_encode_ts(e, IKE_PL_TSi, ti, 1);
		ike_msg_encode_ts(e, IKE_PL_TSr, tr, 1);
	} else {
		ts4(&ti[0], "\x0a\x00\x00\x00", "\x0a\x00\x00\xff");
		ts4(&ti[1], "\xc0\xa8\x01\x01", "\xc0\xa8\x01\x01");
		ts4(&tr[0], "\x0a\x00\x01\x00", "\x0a\x00\x01\xff");
		ike_msg_encode_ts(e, IKE_PL_TSi, ti, 2);
		ike_msg_encode_ts(e, IKE_PL_TSr, tr, 1);
	}
	ike_msg_encode_notify(e, 0, NULL, 0, ESP_TFC_PADDING_NOT_SUPPORTED,
	    NULL, 0);
}

/* SA bodies past the decoder's limits, which the encoder refuses to write:
 * 17 proposals (IKE_PROPOSALS_MAX + 1), or one proposal with 33 transforms
 * (IKE_XFORMS_MAX + 1), some with attributes vtid does not understand. */
static void
sa_over_limits(struct ike_enc *e, bool many_proposals, uint8_t *body,
    size_t cap)
{
	struct wbuf b;
	size_t i, np = many_proposals ? 17 : 1, nx = many_proposals ? 1 : 33;
	size_t j, pstart, xstart;

	wbuf_init(&b, body, cap);
	for (i = 0; i < np; i++) {
		pstart = b.len;
		wbuf_put_u8(&b, i + 1 < np ? IKE_PROPOSAL_MORE : 0);
		wbuf_put_u8(&b, 0);
		wbuf_put_u16(&b, 0);
		wbuf_put_u8(&b, (uint8_t)(i + 1));
		wbuf_put_u8(&b, IKE_PROTO_IKE);
		wbuf_put_u8(&b, 0);
		wbuf_put_u8(&b, (uint8_t)nx);
		for (j = 0; j < nx; j++) {
			xstart = b.len;
			wbuf_put_u8(&b, j + 1 < nx ? IKE_TRANSFORM_MORE : 0);
			wbuf_put_u8(&b, 0);
			wbuf_put_u16(&b, 0);
			wbuf_put_u8(&b, IKE_XFORM_ENCR);
			wbuf_put_u8(&b, 0);
			wbuf_put_u16(&b, ENCR_AES_CBC);
			wbuf_put_u16(&b, IKE_ATTR_TV | IKE_ATTR_KEY_LENGTH);
			wbuf_put_u16(&b, 128);
			if (j % 3 == 1) {	/* an unknown TLV attribute */
				wbuf_put_u16(&b, 99);
				wbuf_put_u16(&b, 2);
				wbuf_put_u16(&b, 0xabcd);
			}
			wbuf_patch_u16(&b, xstart + 2,
			    (uint16_t)(b.len - xstart));
		}
		wbuf_patch_u16(&b, pstart + 2, (uint16_t)(b.len - pstart));
	}
	ike_msg_encode_generic(e, IKE_PL_SA, 0, body, wbuf_ok(&b) ? b.len : 0);
}

static const char *const names[] = {
	"init-req",
	"init-req-cookie",
	"init-resp",
	"init-resp-invalid-ke",
	"init-resp-cookie",
	"init-resp-no-proposal",
	"auth-req",
	"auth-req-v6-cp",
	"auth-resp",
	"auth-resp-auth-failed",
	"auth-req-frag-1",
	"auth-req-frag-2",
	"child-req-rekey-esp",
	"child-resp",
	"child-req-rekey-ike",
	"info-delete-esp",
	"info-delete-ike",
	"info-empty",
	"info-resp-invalid-spi",
	"strongswan-init-req",
	"init-req-17-proposals",
	"init-req-33-transforms",
};

size_t
ike_corpus_count(void)
{
	return sizeof(names) / sizeof(names[0]);
}

const char *
ike_corpus_name(size_t i)
{
	return i < ike_corpus_count() ? names[i] : NULL;
}

long
ike_corpus_build(size_t i, struct wbuf *w)
{
	struct ike_enc e;
	struct ike_sk_layout lay;
	struct ike_hdr h;
	struct ike_proposal_list pl;
	struct ike_ts ti, tr;
	static const uint32_t spis[] = { 0xc0010203, 0xc0040506 };
	static const uint8_t group[] = { 0, MODP_2048 };
	static uint8_t body[2048];
	long n;

	switch (i) {
	case 0:
	case 1:
		hdr(&h, IKE_SA_INIT, false, 0);
		ike_msg_encode_init(&e, w, &h);
		init_req(&e, i == 1);
		break;
	case 2:
		hdr(&h, IKE_SA_INIT, true, 0);
		ike_msg_encode_init(&e, w, &h);
		ike_props(&pl, true, 0);
		ike_msg_encode_sa(&e, &pl);
		ike_msg_encode_ke(&e, ECP_384, fill, 96);
		ike_msg_encode_nonce(&e, fill, 32);
		nat_d(&e);
		ike_msg_encode_notify(&e, 0, NULL, 0,
		    IKEV2_FRAGMENTATION_SUPPORTED, NULL, 0);
		ike_msg_encode_generic(&e, IKE_PL_CERTREQ, 0, "\x04", 1);
		break;
	case 3:
	case 4:
	case 5:
		hdr(&h, IKE_SA_INIT, true, 0);
		h.rspi = 0;
		ike_msg_encode_init(&e, w, &h);
		if (i == 3)
			ike_msg_encode_notify(&e, 0, NULL, 0,
			    INVALID_KE_PAYLOAD, group, sizeof(group));
		else if (i == 4)
			ike_msg_encode_notify(&e, 0, NULL, 0, COOKIE, fill, 32);
		else
			ike_msg_encode_notify(&e, 0, NULL, 0,
			    NO_PROPOSAL_CHOSEN, NULL, 0);
		break;
	case 6:
	case 7:
		hdr(&h, IKE_AUTH, false, 1);
		ike_msg_encode_init(&e, w, &h);
		auth_req(&e, i == 7);
		break;
	case 8:
		hdr(&h, IKE_AUTH, true, 1);
		ike_msg_encode_init(&e, w, &h);
		ike_msg_encode_sk_begin(&e, 0);
		ike_msg_encode_id(&e, IKE_PL_IDr, ID_IPV4_ADDR,
		    "\xc0\x00\x02\x01", 4);
		ike_msg_encode_auth(&e, AUTH_SHARED_KEY_MIC, fill, 48);
		esp_props(&pl, true, false);
		ike_msg_encode_sa(&e, &pl);
		ts4(&ti, "\x0a\x00\x00\x00", "\x0a\x00\x00\xff");
		ts4(&tr, "\x0a\x00\x01\x00", "\x0a\x00\x01\xff");
		ike_msg_encode_ts(&e, IKE_PL_TSi, &ti, 1);
		ike_msg_encode_ts(&e, IKE_PL_TSr, &tr, 1);
		break;
	case 9:
		hdr(&h, IKE_AUTH, true, 1);
		ike_msg_encode_init(&e, w, &h);
		ike_msg_encode_sk_begin(&e, 0);
		ike_msg_encode_notify(&e, 0, NULL, 0, AUTHENTICATION_FAILED,
		    NULL, 0);
		break;
	case 10:
	case 11:
		hdr(&h, IKE_AUTH, false, 1);
		ike_msg_encode_init(&e, w, &h);
		ike_msg_encode_skf(&e, (uint16_t)(i - 9), 2, IKE_PL_IDi, 0,
		    fill, 64);
		break;
	case 12:
		hdr(&h, CREATE_CHILD_SA, false, 2);
		ike_msg_encode_init(&e, w, &h);
		ike_msg_encode_sk_begin(&e, 0);
		ike_msg_encode_notify(&e, IKE_PROTO_ESP, "\xc0\x0f\x0e\x0d", 4,
		    REKEY_SA, NULL, 0);
		esp_props(&pl, false, true);
		ike_msg_encode_sa(&e, &pl);
		ike_msg_encode_nonce(&e, fill, 32);
		ike_msg_encode_ke(&e, ECP_384, fill, 96);
		ts4(&ti, "\x0a\x00\x00\x00", "\x0a\x00\x00\xff");
		ts4(&tr, "\x00\x00\x00\x00", "\xff\xff\xff\xff");
		ike_msg_encode_ts(&e, IKE_PL_TSi, &ti, 1);
		ike_msg_encode_ts(&e, IKE_PL_TSr, &tr, 1);
		break;
	case 13:
		hdr(&h, CREATE_CHILD_SA, true, 2);
		ike_msg_encode_init(&e, w, &h);
		ike_msg_encode_sk_begin(&e, 0);
		esp_props(&pl, true, true);
		ike_msg_encode_sa(&e, &pl);
		ike_msg_encode_nonce(&e, fill, 64);
		ike_msg_encode_ke(&e, ECP_384, fill, 96);
		ts4(&ti, "\x0a\x00\x00\x00", "\x0a\x00\x00\xff");
		ts4(&tr, "\x0a\x00\x01\x00", "\x0a\x00\x01\xff");
		ike_msg_encode_ts(&e, IKE_PL_TSi, &ti, 1);
		ike_msg_encode_ts(&e, IKE_PL_TSr, &tr, 1);
		break;
	case 14:
		hdr(&h, CREATE_CHILD_SA, false, 3);
		ike_msg_encode_init(&e, w, &h);
		ike_msg_encode_sk_begin(&e, 0);
		ike_props(&pl, false, IKE_SPI_LEN);
		ike_msg_encode_sa(&e, &pl);
		ike_msg_encode_nonce(&e, fill, 32);
		ike_msg_encode_ke(&e, ECP_384, fill, 96);
		break;
	case 15:
	case 16:
	case 17:
		hdr(&h, INFORMATIONAL, false, 4);
		ike_msg_encode_init(&e, w, &h);
		ike_msg_encode_sk_begin(&e, 0);
		if (i == 15)
			ike_msg_encode_delete(&e, IKE_PROTO_ESP, spis, 2);
		else if (i == 16)
			ike_msg_encode_delete(&e, IKE_PROTO_IKE, NULL, 0);
		break;
	case 18:
		hdr(&h, INFORMATIONAL, true, 7);
		ike_msg_encode_init(&e, w, &h);
		ike_msg_encode_notify(&e, 0, NULL, 0, INVALID_IKE_SPI, NULL, 0);
		break;
	case 19:
		n = hex_parse(ike_capture_strongswan_init, body, sizeof(body));
		if (n < 0)
			return -1;
		wbuf_put_bytes(w, body, (size_t)n);
		return wbuf_ok(w) ? (long)w->len : -1;
	case 20:
	case 21:
		hdr(&h, IKE_SA_INIT, false, 0);
		ike_msg_encode_init(&e, w, &h);
		sa_over_limits(&e, i == 20, body, sizeof(body));
		ike_msg_encode_nonce(&e, fill, 16);
		break;
	default:
		return -1;
	}
	return ike_msg_encode_finish(&e, &lay);
}
