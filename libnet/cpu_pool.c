/* cpu_pool.c - the CPU backend's thread pool.
 *
 * ln_pool_run(n, fn, arg) runs fn(arg, chunk, tid) for chunks 0..n-1 on
 * the calling thread (tid 0) and up to T-1 persistent workers, which claim
 * chunks from a shared counter.  Unlike an OpenMP parallel region, the
 * caller waits only for chunks that were actually claimed: a worker that
 * cannot get a core (a machine shared with other jobs) just finds nothing
 * left when it wakes, instead of stalling the call for a scheduler slice.
 * The ticket counter carries the job's generation, so a late worker can
 * never claim a chunk of a finished job.  tid < T indexes per-thread
 * scratch.  Which thread runs a chunk never changes the results.
 */
#include "ln_cpu.h"
#include "lp_error.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>

#define MAX_WORKERS 63

static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	pthread_mutex_t run; /* one job at a time */
	int nworkers;
	uint32_t gen;
	int n, maxt;
	ln_pool_fn fn;
	void *arg;
	_Atomic uint64_t ticket; /* gen << 32 | next chunk */
	atomic_int done;
} P = {PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER,
       PTHREAD_MUTEX_INITIALIZER, 0, 0, 0, 0, NULL, NULL, 0, 0};

static void claim(uint32_t gen, int n, ln_pool_fn fn, void *arg, int tid)
{
	for (;;) {
		uint64_t t = atomic_load(&P.ticket);
		if ((uint32_t)(t >> 32) != gen || (int)(uint32_t)t >= n)
			return;
		if (!atomic_compare_exchange_weak(&P.ticket, &t, t + 1))
			continue;
		fn(arg, (int)(uint32_t)t, tid);
		atomic_fetch_add(&P.done, 1);
	}
}

static void *worker(void *p)
{
	int tid = (int)(intptr_t)p;
	uint32_t seen = 0;
	pthread_mutex_lock(&P.mu);
	for (;;) {
		while (P.gen == seen)
			pthread_cond_wait(&P.cv, &P.mu);
		seen = P.gen;
		int n = P.n, maxt = P.maxt;
		ln_pool_fn fn = P.fn;
		void *arg = P.arg;
		pthread_mutex_unlock(&P.mu);
		if (tid < maxt)
			claim(seen, n, fn, arg, tid);
		pthread_mutex_lock(&P.mu);
	}
	return NULL;
}

static void grow(int want)
{
	while (P.nworkers < want && P.nworkers < MAX_WORKERS) {
		pthread_t th;
		pthread_attr_t at;
		pthread_attr_init(&at);
		pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
		int bad = pthread_create(&th, &at, worker,
		                         (void *)(intptr_t)(P.nworkers + 1));
		pthread_attr_destroy(&at);
		if (bad)
			break; /* run with fewer threads */
		P.nworkers++;
	}
}

int ln_pool_size(void)
{
	int T = ln_cpu_threads();
	return T > MAX_WORKERS + 1 ? MAX_WORKERS + 1 : T;
}

void ln_pool_run(int n, ln_pool_fn fn, void *arg, int T)
{
	if (T > ln_pool_size())
		T = ln_pool_size();
	if (T <= 1 || n <= 1) {
		for (int c = 0; c < n; c++)
			fn(arg, c, 0);
		return;
	}
	pthread_mutex_lock(&P.run);
	pthread_mutex_lock(&P.mu);
	grow(T - 1);
	uint32_t gen = ++P.gen;
	if (gen == 0)
		gen = ++P.gen; /* 0 is the workers' initial "seen" */
	P.n = n;
	P.maxt = T;
	P.fn = fn;
	P.arg = arg;
	atomic_store(&P.done, 0);
	atomic_store(&P.ticket, (uint64_t)gen << 32);
	pthread_cond_broadcast(&P.cv);
	pthread_mutex_unlock(&P.mu);
	claim(gen, n, fn, arg, 0);
	while (atomic_load(&P.done) < n)
		sched_yield();
	pthread_mutex_unlock(&P.run);
}
