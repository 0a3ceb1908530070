#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "accounts/ratelimit.h"
#include "core/log.h"
#include "core/reply.h"
#include "proc/worker.h"
#include "store/cache.h"
#include "store/memo.h"

static const long window_seconds[RATE_WINDOW__MAX] = { 60, 3600, 86400 };
static const char *const window_names[RATE_WINDOW__MAX] = { "minute", "hour", "day" };

/* Set while this process cannot count (memcached down), so that the
 * outage is logged once and its end once, not per request. */
static int counting_down;

const char *rate_window_name(enum rate_window win)
{
	return window_names[win];
}

/* The estimate of the last window_ms: curr + prev * (window_ms -
 * elapsed_ms) / window_ms, kept in integers by scaling by window_ms. */
struct rate_estimate rate_estimate(const struct rate_sample *s)
{
	long long w = s->window_ms, e = s->elapsed_ms;
	long long used = (long long)s->prev * (w - e) + (long long)s->curr * w;
	long long quota = (long long)s->limit * w;
	struct rate_estimate out = { 0, 0, 0 };
	long long wait_ms;

	if (used <= quota) {
		out.admitted = 1;
		out.remaining = (long)((quota - used) / w);
		out.reset_s = (long)((w - e + 999) / 1000);
		return out;
	}
	/* refused, so not counted: when would one more fit? */
	long long others = s->curr - 1;
	if (others + 1 <= s->limit && s->prev > 0) {
		/* later in this window, as the previous one's weight shrinks:
		 * prev * (w - t) / w + others + 1 <= limit */
		long long t = w - ((s->limit - others - 1) * w) / s->prev;
		wait_ms = t - e;
	} else {
		/* in the next window, where this one becomes the previous:
		 * others * (w - t) / w + 1 <= limit */
		long long t =
		    (w * (others - s->limit + 1) + others - 1) / (others > 0 ? others : 1);
		wait_ms = (w - e) + t;
	}
	out.reset_s = (long)((wait_ms + 999) / 1000);
	if (out.reset_s < 1)
		out.reset_s = 1;
	return out;
}

int ratelimit_role_listed(const char *list, const char *role)
{
	size_t n = strlen(role);

	for (const char *p = list; p != NULL && *p != '\0';) {
		while (*p == ' ' || *p == ',')
			p++;
		size_t len = strcspn(p, ", ");
		if (len == n && len > 0 && strncmp(p, role, n) == 0)
			return 1;
		p += len;
	}
	return 0;
}

/* Returns the wall clock in milliseconds: windows are the same for every
 * worker and web node (whose clocks NTP keeps together). */
static long long wall_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Writes the counter key of key_id's window win, fixed window index idx. */
static void counter_key(char *out, size_t outsz, const char *key_id, enum rate_window win,
    long long idx)
{
	snprintf(out, outsz, "dgm:rl:%s:%c:%lld", key_id, window_names[win][0], idx);
}

/* Returns the count of a closed fixed window: from this process's memo
 * (it no longer changes), else memcached, remembered until it stops being
 * the previous window (until_ms from now). 0 when absent; -1 on error. */
static long closed_count(struct worker *w, const char *ckey, long until_ms)
{
	char buf[32];
	size_t len = 0;
	int rc;

	if (memo_get(ckey, buf, sizeof(buf), &len))
		return atol(buf);
	rc = cache_get(w->cache, ckey, buf, sizeof(buf), &len);
	if (rc < 0)
		return -1;
	if (rc == 0)
		len = (size_t)snprintf(buf, sizeof(buf), "0");
	memo_put(ckey, buf, len, until_ms);
	return atol(buf);
}

/* A block of counts this worker added to one window's counter and has not
 * spent yet: a request spends one without a memcached round trip. The
 * counter holds the whole block, so no worker admits more than the limit;
 * counts a worker never spends (its window ended, it was killed) only
 * count requests that were never made: at most block - 1 per worker and
 * window. A block pushed out of its slot by another window's gives its
 * unspent counts back. Process-local, like the memo: nothing another
 * worker needs. */
struct rate_block {
	char ckey[96]; /* the window's counter key; "" when free */
	long upto; /* the counter's value after this block was added */
	long left; /* counts of it not spent */
};

/* three slots per actor, one per window, so that the windows one request
 * counts in never push each other's blocks out */
