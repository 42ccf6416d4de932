#include <string.h>

#include "util/buf.h"

void
rbuf_init(struct rbuf *b, const void *p, size_t len)
{
	b->base = p;
	b->len = p != NULL ? len : 0;
	b->pos = 0;
	b->err = false;
}

size_t
rbuf_left(const struct rbuf *b)
{
	return b->err ? 0 : b->len - b->pos;
}

size_t
rbuf_pos(const struct rbuf *b)
{
	return b->pos;
}

const uint8_t *
rbuf_cur(const struct rbuf *b)
{
	return b->base + b->pos;
}

const uint8_t *
rbuf_get_ptr(struct rbuf *b, size_t n)
{
	const uint8_t *p;

	if (b->err || n > b->len - b->pos) {
		b->err = true;
		return NULL;
	}
	p = b->base + b->pos;
	b->pos += n;
	return p;
}

int
rbuf_get_bytes(struct rbuf *b, void *out, size_t n)
{
	const uint8_t *p = rbuf_get_ptr(b, n);

	if (p == NULL)
		return -1;
	if (n > 0)
		memcpy(out, p, n);
	return 0;
}

int
rbuf_skip(struct rbuf *b, size_t n)
{
	return rbuf_get_ptr(b, n) == NULL ? -1 : 0;
}

int
rbuf_get_u8(struct rbuf *b, uint8_t *v)
{
	const uint8_t *p = rbuf_get_ptr(b, 1);

	if (p == NULL)
		return -1;
	*v = p[0];
	return 0;
}

int
rbuf_get_u16(struct rbuf *b, uint16_t *v)
{
	const uint8_t *p = rbuf_get_ptr(b, 2);

	if (p == NULL)
		return -1;
	*v = (uint16_t)(p[0] << 8 | p[1]);
	return 0;
}

int
rbuf_get_u32(struct rbuf *b, uint32_t *v)
{
	const uint8_t *p = rbuf_get_ptr(b, 4);

	if (p == NULL)
		return -1;
	*v = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
	return 0;
}

int
rbuf_get_u64(struct rbuf *b, uint64_t *v)
{
	uint32_t hi, lo;

	if (rbuf_get_u32(b, &hi) == -1 || rbuf_get_u32(b, &lo) == -1)
		return -1;
	*v = (uint64_t)hi << 32 | lo;
	return 0;
}

int
rbuf_get_sub(struct rbuf *b, size_t n, struct rbuf *sub)
{
	const uint8_t *p = rbuf_get_ptr(b, n);

	if (p == NULL) {
		rbuf_init(sub, NULL, 0);
		sub->err = true;
		return -1;
	}
	rbuf_init(sub, p, n);
	return 0;
}

void
wbuf_init(struct wbuf *w, void *mem, size_t cap)
{
	w->base = mem;
	w->cap = mem != NULL ? cap : 0;
	w->len = 0;
	w->err = false;
}

bool
wbuf_ok(const struct wbuf *w)
{
	return !w->err;
}

static uint8_t *
wbuf_space(struct wbuf *w, size_t n)
{
	uint8_t *p;

	if (w->err || n > w->cap - w->len) {
		w->err = true;
		return NULL;
	}
	p = w->base + w->len;
	w->len += n;
	return p;
}

void
wbuf_put_bytes(struct wbuf *w, const void *src, size_t n)
{
	uint8_t *p = wbuf_space(w, n);

	if (p != NULL && n > 0)
		memcpy(p, src, n);
}

void
wbuf_put_zero(struct wbuf *w, size_t n)
{
	uint8_t *p = wbuf_space(w, n);

	if (p != NULL && n > 0)
		memset(p, 0, n);
}

void
wbuf_put_u8(struct wbuf *w, uint8_t v)
{
	wbuf_put_bytes(w, &v, 1);
}

void
wbuf_put_u16(struct wbuf *w, uint16_t v)
{
	uint8_t b[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	wbuf_put_bytes(w, b, sizeof(b));
}

void
wbuf_put_u32(struct wbuf *w, uint32_t v)
{
	uint8_t b[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16),
	    (uint8_t)(v >> 8), (uint8_t)v };

	wbuf_put_bytes(w, b, sizeof(b));
}

void
wbuf_put_u64(struct wbuf *w, uint64_t v)
{
	wbuf_put_u32(w, (uint32_t)(v >> 32));
	wbuf_put_u32(w, (uint32_t)v);
}

size_t
wbuf_reserve(struct wbuf *w, size_t n)
{
	size_t off = w->len;

	wbuf_put_zero(w, n);
	return off;
}

/* Patches never grow the buffer: an offset outside what was written is our
 * own bug, recorded as an error rather than a write out of bounds. */
static uint8_t *
wbuf_at(struct wbuf *w, size_t off, size_t n)
{
	if (w->err || off > w->len || n > w->len - off) {
		w->err = true;
		return NULL;
	}
	return w->base + off;
}

void
wbuf_patch_u8(struct wbuf *w, size_t off, uint8_t v)
{
	uint8_t *p = wbuf_at(w, off, 1);

	if (p != NULL)
		p[0] = v;
}

void
wbuf_patch_u16(struct wbuf *w, size_t off, uint16_t v)
{
	uint8_t *p = wbuf_at(w, off, 2);

	if (p != NULL) {
		p[0] = (uint8_t)(v >> 8);
		p[1] = (uint8_t)v;
	}
}

void
wbuf_patch_u32(struct wbuf *w, size_t off, uint32_t v)
{
	uint8_t *p = wbuf_at(w, off, 4);

	if (p != NULL) {
		p[0] = (uint8_t)(v >> 24);
		p[1] = (uint8_t)(v >> 16);
		p[2] = (uint8_t)(v >> 8);
		p[3] = (uint8_t)v;
	}
}
