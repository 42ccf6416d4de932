/* The engine fuzz target's script (engine_fuzz.h): the message queue
 * between the engines and what the script does to it, the peers'
 * configurations, and a virtual clock so that timers fire without
 * waiting. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "ike/ikev2.h"
#include "ike/proposal_lang.h"
#include "engine_fuzz.h"

#define FZ_PUMP_MAX	64

/* ---- the virtual clock ----
 *
 * libev reads the time through the C library's clock_gettime (its
 * timers by CLOCK_MONOTONIC, ev_now by CLOCK_REALTIME): defined here, the
 * executable's definitions win over libc's for libev and the engine
 * alike, and add an offset the script moves forward. Both clocks move
 * together, so durations agree whichever the engine reads. libFuzzer
 * reads the wall clock for its -timeout check, hence -timeout=0 for this
 * target (its hangs are bounded by FZ_STEPS_MAX and ctest instead). */
static time_t fz_off_s;

static bool
fz_clock_shifted(clockid_t id)
{
	return id == CLOCK_MONOTONIC || id == CLOCK_REALTIME ||
	    id == CLOCK_MONOTONIC_COARSE || id == CLOCK_REALTIME_COARSE ||
	    id == CLOCK_BOOTTIME || id == CLOCK_MONOTONIC_RAW;
}

int
clock_gettime(clockid_t id, struct timespec *ts)
{
	if (syscall(SYS_clock_gettime, id, ts) != 0)
		return -1;
	if (fz_clock_shifted(id))
		ts->tv_sec += fz_off_s;
	return 0;
}

int
gettimeofday(struct timeval *restrict tv, void *restrict tz)
{
	struct timespec ts;

	if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
		return -1;
	tv->tv_sec = ts.tv_sec;
	tv->tv_usec = ts.tv_nsec / 1000;
	return 0;
}

void
fz_clock_reset(void)
{
	fz_off_s = 0;
}

/* Whole seconds: retransmits, DPD, back-off, rekeys, lifetimes. */
static const unsigned fz_steps[] = {
	0, 1, 1, 2, 3, 5, 10, 30, 60, 120, 600, 3600, 86400,
};

static void
fz_advance(unsigned s)
{
	fz_off_s += (time_t)s;
	ev_run(fz.loop, EVRUN_NOWAIT);
}

/* ---- input ---- */

uint8_t
fz_u8(struct fz_in *in)
{
	return in->off < in->len ? in->p[in->off++] : 0;
}

static uint16_t
fz_u16(struct fz_in *in)
{
	uint16_t hi = fz_u8(in);

	return (uint16_t)(hi << 8 | fz_u8(in));
}

/* ---- peers ---- */

static void
addr6(struct sockaddr_storage *ss, const char *s, uint16_t port)
{
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

	memset(ss, 0, sizeof(*ss));
	sin6->sin6_family = AF_INET6;
	sin6->sin6_port = htons(port);
	if (inet_pton(AF_INET6, s, &sin6->sin6_addr) != 1)
		abort();
}

static void
proposals(struct ike_peer_conf *pc, const char *ike, const char *esp)
{
	char err[PROPOSAL_ERR_MAX];

	if (proposal_conf_parse(&pc->ike, IKE_PROTO_IKE, ike, err,
	    sizeof(err)) != 0 || proposal_conf_parse(&pc->esp, IKE_PROTO_ESP,
	    esp, err, sizeof(err)) != 0) {
		fprintf(stderr, "fuzz: %s\n", err);
		abort();
	}
}

/* fz.variant: bits 0-1 I's start (start, add, route, start; the second
 * start with IKE fragmentation on both sides, 256-byte fragments, so that
 * IKE_AUTH and CREATE_CHILD_SA go as SKF payloads), bit 2 R
 * starts too (crossing initiations; with I on add, I's peer has no fixed
 * address), bits 3-4 the suites (GCM; CBC with
 * HMAC; I offers ECP-256 first, so INVALID_KE_PAYLOAD; ESP mismatch),
 * bit 5 DPD, bit 6 a wrong PSK on R, bit 7 short lifetimes. X25519
 * everywhere else: the cheapest key exchange keeps the target fast. */
