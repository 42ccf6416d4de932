#include <string.h>

#include <openssl/crypto.h>

#include "ike/secret.h"

int
ike_chunk_alloc(struct ike_chunk *c, size_t len)
{
	c->ptr = NULL;
	c->len = 0;
	if (len == 0)
		return -1;
	if ((c->ptr = OPENSSL_zalloc(len)) == NULL)
		return -1;
	c->len = len;
	return 0;
}

int
ike_chunk_dup(struct ike_chunk *c, const void *src, size_t len)
{
	if (ike_chunk_alloc(c, len) == -1)
		return -1;
	memcpy(c->ptr, src, len);
	return 0;
}

void
ike_chunk_free(struct ike_chunk *c)
{
	if (c->ptr != NULL)
		OPENSSL_clear_free(c->ptr, c->len);	/* cleanse, free */
	c->ptr = NULL;
	c->len = 0;
}

void
ike_secret_wipe(void *p, size_t len)
{
	if (p != NULL && len > 0)
		OPENSSL_cleanse(p, len);
}
