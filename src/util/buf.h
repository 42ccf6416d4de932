/* Bounded buffers: a read cursor that fails cleanly at the end, and a
 * writer with a sticky error flag whose fields are patched by offset. */
#ifndef VTID_UTIL_BUF_H
#define VTID_UTIL_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A read-only view. Every get fails (returns -1, sets err) rather than read
 * past the end; once err is set all further gets fail too. */
struct rbuf {
	const uint8_t	*base;
	size_t		 len;
	size_t		 pos;
	bool		 err;
};

void	 rbuf_init(struct rbuf *, const void *, size_t);
size_t	 rbuf_left(const struct rbuf *);
size_t	 rbuf_pos(const struct rbuf *);
const uint8_t *rbuf_cur(const struct rbuf *);
int	 rbuf_get_u8(struct rbuf *, uint8_t *);
int	 rbuf_get_u16(struct rbuf *, uint16_t *);	/* network order */
int	 rbuf_get_u32(struct rbuf *, uint32_t *);
int	 rbuf_get_u64(struct rbuf *, uint64_t *);
int	 rbuf_get_bytes(struct rbuf *, void *, size_t);
/* Pointer to the next n bytes, consumed; NULL if fewer are left. */
const uint8_t *rbuf_get_ptr(struct rbuf *, size_t);
/* A nested view of the next n bytes, consumed from the parent. */
int	 rbuf_get_sub(struct rbuf *, size_t, struct rbuf *);
int	 rbuf_skip(struct rbuf *, size_t);

/* A writer into caller memory. Puts past cap set err and write nothing;
 * callers check err (or wbuf_ok) once at the end. */
struct wbuf {
	uint8_t		*base;
	size_t		 cap;
	size_t		 len;
	bool		 err;
};

void	 wbuf_init(struct wbuf *, void *, size_t);
bool	 wbuf_ok(const struct wbuf *);
void	 wbuf_put_u8(struct wbuf *, uint8_t);
void	 wbuf_put_u16(struct wbuf *, uint16_t);
void	 wbuf_put_u32(struct wbuf *, uint32_t);
void	 wbuf_put_u64(struct wbuf *, uint64_t);
void	 wbuf_put_bytes(struct wbuf *, const void *, size_t);
void	 wbuf_put_zero(struct wbuf *, size_t);
/* Reserve n bytes (zeroed) and return their offset, to patch later.
 * On overflow returns the current length and sets err. */
size_t	 wbuf_reserve(struct wbuf *, size_t);
void	 wbuf_patch_u8(struct wbuf *, size_t, uint8_t);
void	 wbuf_patch_u16(struct wbuf *, size_t, uint16_t);
void	 wbuf_patch_u32(struct wbuf *, size_t, uint32_t);

#endif