static void
fz_peer_conf(struct ike_peer_conf *pc, int s)
{
	static const enum ike_start starts[] = { IKE_START_START,
	    IKE_START_ADD, IKE_START_ROUTE, IKE_START_START };
	static const char *const psk = "fuzz-psk-0123456789abcdef0123456789";
	uint8_t v = fz.variant;
	const char *me = s == 0 ? FZ_ADDR_I : FZ_ADDR_R;
	const char *it = s == 0 ? FZ_ADDR_R : FZ_ADDR_I;
	struct sockaddr_in6 *a;

	memset(pc, 0, sizeof(*pc));
	snprintf(pc->name, sizeof(pc->name), "%s", s == 0 ? "R" : "I");
	addr6(&pc->local, me, 0);
	addr6(&pc->remote, it, 0);
	pc->local_id_type = ID_IPV6_ADDR;
	a = (struct sockaddr_in6 *)&pc->local;
	memcpy(pc->local_id, &a->sin6_addr, 16);
	pc->local_id_len = 16;
	pc->remote_id_type = ID_IPV6_ADDR;
	a = (struct sockaddr_in6 *)&pc->remote;
	memcpy(pc->remote_id, &a->sin6_addr, 16);
	pc->remote_id_len = 16;
	pc->psk_len = strlen(psk);
	memcpy(pc->psk, psk, pc->psk_len);
	if (s == 1 && (v & 0x40))
		pc->psk[0] ^= 1;
	pc->mark = 7;
	pc->reqid = 0x40000007;
	pc->start = s == 0 ? starts[v & 3] : (v & 4) ? IKE_START_START :
	    IKE_START_ADD;
	/* I only answers and R starts: I has no fixed address for R (remote
	 * %any, or a /64 with DPD), and finds it by its identity. */
	if (s == 0 && (v & 7) == 5) {
		pc->remote_dynamic = true;
		pc->remote_plen = (v & 0x20) ? 64 : 0;
	}
	if ((v & 3) == 3) {
		pc->fragmentation = true;
		pc->fragment_size = 256;
	}
	switch ((v >> 3) & 3) {
	case 0:
		proposals(pc, "aes128gcm16-prfsha256-x25519!",
		    "aes128gcm16-x25519!");
		break;
	case 1:
		proposals(pc, "aes128-sha256-x25519!", "aes128-sha256!");
		break;
	case 2:
		proposals(pc, s == 0 ? "aes128gcm16-prfsha256-ecp256-x25519!" :
		    "aes128gcm16-prfsha256-x25519!", "aes128gcm16!");
		break;
	default:
		proposals(pc, "aes128gcm16-prfsha256-x25519!", s == 0 ?
		    "aes128gcm16!" : "aes256-sha512!");
		break;
	}
	pc->retransmit_timeout = 1;
	pc->retransmit_base = 2;
	pc->retransmit_limit = 8;
	pc->retransmit_tries = 3;
	pc->retry_base = 2;
	pc->retry_max = 30;
	pc->keying_tries = IKE_TRIES_FOREVER;
	pc->ike_life = (struct ike_lifetime){ 14400, 1440, 1440 };
	pc->child_life = (struct ike_lifetime){ 3600, 360, 360 };
	if (v & 0x80) {
		pc->ike_life = (struct ike_lifetime){ 120, 10, 20 };
		pc->child_life = (struct ike_lifetime){ 60, 5, 10 };
	}
	pc->dpd_delay = (v & 0x20) ? 30 : 0;
	pc->dpd_timeout = 90;
	pc->dpd_action = IKE_DPD_RESTART;
	pc->drain = 5;
	pc->settle = 10;
	pc->replay_window = 128;
}

void
fz_peer_add(int s)
{
	struct ike_peer_conf pc;

	fz_peer_conf(&pc, s);
	(void)ike_peer_add(fz.side[s].eng, &pc);
}

/* ---- the queue ---- */

void
fz_queue_push(int from, int to, const struct sockaddr_storage *local,
    const struct sockaddr_storage *remote, bool natt, const uint8_t *buf,
    size_t len)
{
	struct fz_pkt *p;

	if (fz.q_n == FZ_QUEUE_MAX || len > FZ_PKT_MAX)
		return;
	p = &fz.q[(fz.q_head + fz.q_n++) % FZ_QUEUE_MAX];
	p->to = to;
	p->local = *local;
	p->remote = *remote;
	p->natt = natt;
	p->len = len;
	memcpy(p->buf, buf, len);
}

static struct fz_pkt *
head(void)
{
	return fz.q_n > 0 ? &fz.q[fz.q_head] : NULL;
}

static void
pop(void)
{
	fz.q_head = (fz.q_head + 1) % FZ_QUEUE_MAX;
	fz.q_n--;
}

/* The engine may queue answers while it reads: copy out first. */
static void
deliver(void)
{
	static struct fz_pkt p;

	if (fz.q_n == 0)
		return;
	p = *head();
	pop();
	ike_input(fz.side[p.to].eng, &p.local, &p.remote, p.natt, p.buf,
	    p.len);
	ev_run(fz.loop, EVRUN_NOWAIT);
}

/* A datagram of the script's own to side (how & 1): from the other
 * side's address (or, how & 4, one no peer has), on 500 or 4500
 * (how & 2). With how & 8 and a message in flight, its first 24 octets
 * (SPIs, next payload, version, exchange, flags, message ID) are put
 * over the script's, which then reaches a live SA. */
static void
inject(struct fz_in *in)
{
	static uint8_t buf[FZ_PKT_MAX];
	uint8_t how = fz_u8(in);
	size_t len = fz_u16(in) % (FZ_PKT_MAX + 1);
	int to = how & 1;
	struct sockaddr_storage local, remote;
	bool natt = (how & 2) != 0;

	if (len > in->len - in->off)
		len = in->len - in->off;
	memcpy(buf, in->p + in->off, len);
	in->off += len;
	if ((how & 8) && head() != NULL && len >= 24 && head()->len >= 24)
		memcpy(buf, head()->buf, 24);
	addr6(&local, to == 0 ? FZ_ADDR_I : FZ_ADDR_R, natt ? 4500 : 500);
	addr6(&remote, (how & 4) ? FZ_ADDR_X : to == 0 ? FZ_ADDR_R : FZ_ADDR_I,
	    natt ? 4500 : 500);
	ike_input(fz.side[to].eng, &local, &remote, natt, buf, len);
	ev_run(fz.loop, EVRUN_NOWAIT);
}