#define RATE_BLOCK_GROUPS 85
static struct rate_block blocks[RATE_BLOCK_GROUPS * RATE_WINDOW__MAX];

/* Returns the counts a worker adds at once for a window of limit
 * requests: one per 256th of the limit, at least 1 (so small limits are
 * counted one request at a time, exactly). */
static long block_size(long limit)
{
	return limit / 256 > 1 ? limit / 256 : 1;
}

/* Returns the block slot of window win of actor. */
static struct rate_block *block_of(const char *actor, enum rate_window win)
{
	unsigned h = 2166136261u;

	for (const char *p = actor; *p != '\0'; p++)
		h = (h ^ (unsigned char)*p) * 16777619u;
	return &blocks[(h % RATE_BLOCK_GROUPS) * RATE_WINDOW__MAX + (unsigned)win];
}

/* Counts one request in counter ckey (ttl seconds) whose block slot is b:
 * from this worker's block when it has one left, else by adding n counts
 * to memcached (a new block; the slot's old block, of another actor or an
 * earlier window, gives back what it did not spend). Sets *added to the counts added to memcached (0: one was
 * spent). Returns the counter's value as this worker knows it, or -1 when
 * memcached cannot count. */
static long count_in_block(struct worker *w, struct rate_block *b, const char *ckey, long n,
    long ttl, long *added)
{
	long v;

	*added = 0;
	if (strcmp(b->ckey, ckey) == 0 && b->left > 0) {
		b->left--;
		return b->upto;
	}
	if (b->ckey[0] != '\0' && strcmp(b->ckey, ckey) != 0 && b->left > 0)
		(void)cache_decr_by(w->cache, b->ckey, b->left);
	b->ckey[0] = '\0';
	v = cache_incr_by(w->cache, ckey, n, ttl);
	if (v < 0)
		return -1;
	snprintf(b->ckey, sizeof(b->ckey), "%s", ckey);
	b->upto = v;
	b->left = n - 1;
	*added = n;
	return v;
}

/* Gives back one request counted in ckey (slot b): the count it spent
 * from its block, or the counts added to memcached for it (added: a new
 * block, or a single count), dropping the block. */
static void uncount_one(struct worker *w, struct rate_block *b, const char *ckey, long added)
{
	int ours = strcmp(b->ckey, ckey) == 0;

	if (added == 0 && ours) {
		b->left++;
		return;
	}
	if (ours)
		b->ckey[0] = '\0';
	(void)cache_decr_by(w->cache, ckey, added > 0 ? added : 1);
}

/* Counts one request of actor (id's key or user) in window win. Fills s,
 * its key (ckey) and the counts added to memcached for it (*added), and
 * returns 0, or -1 when memcached cannot count. A new block that the
 * window cannot take whole keeps one count and gives the rest back, so
 * that the last requests a window allows are admitted as exactly as the
 * first. */
static int count_window(struct worker *w, const struct identity *id, const char *actor,
    enum rate_window win, long long now_ms, struct rate_sample *s, char *ckey, size_t ckeysz,
    long *added)
{
	long long wms = window_seconds[win] * 1000LL, idx = now_ms / wms;
	long ttl = 2 * window_seconds[win] + 60;
	struct rate_block *b;
	char prev_key[96];

	s->limit = id->rate_limit[win];
	s->window_ms = (long)wms;
	s->elapsed_ms = (long)(now_ms - idx * wms);
	counter_key(ckey, ckeysz, actor, win, idx);
	counter_key(prev_key, sizeof(prev_key), actor, win, idx - 1);
	s->prev = closed_count(w, prev_key, (long)(wms - s->elapsed_ms));
	if (s->prev < 0)
		s->prev = 0; /* the current window still counts */
	/* kept two windows, so that it is still there as the previous one */
	b = block_of(actor, win);
	s->curr = count_in_block(w, b, ckey, block_size(s->limit), ttl, added);
	if (s->curr < 0)
		return -1;
	if (*added > 1 && !rate_estimate(s).admitted) {
		/* keep one count of the block and give the rest back */
		long v = cache_decr_by(w->cache, ckey, *added - 1);
		b->ckey[0] = '\0';
		if (v < 0)
			return -1;
		*added = 1;
		s->curr = v;
	}
	return 0;
}

