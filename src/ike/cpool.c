/* The crypto worker pool: see cpool.h. */
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ev.h>

#include "ike/cpool.h"

#define IKE_CPOOL_STACK	(256 * 1024)

struct ike_cpool {
	struct ev_loop	*loop;
	ev_async	 wake;		/* a worker finished a job */
	pthread_mutex_t	 mu;
	pthread_cond_t	 cv;
	/* Under mu: */
	/* FIFOs: [0] jobs that finish an exchange under way, taken
	 * first; [1] those that start one. */
	struct ike_cjob	*todo[2], **todo_tail[2];
	struct ike_cjob	*done, **done_tail;
	unsigned	 queued, running;
	unsigned	 ready, init_failed;	/* workers past thread_init */
	uint64_t	 jobs, queued_max;
	bool		 stop;
	/* Loop thread only: */
	int		(*thread_init)(void *);
	void		*thread_arg;
	unsigned	 n_threads;
	pthread_t	 threads[IKE_CPOOL_WORKERS_MAX];
};

static void
push(struct ike_cjob ***tail, struct ike_cjob *j)
{
	j->next = NULL;
	**tail = j;
	*tail = &j->next;
}

static void *
worker(void *arg)
{
	struct ike_cpool *p = arg;
	struct ike_cjob *j;
	int c;
	bool ok;

	/* The thread confines itself before it touches a job (the daemon's
	 * system call filter: one per thread without TSYNC). Failing that,
	 * it takes no job. */
	ok = p->thread_init == NULL || p->thread_init(p->thread_arg) == 0;
	pthread_mutex_lock(&p->mu);
	if (ok)
		p->ready++;
	else
		p->init_failed++;
	pthread_cond_broadcast(&p->cv);
	for (; ok;) {
		while (p->todo[0] == NULL && p->todo[1] == NULL && !p->stop)
			pthread_cond_wait(&p->cv, &p->mu);
		if (p->stop)
			break;
		c = p->todo[0] != NULL ? 0 : 1;
		j = p->todo[c];
		if ((p->todo[c] = j->next) == NULL)
			p->todo_tail[c] = &p->todo[c];
		p->queued--;
		p->running++;
		pthread_mutex_unlock(&p->mu);
		j->cancelled = false;
		j->work(j);
		pthread_mutex_lock(&p->mu);
		p->running--;
		push(&p->done_tail, j);
		pthread_mutex_unlock(&p->mu);
		ev_async_send(p->loop, &p->wake);
		pthread_mutex_lock(&p->mu);
	}
	pthread_mutex_unlock(&p->mu);
	return NULL;
}

/* Runs done() of every finished job, on the loop. A done() may submit. */
static void
drain(struct ike_cpool *p)
{
	struct ike_cjob *list, *j;

	pthread_mutex_lock(&p->mu);
	list = p->done;
	p->done = NULL;
	p->done_tail = &p->done;
	pthread_mutex_unlock(&p->mu);
	while ((j = list) != NULL) {
		list = j->next;
		p->jobs++;
		j->done(j);
	}
}

static void
wake_cb(struct ev_loop *loop, ev_async *w, int revents)
{
	(void)loop;
	(void)revents;
	drain(w->data);
}

unsigned
ike_cpool_default_workers(void)
{
	cpu_set_t set;
	long n = 0;

	/* The CPUs vtid may run on (CPUAffinity=, a cpuset), not all. */
	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		n = CPU_COUNT(&set);
	if (n <= 0)
		n = sysconf(_SC_NPROCESSORS_ONLN);
	if (n <= 0)
		n = 1;
	return n > IKE_CPOOL_WORKERS_MAX ? IKE_CPOOL_WORKERS_MAX : (unsigned)n;
}

struct ike_cpool *
ike_cpool_new(struct ev_loop *loop, unsigned workers,
    int (*thread_init)(void *), void *arg)
{
	struct ike_cpool *p;
	pthread_attr_t attr;
	sigset_t all, old;
	unsigned i;

	if (workers > IKE_CPOOL_WORKERS_MAX)
		workers = IKE_CPOOL_WORKERS_MAX;
	if ((p = calloc(1, sizeof(*p))) == NULL)
		return NULL;
	p->loop = loop;
	p->todo_tail[0] = &p->todo[0];
	p->todo_tail[1] = &p->todo[1];
	p->done_tail = &p->done;
	p->thread_init = thread_init;
	p->thread_arg = arg;
	pthread_mutex_init(&p->mu, NULL);
	pthread_cond_init(&p->cv, NULL);
	ev_async_init(&p->wake, wake_cb);
	p->wake.data = p;
	ev_async_start(loop, &p->wake);
	/* Not a reason for the loop to keep running. */
	ev_unref(loop);
	/* Signals are the loop's (libev): the workers take none. */
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	/* Not the default 8 MB each: with mlockall (secmem.c) a stack is
	 * locked whole, and a key exchange needs a few kB of it. */
	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, IKE_CPOOL_STACK);
	for (i = 0; i < workers; i++) {
		if (pthread_create(&p->threads[i], &attr, worker, p) != 0)
			break;
		p->n_threads++;
	}
	pthread_attr_destroy(&attr);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	pthread_mutex_lock(&p->mu);
	while (p->ready + p->init_failed < p->n_threads)
		pthread_cond_wait(&p->cv, &p->mu);
	i = p->ready;
	pthread_mutex_unlock(&p->mu);
	if (workers > 0 && i == 0) {
		ike_cpool_free(p);
		return NULL;
	}
	return p;
}

void
ike_cpool_submit(struct ike_cpool *p, struct ike_cjob *j)
{
	if (p == NULL || p->n_threads == 0) {
		j->cancelled = false;
		j->work(j);
		if (p != NULL)
			p->jobs++;
		j->done(j);
		return;
	}
	pthread_mutex_lock(&p->mu);
	push(&p->todo_tail[j->finishes ? 0 : 1], j);
	if (++p->queued > p->queued_max)
		p->queued_max = p->queued;
	pthread_cond_signal(&p->cv);
	pthread_mutex_unlock(&p->mu);
}

void
ike_cpool_free(struct ike_cpool *p)
{
	struct ike_cjob *list, *j;
	unsigned i, c;

	if (p == NULL)
		return;
	pthread_mutex_lock(&p->mu);
	p->stop = true;
	pthread_cond_broadcast(&p->cv);
	pthread_mutex_unlock(&p->mu);
	for (i = 0; i < p->n_threads; i++)
		pthread_join(p->threads[i], NULL);
	p->n_threads = 0;
	drain(p);
	/* Never started: done() learns it, and frees what the job holds. */
	for (c = 0; c < 2; c++) {
		list = p->todo[c];
		p->todo[c] = NULL;
		while ((j = list) != NULL) {
			list = j->next;
			j->cancelled = true;
			j->done(j);
		}
	}
	ev_ref(p->loop);
	ev_async_stop(p->loop, &p->wake);
	pthread_cond_destroy(&p->cv);
	pthread_mutex_destroy(&p->mu);
	free(p);
}

void
ike_cpool_stats(struct ike_cpool *p, struct ike_cpool_stats *s)
{
	memset(s, 0, sizeof(*s));
	if (p == NULL)
		return;
	pthread_mutex_lock(&p->mu);
	s->workers = p->ready;
	s->queued = p->queued;
	s->running = p->running;
	s->queued_max = p->queued_max;
	pthread_mutex_unlock(&p->mu);
	s->jobs = p->jobs;
}
