/* libFuzzer target for the IKE engine as a whole: ike_input and what it
 * drives (transport, the exchanges, the SA state machine, CHILD SAs and
 * timers), not only the decoder.
 *
 * Two real engines, "I" (side 0, 2001:db8::1) and "R" (side 1,
 * 2001:db8::2), each with a peer for the other, talk over a queue. Their
 * ike_ops are a fake kernel that records SAs and fails the calls the
 * input chooses. The input is a script (struct op below): deliver, drop,
 * duplicate, reorder, corrupt or truncate the message at the head of the
 * queue; inject raw datagrams (with the SPIs of a message in flight, so
 * that they reach an SA); let time pass (a virtual clock, so timers fire
 * at once: retransmits, DPD, rekeys, lifetimes); bring peers up and down,
 * rekey, acquire, kernel EXPIREs, remove and re-add a peer (a reload);
 * take snapshots. So valid encrypted exchanges reach deep states, and the
 * script's faults hit every one of them.
 *
 * Checks beyond ASan/LSan/UBSan: an sa_add update must fill an SPI that
 * spi_alloc reserved, and once both engines are freed no SA they
 * installed may be left in the fake kernel (ike_engine_free removes
 * every CHILD SA). Each input starts from new engines and a new loop;
 * the clock starts again with it.
 *
 * VTID_FUZZ_LOG=1 shows the engines' log lines (to read a crash). */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ev.h>

#include "ike/ike.h"
#include "util/log.h"
#include "engine_fuzz.h"

int	 LLVMFuzzerTestOneInput(const uint8_t *, size_t);
int	 LLVMFuzzerInitialize(int *, char ***);

struct fz fz;

/* ---- the fake kernel ---- */

static struct fz_side *
side_of(void *ctx)
{
	return ctx;
}

static uint32_t
fz_spi_base(const struct fz_side *s)
{
	return 0x1000 + (uint32_t)s->index * 0x100000;
}

static bool
fails(struct fz_side *s, unsigned bit)
{
	if (!(s->fail & bit))
		return false;
	if (s->fail_once)
		s->fail &= ~bit;
	return true;
}

static int
op_send(void *ctx, const struct sockaddr_storage *local,
    const struct sockaddr_storage *remote, bool natt, const uint8_t *buf,
    size_t len)
{
	struct fz_side *s = side_of(ctx);

	if (fails(s, FZ_FAIL_SEND))
		return -ENOBUFS;
	fz_queue_push(s->index, 1 - s->index, remote, local, natt, buf, len);
	return 0;
}

static struct fz_ksa *
ksa_find(struct fz_side *s, uint32_t spi, bool larval)
{
	size_t i;

	for (i = 0; i < FZ_KSA_MAX; i++)
		if (s->ksa[i].live && s->ksa[i].spi == spi &&
		    s->ksa[i].larval == larval)
			return &s->ksa[i];
	return NULL;
}

static struct fz_ksa *
ksa_new(struct fz_side *s, uint32_t spi)
{
	size_t i;

	for (i = 0; i < FZ_KSA_MAX; i++)
		if (!s->ksa[i].live) {
			memset(&s->ksa[i], 0, sizeof(s->ksa[i]));
			s->ksa[i].live = true;
			s->ksa[i].spi = spi;
			return &s->ksa[i];
		}
	return NULL;
}

static int
op_spi_alloc(void *ctx, const struct ike_peer_conf *pc, uint32_t *spi)
{
	struct fz_side *s = side_of(ctx);
	struct fz_ksa *k;

	if (fails(s, FZ_FAIL_SPI))
		return -ENOMEM;
	/* Distinct and predictable: the script can name them (EXPIRE). */
	*spi = fz_spi_base(s) + ++s->spi_next;
	if ((k = ksa_new(s, *spi)) == NULL)
		return -ENOSPC;
	k->larval = true;
	return 0;
}

