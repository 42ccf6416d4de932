/* Valid IKEv2 messages, built with the codec's own encoder, that seed the
 * fuzz_ike_decode corpus and feed the codec's unit tests. Encrypted parts
 * are left in plaintext (no IV, no ICV) so that the fuzzer, which decodes
 * an SK body as if it were already decrypted, reaches the inner payloads.
 *
 * Regenerate the committed seeds after changing this list:
 *	build/h-codec/tests/unit/ike/ike_gen_corpus tests/fuzz/decode/corpus
 */
#ifndef VTID_TESTS_IKE_CORPUS_H
#define VTID_TESTS_IKE_CORPUS_H

#include <stddef.h>

#include "util/buf.h"

size_t	 ike_corpus_count(void);
const char *ike_corpus_name(size_t);
/* Message i into w; its length, or -1. */
long	 ike_corpus_build(size_t, struct wbuf *);

/* A real IKE_SA_INIT request from strongSwan 5.9.8 (charon, proposals =
 * aes256gcm16-prfsha384-ecp384), captured on the loopback. */
extern const char ike_capture_strongswan_init[];

#endif
