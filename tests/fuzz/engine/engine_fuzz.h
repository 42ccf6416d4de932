/* The engine fuzz target's state and script (fuzz_ike_engine.c: the fake
 * kernel and the per-input life; fz_script.c: the script, the queue, the
 * peers and the virtual clock). */
#ifndef VTID_FUZZ_ENGINE_FUZZ_H
#define VTID_FUZZ_ENGINE_FUZZ_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <ev.h>

#include "ike/ike.h"

#define FZ_ADDR_I	"2001:db8::1"
#define FZ_ADDR_R	"2001:db8::2"
#define FZ_ADDR_X	"2001:db8::66"	/* no peer's */
#define FZ_QUEUE_MAX	16
#define FZ_PKT_MAX	4096
#define FZ_KSA_MAX	64
#define FZ_STEPS_MAX	256

/* Kernel calls the script makes fail (fz_side.fail). */
#define FZ_FAIL_SEND		0x01
#define FZ_FAIL_SPI		0x02
#define FZ_FAIL_SA_ADD		0x04
#define FZ_FAIL_POLICIES	0x08
#define FZ_FAIL_COUNTERS	0x10

/* Script operations: one byte each (modulo FZ_OPS), then arguments. */
enum fz_op {
	FZ_OP_DELIVER,		/* the head of the queue to its engine */
	FZ_OP_PUMP,		/* everything queued, answers included */
	FZ_OP_DROP,
	FZ_OP_DUP,
	FZ_OP_REORDER,		/* head to tail */
	FZ_OP_CORRUPT,		/* u16 offset, u8 xor */
	FZ_OP_TRUNCATE,		/* u16 new length */
	FZ_OP_INJECT,		/* u8 how, u16 length, bytes */
	FZ_OP_TIME,		/* u8: a step of fz_steps[] */
	FZ_OP_INITIATE,		/* u8 side */
	FZ_OP_DOWN,		/* u8 side */
	FZ_OP_REKEY,		/* u8 side | 2: IKE SA */
	FZ_OP_ACQUIRE,		/* u8 side */
	FZ_OP_EXPIRE,		/* u8 side | 2: hard, u8 which SA */
	FZ_OP_FAIL,		/* u8 side | 2: once, u8 FZ_FAIL_* mask */
	FZ_OP_RELOAD,		/* u8 side, u8 new variant */
	FZ_OP_SNAPSHOT,		/* u8 side */
	FZ_OPS,
};

struct fz_ksa {
	bool		 live, larval, filled;
	uint32_t	 spi;
};

struct fz_side {
	struct ike_engine *eng;
	int		 index;
	unsigned	 fail;		/* FZ_FAIL_* */
	bool		 fail_once;
	uint32_t	 spi_next;
	struct fz_ksa	 ksa[FZ_KSA_MAX];
};

struct fz_pkt {
	int		 to;
	struct sockaddr_storage local, remote;	/* as the receiver sees them */
	bool		 natt;
	size_t		 len;
	uint8_t		 buf[FZ_PKT_MAX];
};

struct fz {
	struct ev_loop	*loop;
	struct fz_side	 side[2];
	uint8_t		 variant;	/* the configuration (fz_peer_add) */
	struct fz_pkt	 q[FZ_QUEUE_MAX];
	size_t		 q_head, q_n;
};

extern struct fz fz;

/* The script's input, read with a cursor; reads past the end give 0. */
struct fz_in {
	const uint8_t	*p;
	size_t		 len, off;
};

uint8_t	 fz_u8(struct fz_in *);
/* One operation of the script. */
void	 fz_step(struct fz_in *);
/* Side s's peer for the other, as fz.variant says. */
void	 fz_peer_add(int s);
/* Queued for side to (a full queue drops it, as a network would). */
void	 fz_queue_push(int from, int to, const struct sockaddr_storage *local,
	    const struct sockaddr_storage *remote, bool natt, const uint8_t *,
	    size_t);
/* The virtual clock back to the real one. */
void	 fz_clock_reset(void);

#endif
