#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libmemcached/memcached.h>

#include "core/log.h"
#include "core/metrics.h"
#include "store/cache.h"

struct cache {
	memcached_st *mc;
	int was_down;
};

/* Logs the first failure after success (and the recovery), not each one.
 * Returns -1 when rc is a failure, else 0. */
static int cache_note(struct cache *c, memcached_return_t rc, const char *op)
{
	int failed = rc != MEMCACHED_SUCCESS && rc != MEMCACHED_NOTFOUND &&
	    rc != MEMCACHED_BUFFERED && rc != MEMCACHED_STORED && rc != MEMCACHED_DELETED;

	if (failed)
		metrics_count(METRIC_MEMCACHED_ERRORS, 1, "op", op, METRICS_END);
	if (failed && !c->was_down)
		log_msg(LOG_LEVEL_ERROR, "memcached %s failed: %s", op,
		    memcached_last_error_message(c->mc) ? memcached_last_error_message(c->mc)
		                                        : memcached_strerror(c->mc, rc));
	else if (!failed && c->was_down)
		log_msg(LOG_LEVEL_INFO, "memcached available again");
	c->was_down = failed;
	return failed ? -1 : 0;
}

struct cache *cache_open(const char *servers, long timeout_ms, char *err, size_t errsz)
{
	struct cache *c = calloc(1, sizeof(*c));
	memcached_server_st *list = NULL;

	if (c == NULL || (c->mc = memcached_create(NULL)) == NULL) {
		snprintf(err, errsz, "out of memory");
		goto fail;
	}
	list = memcached_servers_parse(servers);
	if (list == NULL || memcached_server_push(c->mc, list) != MEMCACHED_SUCCESS) {
		snprintf(err, errsz, "memcached_servers: cannot parse '%s'", servers);
		goto fail;
	}
	memcached_server_list_free(list);
	list = NULL;
	memcached_behavior_set(c->mc, MEMCACHED_BEHAVIOR_BINARY_PROTOCOL, 1);
	memcached_behavior_set(c->mc, MEMCACHED_BEHAVIOR_TCP_NODELAY, 1);
	memcached_behavior_set(c->mc, MEMCACHED_BEHAVIOR_NO_BLOCK, 1);
	memcached_behavior_set(c->mc, MEMCACHED_BEHAVIOR_CONNECT_TIMEOUT, (uint64_t)timeout_ms);
	memcached_behavior_set(c->mc, MEMCACHED_BEHAVIOR_POLL_TIMEOUT, (uint64_t)timeout_ms);
	memcached_behavior_set(c->mc, MEMCACHED_BEHAVIOR_RCV_TIMEOUT, (uint64_t)timeout_ms * 1000);
	memcached_behavior_set(c->mc, MEMCACHED_BEHAVIOR_SND_TIMEOUT, (uint64_t)timeout_ms * 1000);
	/* several servers: keys spread by consistent hashing (libketama's
	 * MD5 continuum, the same in every worker and every client that uses
	 * it), so a server that goes or comes moves only its own share */
	memcached_behavior_set(c->mc, MEMCACHED_BEHAVIOR_KETAMA, 1);
	/* a server that fails once is taken out of the continuum (its keys go
	 * to the others) and tried again a second later, instead of costing a
	 * timeout on every request; without a dead timeout libmemcached never
	 * puts it back */
	memcached_behavior_set(c->mc, MEMCACHED_BEHAVIOR_REMOVE_FAILED_SERVERS, 1);
	memcached_behavior_set(c->mc, MEMCACHED_BEHAVIOR_RETRY_TIMEOUT, 1);
	memcached_behavior_set(c->mc, MEMCACHED_BEHAVIOR_DEAD_TIMEOUT, 1);
	memcached_behavior_set(c->mc, MEMCACHED_BEHAVIOR_SERVER_FAILURE_LIMIT, 1);
	return c;
fail:
	if (list != NULL)
		memcached_server_list_free(list);
	cache_close(c);
	return NULL;
}

int cache_get(struct cache *c, const char *key, char *buf, size_t bufsz, size_t *len)
{
	memcached_return_t rc;
	uint32_t flags = 0;
	size_t vlen = 0;
	char *v = memcached_get(c->mc, key, strlen(key), &vlen, &flags, &rc);

	if (v == NULL) {
		return cache_note(c, rc, "get") < 0 ? -1 : 0;
	}
	cache_note(c, MEMCACHED_SUCCESS, "get");
	if (vlen >= bufsz) {
		free(v);
		return 0;
	}
	memcpy(buf, v, vlen);
	buf[vlen] = '\0';
	*len = vlen;
	free(v);
	return 1;
}