static int
op_sa_add(void *ctx, const struct ike_peer_conf *pc,
    const struct ike_sa_kernel *ks)
{
	struct fz_side *s = side_of(ctx);
	struct fz_ksa *k;

	if (fails(s, FZ_FAIL_SA_ADD))
		return -EEXIST;
	if (ks->update) {
		/* The engine may only fill an SPI it reserved; one the
		 * kernel dropped since (a larval SA's hard EXPIRE) fails as
		 * XFRM_MSG_UPDSA does. */
		if (ks->spi <= fz_spi_base(s) || ks->spi > fz_spi_base(s) +
		    s->spi_next)
			abort();
		if ((k = ksa_find(s, ks->spi, true)) == NULL)
			return -ESRCH;
		k->larval = false;
	} else if ((k = ksa_new(s, ks->spi)) == NULL)
		return -ENOSPC;
	k->filled = true;
	return 0;
}

static void
op_sa_del(void *ctx, const struct ike_peer_conf *pc,
    const struct sockaddr_storage *dst, uint32_t spi)
{
	struct fz_side *s = side_of(ctx);
	size_t i;

	for (i = 0; i < FZ_KSA_MAX; i++)
		if (s->ksa[i].live && s->ksa[i].spi == spi) {
			s->ksa[i].live = false;
			break;
		}
}

static int
op_policies(void *ctx, const struct ike_peer_conf *pc,
    const struct sockaddr_storage *remote, bool v4, bool v6)
{
	return fails(side_of(ctx), FZ_FAIL_POLICIES) ? -EINVAL : 0;
}

static int
op_counters(void *ctx, const struct ike_peer_conf *pc,
    const struct sockaddr_storage *dst, uint32_t spi, uint64_t *bytes,
    uint64_t *packets)
{
	if (fails(side_of(ctx), FZ_FAIL_COUNTERS))
		return -ESRCH;
	*bytes = 1000;
	*packets = 10;
	return 0;
}

/* ---- per input ---- */

static void
setup(uint8_t variant)
{
	struct ike_ops ops;
	int i;

	memset(&fz, 0, sizeof(fz));
	fz.loop = ev_loop_new(EVFLAG_AUTO);
	if (fz.loop == NULL)
		abort();
	for (i = 0; i < 2; i++) {
		memset(&ops, 0, sizeof(ops));
		ops.send = op_send;
		ops.spi_alloc = op_spi_alloc;
		ops.sa_add = op_sa_add;
		ops.sa_del = op_sa_del;
		ops.policies = op_policies;
		ops.child_counters = op_counters;
		ops.ctx = &fz.side[i];
		fz.side[i].index = i;
		if ((fz.side[i].eng = ike_engine_new(fz.loop, &ops)) == NULL)
			abort();
	}
	fz.variant = variant;
	/* R first: an initiating I's IKE_SA_INIT finds R's peer there. */
	fz_peer_add(1);
	fz_peer_add(0);
}

/* Nothing filled may stay in the kernel once the engines are gone. A
 * larval SPI may: the kernel expires those by itself. */
static void
teardown(void)
{
	size_t i;
	int s;

	for (s = 0; s < 2; s++) {
		ike_engine_free(fz.side[s].eng);
		fz.side[s].eng = NULL;
	}
	for (s = 0; s < 2; s++)
		for (i = 0; i < FZ_KSA_MAX; i++)
			if (fz.side[s].ksa[i].live && fz.side[s].ksa[i].filled) {
				fprintf(stderr, "side %d: SA %08x left in the "
				    "kernel after ike_engine_free\n", s,
				    fz.side[s].ksa[i].spi);
				abort();
			}
	ev_loop_destroy(fz.loop);
	fz.loop = NULL;
	fz_clock_reset();
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	const char *v = getenv("VTID_FUZZ_LOG");

	log_init("fuzz", v != NULL && *v == '1' ? LOG_DEBUG : LOG_EMERG,
	    false);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t len)
{
	struct fz_in in = { data, len, 0 };
	unsigned steps = 0;

	if (len < 1)
		return 0;
	setup(fz_u8(&in));
	while (in.off < in.len && steps++ < FZ_STEPS_MAX)
		fz_step(&in);
	teardown();
	return 0;
}
