// SPDX-License-Identifier: Apache-2.0
/* Per-worker request metric tables: one writer, seqlocked series (rq_metrics-t.h). */
#include <errno.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "common/htab.h"
#include "proxy/rq_metrics.h"

#define TOMB UINT32_MAX
#define NVALS (sizeof(struct px_rqm_vals) / sizeof(uint64_t))
/* A reader gives up on a series after this many changed copies (its worker would have
 * to be preempted in the middle of a few stores, again and again). */
#define READ_TRIES 1000

const double px_rqm_bounds[PX_RQM_NBOUNDS] = { 0.5,   1,      5,      10,      25,     50,    100,
					       250,   500,    1000,   2500,    5000,   10000, 30000,
					       60000, 300000, 600000, 1800000, 3600000 };

unsigned int px_rqm_bucket(uint64_t v)
{
	unsigned int lo = 0, hi = PX_RQM_NBOUNDS;

	/* The first bound >= v, by bisection over 19 bounds. */
	while (lo < hi) {
		unsigned int mid = (lo + hi) / 2;

		if ((double)v <= px_rqm_bounds[mid])
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

int px_rqm_init(struct px_rqm *t, uint32_t max)
{
	memset(t, 0, sizeof(*t));
	if (!max || max > (1u << 24))
		return -EINVAL;
	t->icap = 2;
	while (t->icap < 2 * max)
		t->icap *= 2;
	t->max = max;
	/* calloc: pages of series never used are never touched. */
	t->series = calloc(max, sizeof(*t->series));
	t->index = calloc(t->icap, sizeof(*t->index));
	t->freed = calloc(max, sizeof(*t->freed));
	if (!t->series || !t->index || !t->freed) {
		px_rqm_free(t);
		return -ENOMEM;
	}
	return 0;
}

void px_rqm_free(struct px_rqm *t)
{
	free(t->series);
	free(t->index);
	free(t->freed);
	memset(t, 0, sizeof(*t));
}

/* The owner's stores: only it writes, so load, add and store (no locked instruction);
 * relaxed atomics because readers load concurrently. */
static void add(uint64_t *p, uint64_t n)
{
	__atomic_store_n(p, *p + n, __ATOMIC_RELAXED);
}

static void seq_begin(struct px_rqm_series *s)
{
	__atomic_store_n(&s->seq, s->seq + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
}

static void seq_end(struct px_rqm_series *s)
{
	__atomic_store_n(&s->seq, s->seq + 1, __ATOMIC_RELEASE);
}

/* The index position of k: where it is (*found), else the first free or deleted
 * position of its probe sequence. The index always has one: icap >= 2 * max. */
static uint32_t probe(const struct px_rqm *t, const struct px_rqm_key *k, bool *found)
{
	uint32_t mask = t->icap - 1, pos = (uint32_t)sl_hash_bytes(k, sizeof(*k)) & mask;
	uint32_t spot = TOMB;

	*found = false;
	for (uint32_t n = 0; n < t->icap; n++, pos = (pos + 1) & mask) {
		uint32_t e = t->index[pos];

		if (!e)
			return spot != TOMB ? spot : pos;
		if (e == TOMB) {
			if (spot == TOMB)
				spot = pos;
		} else if (!memcmp(&t->series[e - 1].key, k, sizeof(*k))) {
			*found = true;
			return pos;
		}
	}
	return spot;
}

/* Rebuilds the index without its deleted marks (owner only; the series stay put, so
 * readers are not disturbed). */
static void reindex(struct px_rqm *t)
{
	uint32_t hwm = t->hwm;
	bool found;

	memset(t->index, 0, t->icap * sizeof(*t->index));
	t->itombs = 0;
	for (uint32_t i = 0; i < hwm; i++)
		if (t->series[i].live)
			t->index[probe(t, &t->series[i].key, &found)] = i + 1;
}

/* A slot for new series k at index position pos, or TOMB when the table is full. */
static uint32_t create(struct px_rqm *t, const struct px_rqm_key *k, uint32_t pos)
{
	struct px_rqm_series *s;
	uint64_t *vals;
	uint32_t slot;
	bool fresh = false;

	if (t->nfreed) {
		slot = t->freed[--t->nfreed];
	} else if (t->hwm < t->max) {
		slot = t->hwm;
		fresh = true;
	} else {
		return TOMB;
	}
	s = &t->series[slot];
	vals = (uint64_t *)&s->v;
	seq_begin(s);
	__atomic_store_n(&s->key.src_pod, k->src_pod, __ATOMIC_RELAXED);
	__atomic_store_n(&s->key.dst_pod, k->dst_pod, __ATOMIC_RELAXED);
	__atomic_store_n(&s->key.svc, k->svc, __ATOMIC_RELAXED);
	__atomic_store_n(&s->key.code, k->code, __ATOMIC_RELAXED);
	__atomic_store_n(&s->key.flags, k->flags, __ATOMIC_RELAXED);
	for (size_t i = 0; i < NVALS; i++)
		__atomic_store_n(&vals[i], 0, __ATOMIC_RELAXED);
	__atomic_store_n(&s->live, 1, __ATOMIC_RELAXED);
	seq_end(s);
	if (fresh)
		__atomic_store_n(&t->hwm, slot + 1, __ATOMIC_RELEASE);
	if (t->index[pos] == TOMB)
		t->itombs--;
	t->index[pos] = slot + 1;
	__atomic_store_n(&t->nlive, t->nlive + 1, __ATOMIC_RELAXED);
	return slot;
}

bool px_rqm_record(struct px_rqm *t, const struct px_rqm_key *k, int64_t now_ms, uint64_t dur_ms,
		   uint64_t req_bytes, uint64_t resp_bytes)
{
	struct px_rqm_series *s;
	unsigned int b;
	uint32_t pos, slot;
	bool found;

	pos = probe(t, k, &found);
	slot = found ? t->index[pos] - 1 : create(t, k, pos);
	if (slot == TOMB) {
		add(&t->overflow, 1);
		return false;
	}
	s = &t->series[slot];
	s->last_ms = now_ms;
	seq_begin(s);
	add(&s->v.count, 1);
	add(&s->v.dur_sum_ms, dur_ms);
	add(&s->v.req_sum, req_bytes);
	add(&s->v.resp_sum, resp_bytes);
	if ((b = px_rqm_bucket(dur_ms)) < PX_RQM_NBOUNDS)
		add(&s->v.dur[b], 1);
	if ((b = px_rqm_bucket(req_bytes)) < PX_RQM_NBOUNDS)
		add(&s->v.req[b], 1);
	if ((b = px_rqm_bucket(resp_bytes)) < PX_RQM_NBOUNDS)
		add(&s->v.resp[b], 1);
	seq_end(s);
	return true;
}

uint32_t px_rqm_evict(struct px_rqm *t, int64_t before_ms)
{
	uint32_t n = 0;
	bool found;

	for (uint32_t i = 0; i < t->hwm; i++) {
		struct px_rqm_series *s = &t->series[i];
		uint32_t pos;

		if (!s->live || s->last_ms >= before_ms)
			continue;
		pos = probe(t, &s->key, &found);
		seq_begin(s);
		__atomic_store_n(&s->live, 0, __ATOMIC_RELAXED);
		seq_end(s);
		if (found) {
			t->index[pos] = TOMB;
			t->itombs++;
		}
		t->freed[t->nfreed++] = i;
		n++;
	}
	if (n) {
		__atomic_store_n(&t->nlive, t->nlive - n, __ATOMIC_RELAXED);
		add(&t->evicted, n);
	}
	if (t->itombs > t->icap / 4)
		reindex(t);
	return n;
}

uint32_t px_rqm_bound(const struct px_rqm *t)
{
	return __atomic_load_n(&t->hwm, __ATOMIC_ACQUIRE);
}

bool px_rqm_read(const struct px_rqm *t, uint32_t slot, struct px_rqm_key *k, struct px_rqm_vals *v)
{
	const struct px_rqm_series *s = &t->series[slot];
	const uint64_t *src = (const uint64_t *)&s->v;
	uint64_t *dst = (uint64_t *)v;

	for (int tries = 0; tries < READ_TRIES; tries++) {
		uint32_t seq = __atomic_load_n(&s->seq, __ATOMIC_ACQUIRE);

		if (seq & 1) {
			sched_yield();
			continue;
		}
		if (!__atomic_load_n(&s->live, __ATOMIC_RELAXED))
			return false;
		memset(k, 0, sizeof(*k));
		k->src_pod = __atomic_load_n(&s->key.src_pod, __ATOMIC_RELAXED);
		k->dst_pod = __atomic_load_n(&s->key.dst_pod, __ATOMIC_RELAXED);
		k->svc = __atomic_load_n(&s->key.svc, __ATOMIC_RELAXED);
		k->code = __atomic_load_n(&s->key.code, __ATOMIC_RELAXED);
		k->flags = __atomic_load_n(&s->key.flags, __ATOMIC_RELAXED);
		for (size_t i = 0; i < NVALS; i++)
			dst[i] = __atomic_load_n(&src[i], __ATOMIC_RELAXED);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (__atomic_load_n(&s->seq, __ATOMIC_RELAXED) == seq)
			return true;
	}
	return false;
}