int cache_get_multi(struct cache *c, const char *const *keys, size_t n, char **values)
{
	size_t *lens = calloc(n ? n : 1, sizeof(*lens));
	memcached_result_st *res;
	memcached_return_t rc;
	int found = 0;

	for (size_t i = 0; i < n; i++)
		values[i] = NULL;
	if (lens == NULL)
		return -1;
	for (size_t i = 0; i < n; i++)
		lens[i] = strlen(keys[i]);
	rc = memcached_mget(c->mc, (const char *const *)keys, lens, n);
	free(lens);
	if (cache_note(c, rc, "mget") < 0)
		return -1;
	while ((res = memcached_fetch_result(c->mc, NULL, &rc)) != NULL) {
		const char *k = memcached_result_key_value(res);
		size_t klen = memcached_result_key_length(res);
		/* every slot asking for this key (a batch may repeat a text) */
		for (size_t i = 0; i < n; i++)
			if (values[i] == NULL && strlen(keys[i]) == klen &&
			    memcmp(keys[i], k, klen) == 0) {
				values[i] = strndup(memcached_result_value(res),
				    memcached_result_length(res));
				found += values[i] != NULL;
			}
		memcached_result_free(res);
	}
	return found;
}

int cache_set(struct cache *c, const char *key, const char *value, size_t len, long ttl)
{
	memcached_return_t rc = memcached_set(c->mc, key, strlen(key), value, len, (time_t)ttl, 0);

	return cache_note(c, rc, "set");
}

long cache_incr(struct cache *c, const char *key, long ttl)
{
	return cache_incr_by(c, key, 1, ttl);
}

/* Returns 1 when rc says the connection to the server broke under the
 * call (memcached restarted since this process last used it), else 0. */
static int connection_lost(memcached_return_t rc)
{
	return rc == MEMCACHED_CONNECTION_FAILURE || rc == MEMCACHED_UNKNOWN_READ_FAILURE ||
	    rc == MEMCACHED_READ_FAILURE || rc == MEMCACHED_WRITE_FAILURE || rc == MEMCACHED_ERRNO;
}

long cache_incr_by(struct cache *c, const char *key, long n, long ttl)
{
	uint64_t v = 0;
	memcached_return_t rc = memcached_increment_with_initial(c->mc, key, strlen(key),
	    (uint64_t)n, (uint64_t)n, (time_t)ttl, &v);

	/* once more, on a new connection: the counts are what the limiters
	 * decide on, and a restarted memcached should not cost each worker a
	 * refused request (at worst the lost answer's count was made, and
	 * this counts it twice: on the side of refusing) */
	if (connection_lost(rc))
		rc = memcached_increment_with_initial(c->mc, key, strlen(key), (uint64_t)n,
		    (uint64_t)n, (time_t)ttl, &v);
	return cache_note(c, rc, "incr") < 0 ? -1 : (long)v;
}

long cache_decr(struct cache *c, const char *key)
{
	return cache_decr_by(c, key, 1);
}

long cache_decr_by(struct cache *c, const char *key, long n)
{
	uint64_t v = 0;
	memcached_return_t rc = memcached_decrement(c->mc, key, strlen(key), (uint64_t)n, &v);

	if (rc == MEMCACHED_NOTFOUND)
		return -1;
	return cache_note(c, rc, "decr") < 0 ? -1 : (long)v;
}

int cache_add(struct cache *c, const char *key, const char *value, long ttl)
{
	memcached_return_t rc =
	    memcached_add(c->mc, key, strlen(key), value, strlen(value), (time_t)ttl, 0);

	if (rc == MEMCACHED_NOTSTORED || rc == MEMCACHED_DATA_EXISTS)
		return 0;
	return cache_note(c, rc, "add") < 0 ? -1 : 1;
}

int cache_delete(struct cache *c, const char *key)
{
	memcached_return_t rc = memcached_delete(c->mc, key, strlen(key), 0);

	return cache_note(c, rc, "delete");
}

int cache_ping(struct cache *c)
{
	/* a lookup makes the round trip; memcached_version() does not once
	 * it knows a server's version */
	static const char key[] = "dgm:ping";
	memcached_return_t rc = memcached_exist(c->mc, key, sizeof(key) - 1);

	return cache_note(c, rc, "ping") == 0;
}

void cache_close(struct cache *c)
{
	if (c == NULL)
		return;
	if (c->mc != NULL)
		memcached_free(c->mc);
	free(c);
}

int cache_server_stats(struct cache *c, struct cache_server_stats *out)
{
	memcached_return_t rc;
	memcached_stat_st *st;

	memset(out, 0, sizeof(*out));
	out->servers = memcached_server_count(c->mc);
	st = memcached_stat(c->mc, NULL, &rc);
	if (st == NULL)
		return -1;
	for (unsigned i = 0; i < out->servers; i++) {
		if (st[i].pid == 0) /* no answer from this one */
			continue;
		out->servers_up++;
		out->get_hits += st[i].get_hits;
		out->get_misses += st[i].get_misses;
		out->curr_items += st[i].curr_items;
		out->bytes += st[i].bytes;
		out->evictions += st[i].evictions;
	}
	memcached_stat_free(c->mc, st);
	return out->servers_up > 0 ? 0 : -1;
}
