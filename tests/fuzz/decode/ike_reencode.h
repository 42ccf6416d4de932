/* Test support shared by the codec unit tests and the fuzz target: encode
 * a decoded message again, and compare two decoded messages field by
 * field. decode(encode(decode(x))) == decode(x) is the fuzzing oracle. */
#ifndef VTID_TESTS_IKE_REENCODE_H
#define VTID_TESTS_IKE_REENCODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ike/message.h"

/* m must have decoded cleanly, with its SK plaintext (if any) decoded by
 * ike_msg_decode_inner(). Writes HDR, the clear payloads and, for SK, an SK
 * payload with no IV whose body is the inner payloads in plaintext; for
 * SKF, the fragment as it was. Returns the length, 0 when m holds what the
 * encoders deliberately cannot express (a selector type vtid does not
 * know, a proposal past the limits), -1 when encoding failed. */
long	 ike_msg_reencode(const struct ike_msg *, uint8_t *, size_t);

/* True when a and b carry the same fields (pointers compared by content).
 * On a difference, why names the first field that differs. */
bool	 ike_msg_same(const struct ike_msg *a, const struct ike_msg *b,
	    const char **why);

#endif
