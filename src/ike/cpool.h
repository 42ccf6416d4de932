/* Public-key work off the event loop: a fixed set of worker threads takes
 * jobs from a queue and hands each back to the loop through an ev_async,
 * where its done() runs. A job's work() touches only the job: no engine
 * state, no logging; everything it needs is copied in before submit and
 * read back in done(). The queue and its counters are the only state the
 * threads share, under one mutex.
 *
 * With 0 workers there are no threads: submit runs work() then done()
 * before it returns (unit tests, the fuzzer, workers = 0 in vtid.conf). A
 * caller therefore touches nothing the job's done() may free after
 * submitting it. */
#ifndef VTID_IKE_CPOOL_H
#define VTID_IKE_CPOOL_H

#include <stdbool.h>
#include <stdint.h>

struct ev_loop;
struct ike_cpool;

struct ike_cjob {
	void		(*work)(struct ike_cjob *);	/* on a worker */
	void		(*done)(struct ike_cjob *);	/* on the loop */
	/* For done(): true when work() never ran (ike_cpool_free). */
	bool		 cancelled;
	/* Set by the submitter: the job completes an exchange under way
	 * (its peer waits, a responder's half-open timer runs) and goes
	 * before every job that would start a new one. Without it, 10,000
	 * peers started at once queued the shared secrets of the first
	 * answers behind 10,000 key pairs, and their IKE_AUTHs came after
	 * the responder's half-open SAs had timed out. */
	bool		 finishes;
	struct ike_cjob	*next;				/* the pool's */
};

#define IKE_CPOOL_WORKERS_MAX	64

struct ike_cpool_stats {
	unsigned	 workers;
	unsigned	 queued;	/* waiting for a worker */
	unsigned	 running;
	uint64_t	 jobs;		/* completed */
	uint64_t	 queued_max;	/* high-water mark of queued */
};

/* NULL on failure (no thread could start). Each worker first calls
 * thread_init(arg) if given (the daemon's sandbox); one that fails exits
 * without taking a job. */
struct ike_cpool *ike_cpool_new(struct ev_loop *, unsigned workers,
	    int (*thread_init)(void *), void *arg);
/* Queues the job; no pool (NULL) or 0 workers: runs it now (see above). */
void	 ike_cpool_submit(struct ike_cpool *, struct ike_cjob *);
/* The threads finish the job they run and are joined; every job submitted
 * has had its done() called when this returns, the ones never started
 * with cancelled set, so that done() frees what it owns. */
void	 ike_cpool_free(struct ike_cpool *);
void	 ike_cpool_stats(struct ike_cpool *, struct ike_cpool_stats *);
/* The online CPUs, at least 1 and at most IKE_CPOOL_WORKERS_MAX. */
unsigned ike_cpool_default_workers(void);

#endif
