/* IKE fragmentation (RFC 7383): the IKEV2_FRAGMENTATION_SUPPORTED notify
 * in IKE_SA_INIT, a protected message too big for the path split into
 * Encrypted Fragment payloads (SKF), each sealed on its own with the SK
 * keys, and the peer's fragments authenticated one by one, then joined.
 *
 *   HDR, SKF(1/n) {first part}  ...  HDR, SKF(n/n) {last part}
 *
 * Reassembly holds one message per direction of an IKE SA (window of one:
 * the peer's request, the answer to ours), only fragments whose ICV
 * passed, at most IKE_FRAG_MAX of them and IKE_MSG_MAX bytes, for at most
 * IKE_FRAG_TIMEOUT_S: a forged fragment costs one integrity check and
 * steers nothing. Called by transport.c (sending, input) and init.c (the
 * notify); the SA's fragments are freed by sa.c. */
#ifndef VTID_IKE_FRAG_H
#define VTID_IKE_FRAG_H

#include "ike/engine.h"

struct ike_out;

#define IKE_FRAG_MAX		32	/* fragments of one message, received */
#define IKE_FRAG_TIMEOUT_S	30.0	/* an incomplete set is dropped after */
#define IKE_FRAG_CHUNK_MIN	64	/* plaintext per fragment, at least */
#define IKE_FRAG_SIZE_V6	1280	/* RFC 7383 2.5.1: IP datagram sizes */
#define IKE_FRAG_SIZE_V4	576

/* One message being reassembled: the decrypted part of each fragment
 * whose ICV passed, by Fragment Number. */
struct ike_frag_set {
	bool		 active;
	uint32_t	 msgid;
	uint8_t		 exchange;
	uint8_t		 first;		/* from fragment 1 */
	uint16_t	 total;
	uint16_t	 have;
	size_t		 bytes;
	double		 started;	/* clock_mono() */
	uint8_t		*part[IKE_FRAG_MAX];
	size_t		 part_len[IKE_FRAG_MAX];
};

/* The peer's request [0] and the answer to ours [1]: a window of one
 * each way (RFC 7296 2.3). */
struct ike_frag_rx {
	struct ike_frag_set set[2];
};

/* Both sides announced support: our big messages go as fragments, the
 * peer's fragments are accepted. */
static inline bool
ike_frag_on(const struct ike_sa *sa)
{
	return sa->frag_ours && sa->frag_peer;
}

/* IKE_SA_INIT request or response: our notify, when the peer's conf
 * allows fragmentation. */
void	 ike_frag_init_encode(struct ike_sa *, struct ike_out *);
/* IKE_SA_INIT from the peer: did it announce support? */
void	 ike_frag_init_check(struct ike_sa *, const struct ike_msg *);

/* The largest IKE message (no non-ESP marker) one fragment may be: the
 * peer's fragment_size (or 1280/576) less the IP and UDP headers and,
 * with NAT-T, the non-ESP marker. */
size_t	 ike_frag_budget(const struct ike_sa *);

/* For a protected message the builder finished (lay, not yet sealed):
 * 0 if it goes as one SK message; 1 if it was split and sealed into
 * fragments, *out (malloc'd, the caller frees) holding the n datagrams
 * back to back, each as long as its IKE header says; -1 on failure. */
int	 ike_frag_seal(struct ike_sa *, struct ike_out *,
	    const struct ike_sk_layout *, uint8_t **out, size_t *out_len);

enum ike_frag_verdict {
	IKE_FRAG_DROP,		/* dropped or ignored (counted) */
	IKE_FRAG_MORE,		/* stored, the set is not complete */
	IKE_FRAG_RESEND,	/* fragment 1 of the peer's last request,
				 * authenticated: resend our response */
	IKE_FRAG_DONE,		/* the whole message: *plain, *plain_len */
};

/* One SKF message m (buf[0..len), decoded, in the window): its ICV is
 * checked, then it is stored. DONE hands over the joined inner payloads
 * (malloc'd, the caller wipes and frees them) and the first payload's
 * type. */
enum ike_frag_verdict ike_frag_input(struct ike_sa *, const struct ike_msg *m,
	    uint8_t *buf, size_t len, uint8_t **plain, size_t *plain_len,
	    uint8_t *first);

/* The SA's incomplete sets, wiped. */
void	 ike_frag_free(struct ike_sa *);

#endif
