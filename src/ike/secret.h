/* Wiped memory for keys, DH values and derived secrets: a {ptr, len} chunk
 * allocated zeroed and cleansed (OPENSSL_cleanse) before it is freed. */
#ifndef VTID_IKE_SECRET_H
#define VTID_IKE_SECRET_H

#include <stddef.h>
#include <stdint.h>

struct ike_chunk {
	uint8_t		*ptr;
	size_t		 len;
};

/* A zeroed chunk of len bytes (len > 0); -1 on allocation failure. */
int	 ike_chunk_alloc(struct ike_chunk *, size_t len);
/* A copy of len bytes of src; -1 on failure or len == 0. */
int	 ike_chunk_dup(struct ike_chunk *, const void *src, size_t len);
/* Cleanse, free and reset to {NULL, 0}; safe on an empty chunk. */
void	 ike_chunk_free(struct ike_chunk *);

/* OPENSSL_cleanse, under a name that reads well at call sites. */
void	 ike_secret_wipe(void *, size_t);

#endif