/* The nth SA in side s's fake kernel, larval ones included, expires. */
static void
expire(struct fz_in *in)
{
	uint8_t a = fz_u8(in), n = fz_u8(in);
	struct fz_side *s = &fz.side[a & 1];
	size_t i, live = 0;

	for (i = 0; i < FZ_KSA_MAX; i++)
		if (s->ksa[i].live && live++ == n % FZ_KSA_MAX) {
			/* A hard EXPIRE: the kernel removed it already. */
			if (a & 2)
				s->ksa[i].live = false;
			ike_kernel_expire(s->eng, 7, s->ksa[i].spi,
			    (a & 2) != 0);
			break;
		}
	ev_run(fz.loop, EVRUN_NOWAIT);
}

static void
snapshot(int s)
{
	struct ike_snapshot *snap = ike_snapshot_take(fz.side[s].eng, NULL);

	ike_snapshot_free(snap);
}

static void
reload(struct fz_in *in)
{
	int s = fz_u8(in) & 1;
	uint8_t v = fz_u8(in);

	(void)ike_peer_remove(fz.side[s].eng, s == 0 ? "R" : "I");
	fz.variant = v;
	fz_peer_add(s);
	ev_run(fz.loop, EVRUN_NOWAIT);
}

static void
fz_mutate(enum fz_op op, struct fz_in *in)
{
	struct fz_pkt *p = head();
	uint16_t a;
	uint8_t x;

	switch (op) {
	case FZ_OP_DROP:
		if (p != NULL)
			pop();
		break;
	case FZ_OP_DUP:
		if (p != NULL)
			fz_queue_push(1 - p->to, p->to, &p->local, &p->remote,
			    p->natt, p->buf, p->len);
		break;
	case FZ_OP_REORDER:
		if (p != NULL && fz.q_n > 1) {
			static struct fz_pkt t;

			t = *p;
			pop();
			fz_queue_push(1 - t.to, t.to, &t.local, &t.remote,
			    t.natt, t.buf, t.len);
		}
		break;
	case FZ_OP_CORRUPT:
		a = fz_u16(in);
		x = fz_u8(in);
		if (p != NULL && p->len > 0)
			p->buf[a % p->len] ^= x != 0 ? x : 0xff;
		break;
	case FZ_OP_TRUNCATE:
		a = fz_u16(in);
		if (p != NULL && p->len > 0)
			p->len = a % p->len;
		break;
	default:
		break;
	}
}

void
fz_step(struct fz_in *in)
{
	enum fz_op op = (enum fz_op)(fz_u8(in) % FZ_OPS);
	struct fz_side *s;
	uint8_t a;
	int i;

	switch (op) {
	case FZ_OP_DELIVER:
		deliver();
		break;
	case FZ_OP_PUMP:
		for (i = 0; i < FZ_PUMP_MAX && fz.q_n > 0; i++)
			deliver();
		break;
	case FZ_OP_DROP:
	case FZ_OP_DUP:
	case FZ_OP_REORDER:
	case FZ_OP_CORRUPT:
	case FZ_OP_TRUNCATE:
		fz_mutate(op, in);
		break;
	case FZ_OP_INJECT:
		inject(in);
		break;
	case FZ_OP_TIME:
		fz_advance(fz_steps[fz_u8(in) % (sizeof(fz_steps) /
		    sizeof(fz_steps[0]))]);
		break;
	case FZ_OP_INITIATE:
		a = fz_u8(in) & 1;
		(void)ike_peer_initiate(fz.side[a].eng, a == 0 ? "R" : "I");
		break;
	case FZ_OP_DOWN:
		a = fz_u8(in) & 1;
		(void)ike_peer_down(fz.side[a].eng, a == 0 ? "R" : "I");
		break;
	case FZ_OP_REKEY:
		a = fz_u8(in);
		(void)ike_peer_rekey(fz.side[a & 1].eng, (a & 1) == 0 ? "R" :
		    "I", (a & 2) != 0);
		break;
	case FZ_OP_ACQUIRE:
		a = fz_u8(in) & 1;
		(void)ike_peer_acquire(fz.side[a].eng, a == 0 ? "R" : "I");
		break;
	case FZ_OP_EXPIRE:
		expire(in);
		break;
	case FZ_OP_FAIL:
		a = fz_u8(in);
		s = &fz.side[a & 1];
		s->fail_once = (a & 2) != 0;
		s->fail = fz_u8(in);
		break;
	case FZ_OP_RELOAD:
		reload(in);
		break;
	case FZ_OP_SNAPSHOT:
		snapshot(fz_u8(in) & 1);
		break;
	case FZ_OPS:
		break;
	}
}