/* Appends "name";q=..;w=.. for each limited window to buf. */
static void policy_header(const struct identity *id, char *buf, size_t bufsz)
{
	size_t n = 0;

	buf[0] = '\0';
	for (int i = 0; i < RATE_WINDOW__MAX && n < bufsz; i++)
		if (id->rate_limit[i] > 0)
			n += (size_t)snprintf(buf + n, bufsz - n, "%s\"%s\";q=%ld;w=%ld",
			    n ? ", " : "", window_names[i], id->rate_limit[i], window_seconds[i]);
}

/* Returns 1 when id is not limited at all. */
static int unlimited(const struct worker *w, const struct identity *id)
{
	if (id->rate_exempt ||
	    ratelimit_role_listed(w->cfg->rate_limit_exempt_roles, role_name(id->role)))
		return 1;
	for (int i = 0; i < RATE_WINDOW__MAX; i++)
		if (id->rate_limit[i] > 0)
			return 0;
	return 1;
}

/* Logs the first failure to count and the recovery, once each. */
static void note_counting(int down, int fail_open)
{
	if (down && !counting_down)
		log_msg(LOG_LEVEL_ERROR,
		    "rate limiter: memcached cannot count; requests are %s "
		    "until it can (rate_limit_fail_open = %s)",
		    fail_open ? "admitted unlimited" : "refused with 503",
		    fail_open ? "on" : "off");
	else if (!down && counting_down)
		log_msg(LOG_LEVEL_INFO, "rate limiter: counting again");
	counting_down = down;
}

/* Gives back the counts of the n windows wins[i] of actor in ckeys,
 * added[i] of them added to memcached for the request (a refused one). */
static void uncount(struct worker *w, const char *actor, const enum rate_window *wins,
    char ckeys[][96], const long *added, int n)
{
	for (int i = 0; i < n; i++)
		uncount_one(w, block_of(actor, wins[i]), ckeys[i], added[i]);
}

enum problem ratelimit_apply(struct worker *w, const struct identity *id, struct reply *rp,
    char *detail, size_t dsz)
{
	char ckeys[RATE_WINDOW__MAX][96], policy[256];
	long added[RATE_WINDOW__MAX];
	enum rate_window wins[RATE_WINDOW__MAX];
	/* a key's counts, or a signed-in user's */
	const char *actor = id->key_id[0] != '\0' ? id->key_id : id->user_id;
	struct rate_estimate best = { 1, 0, 0 }, e;
	long long now_ms = wall_ms();
	int counted = 0, tightest = -1;
	struct rate_sample s;

	if (unlimited(w, id))
		return PROBLEM_NONE;
	policy_header(id, policy, sizeof(policy));
	reply_header(rp, "RateLimit-Policy", "%s", policy);
	for (int i = 0; i < RATE_WINDOW__MAX; i++) {
		if (id->rate_limit[i] <= 0)
			continue;
		wins[counted] = (enum rate_window)i;
		if (count_window(w, id, actor, (enum rate_window)i, now_ms, &s, ckeys[counted],
		        sizeof(ckeys[0]), &added[counted]) < 0) {
			uncount(w, actor, wins, ckeys, added, counted);
			note_counting(1, w->cfg->rate_limit_fail_open);
			if (w->cfg->rate_limit_fail_open)
				return PROBLEM_NONE;
			rp->retry_after = 1;
			snprintf(detail, dsz, "requests cannot be counted right now");
			return PROBLEM_UNAVAILABLE;
		}
		counted++;
		e = rate_estimate(&s);
		/* the first window that refuses, else the one with the least left */
		if (tightest < 0 ||
		    (best.admitted && (!e.admitted || e.remaining < best.remaining))) {
			best = e;
			tightest = i;
		}
	}
	note_counting(0, w->cfg->rate_limit_fail_open);
	reply_header(rp, "RateLimit", "\"%s\";r=%ld;t=%ld", window_names[tightest], best.remaining,
	    best.reset_s);
	if (best.admitted)
		return PROBLEM_NONE;
	uncount(w, actor, wins, ckeys, added, counted);
	rp->retry_after = (int)best.reset_s;
	snprintf(detail, dsz, "this key may make %ld requests per %s; retry in %ld s",
	    id->rate_limit[tightest], window_names[tightest], best.reset_s);
	return PROBLEM_RATE_LIMITED;
}
