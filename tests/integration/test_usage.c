/* The usage spool through a real web server: the events of requests that
 * move no money are written to a worker's spool before the response and
 * loaded into PostgreSQL exactly once, by the worker itself once they are
 * due, by whoever loads the spool when the worker died, and again never:
 * a loader killed between its commit and its unlink, a line cut short by
 * a kill, and a line PostgreSQL refuses are each tested with a segment
 * file laid out by hand, as a worker would leave it. Rollups wait for the
 * hours a segment not yet loaded may hold. */
#include "autoconfig.h"

#include <dirent.h>
#include <fcntl.h>
#include <libgen.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "../unit/cu_run.h"
#include "fixture.h"
#include "http.h"

static char ws[64], key[128], spool[512];

/* Returns the id of the API key k (a new string the caller frees), or NULL. */
static char *key_id_of(const char *k)
{
	char prefix[13];

	snprintf(prefix, sizeof(prefix), "%.12s", k);
	return pg_value("SELECT id::text FROM api_keys WHERE prefix = $1", prefix);
}

/* Writes text as the spool file name (owned like the spool directory, so
 * that a worker may load it too). Returns 0, or -1. */
static int lay_segment(const char *name, const char *text)
{
	char path[700];
	struct stat st;
	int fd, ok;

	snprintf(path, sizeof(path), "%s/%s", spool, name);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	if (fd < 0)
		return -1;
	ok = write(fd, text, strlen(text)) == (ssize_t)strlen(text);
	if (stat(spool, &st) == 0 && fchown(fd, st.st_uid, st.st_gid) < 0 && geteuid() == 0)
		ok = 0;
	close(fd);
	return ok ? 0 : -1;
}

/* Writes one spool line for request rid of the test workspace at time
 * "now - ago seconds" into out. */
static void event_line(char *out, size_t outsz, const char *rid, const char *kid, int ago,
    const char *status)
{
	char when[64];
	time_t t = time(NULL) - ago;
	struct tm tm;

	gmtime_r(&t, &tm);
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S+00", &tm);
	snprintf(out, outsz,
	    "%s\t%s\t%s\t\\N\t%s\tdetect\t\\N\t\\N\t\\N\tlibexttextcat\t12\t0\t1"
	    "\t0\t%s\t3\n",
	    when, ws, kid, rid, status);
}

/* Returns how many events request rid has. */
static long long events_of(const char *rid)
{
	return pg_num("SELECT count(*) FROM usage_events WHERE request_id = $1", rid);
}

/* POSTs a detection (no money moves) as request rid. Returns the status. */
static long detect_as(const char *rid)
{
	char auth[160], idh[96];
	const char *h[] = { auth, idh, "Content-Type: application/json", NULL };
	static const char body[] = "{\"text\":\"The house is red and the garden is green.\"}";
	struct http_response r;
	long st;

	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", key);
	snprintf(idh, sizeof(idh), "X-Request-Id: %s", rid);
	st = http_request("POST", "/v1/detect", h, body, sizeof(body) - 1, &r);
	http_free(&r);
	return st;
}

/* Returns the number of spool files now in the spool directory. */
static int spool_files(void)
{
	char cmd[700], buf[32] = "";
	FILE *p;

	snprintf(cmd, sizeof(cmd), "ls '%s' | grep -c '\\.events$'", spool);
	p = popen(cmd, "r");
	if (p == NULL)
		return -1;
	if (fgets(buf, sizeof(buf), p) == NULL)
		buf[0] = '\0';
	pclose(p);
	return atoi(buf);
}

/* An unbilled request's event is in the spool as soon as the response is
 * out, and every worker loads its own segment within usage_spool_flush_ms
 * without being asked. */
static void test_worker_loads_its_own(void)
{
	char rid[64], sql[256];
	long long n = -1;

	snprintf(rid, sizeof(rid), "spool-own-%ld", (long)getpid());
	CU_ASSERT_EQUAL_FATAL(detect_as(rid), 200);
	/* not through pg_value(), which would load the spool itself */
	snprintf(sql, sizeof(sql),
	    "SELECT count(*) FROM usage_spool_segments"
	    " WHERE done_at IS NULL AND first_at > now() - interval '1 hour'");
	CU_ASSERT(pg_num(sql, NULL) >= 1);
	for (int i = 0; i < 50 && n != 1; i++) {
		PGconn *pg = pg_connect();
		const char *params[] = { rid };
		PGresult *res = PQexecParams(pg,
		    "SELECT count(*) FROM usage_events"
		    " WHERE request_id = $1",
		    1, NULL, params, NULL, NULL, 0);
		n = PQresultStatus(res) == PGRES_TUPLES_OK ? atoll(PQgetvalue(res, 0, 0)) : -1;
		PQclear(res);
		PQfinish(pg);
		if (n != 1)
			usleep(100 * 1000);
	}
	CU_ASSERT_EQUAL(n, 1);
}

/* A loader killed after its commit but before its unlink leaves the file:
 * the next load takes only the lines written after what it committed. */
static void test_loaded_once_after_a_lost_unlink(void)
{
	char *kid = key_id_of(key), name[128], l1[512], l2[512], l3[512], text[2048];
	char r1[64], r2[64], r3[64];

	CU_ASSERT_PTR_NOT_NULL_FATAL(kid);
	snprintf(name, sizeof(name), "test-%ld-unlink.events", (long)getpid());
	snprintf(r1, sizeof(r1), "spool-once-1-%ld", (long)getpid());
	snprintf(r2, sizeof(r2), "spool-once-2-%ld", (long)getpid());
	snprintf(r3, sizeof(r3), "spool-once-3-%ld", (long)getpid());
	event_line(l1, sizeof(l1), r1, kid, 5, "200");
	event_line(l2, sizeof(l2), r2, kid, 4, "200");
	event_line(l3, sizeof(l3), r3, kid, 3, "200");
	snprintf(text, sizeof(text), "%s%s", l1, l2);
	CU_ASSERT_EQUAL_FATAL(lay_segment(name, text), 0);
	CU_ASSERT_EQUAL(usage_load(), 0);
	CU_ASSERT_EQUAL(events_of(r1), 1);
	CU_ASSERT_EQUAL(events_of(r2), 1);
	/* the same file again, as the loader's unlink never happened, with
	 * one more line its writer added meanwhile */
	snprintf(text, sizeof(text), "%s%s%s", l1, l2, l3);
	CU_ASSERT_EQUAL_FATAL(lay_segment(name, text), 0);
	CU_ASSERT_EQUAL(usage_load(), 0);
	CU_ASSERT_EQUAL(events_of(r1), 1);
	CU_ASSERT_EQUAL(events_of(r2), 1);
	CU_ASSERT_EQUAL(events_of(r3), 1);
	/* and once more with nothing new: nothing is loaded */
	CU_ASSERT_EQUAL_FATAL(lay_segment(name, text), 0);
	CU_ASSERT_EQUAL(usage_load(), 0);
	CU_ASSERT_EQUAL(events_of(r3), 1);
	free(kid);
}

/* A line cut short (its writer was killed inside write(), so its request
 * got no response) is not loaded; the file's complete lines are, and a
 * line PostgreSQL refuses is kept aside while the others load. */
static void test_cut_and_refused_lines(void)
{
	char *kid = key_id_of(key), name[128], ok1[512], bad[512], ok2[512], cut[512];
	char text[4096], r1[64], r2[64], r3[64], r4[64];

	CU_ASSERT_PTR_NOT_NULL_FATAL(kid);
	snprintf(name, sizeof(name), "test-%ld-cut.events", (long)getpid());
	snprintf(r1, sizeof(r1), "spool-cut-1-%ld", (long)getpid());
	snprintf(r2, sizeof(r2), "spool-cut-bad-%ld", (long)getpid());
	snprintf(r3, sizeof(r3), "spool-cut-2-%ld", (long)getpid());
	snprintf(r4, sizeof(r4), "spool-cut-3-%ld", (long)getpid());
	event_line(ok1, sizeof(ok1), r1, kid, 5, "200");
	event_line(bad, sizeof(bad), r2, kid, 5, "999"); /* outside 100..599 */
	event_line(ok2, sizeof(ok2), r3, kid, 5, "200");
	event_line(cut, sizeof(cut), r4, kid, 5, "200");
	cut[strlen(cut) / 2] = '\0';
	snprintf(text, sizeof(text), "%s%s%s%s", ok1, bad, ok2, cut);
	CU_ASSERT_EQUAL_FATAL(lay_segment(name, text), 0);
	CU_ASSERT_EQUAL(usage_load(), 0);
	CU_ASSERT_EQUAL(events_of(r1), 1);
	CU_ASSERT_EQUAL(events_of(r2), 0);
	CU_ASSERT_EQUAL(events_of(r3), 1);
	CU_ASSERT_EQUAL(events_of(r4), 0);
	CU_ASSERT_EQUAL(pg_num("SELECT count(*) FROM usage_spool_rejects WHERE line LIKE '%' || $1"
	                       " || '%'",
	                    r2),
	    1);
	CU_ASSERT_EQUAL(spool_files(), 0);
	free(kid);
}

/* Killing every worker right after responses loses no spooled event, and
 * loads none twice: the workers that replace them load what the dead
 * left. */
static void test_killed_workers_leave_nothing_behind(void)
{
	char rid[64];
	int ok = 0;

	for (int i = 0; i < 3; i++) {
		long st = 0;
		for (int attempt = 0; attempt < 50 && st != 200; attempt++) {
			snprintf(rid, sizeof(rid), "spool-kill-%ld-%d-%d", (long)getpid(), i,
			    attempt);
			st = detect_as(rid);
			if (st != 200)
				usleep(100 * 1000);
		}
		if (st != 200)
			continue;
		ok++;
		CU_ASSERT(kill_workers() >= 1);
		CU_ASSERT_EQUAL(events_of(rid), 1);
	}
	CU_ASSERT_EQUAL(ok, 3);
	CU_ASSERT_EQUAL(wait_for_service(), 0);
}

/* Takes flock(LOCK_EX) on every segment file now in the spool, as a
 * loader does; fills fds (room for n) with the descriptors to close.
 * Returns how many. */
static int lock_segments(int *fds, int n)
{
	DIR *d = opendir(spool);
	struct dirent *e;
	int k = 0;

	while (d != NULL && k < n && (e = readdir(d)) != NULL) {
		char path[800];
		if (strstr(e->d_name, ".events") == NULL)
			continue;
		snprintf(path, sizeof(path), "%s/%s", spool, e->d_name);
		fds[k] = open(path, O_RDONLY);
		if (fds[k] >= 0 && flock(fds[k], LOCK_EX) == 0)
			k++;
		else if (fds[k] >= 0)
			close(fds[k]);
	}
	if (d != NULL)
		closedir(d);
	return k;
}

/* A worker never waits for a loader: while another process holds every
 * segment's lock (a loader's whole transaction), an unbilled request is
 * answered at once, and its event is still loaded exactly once. */
static void test_writer_never_waits_for_a_loader(void)
{
	char rid[64];
	int fds[64], n;
	struct timeval t0, t1;
	double ms;

	/* every worker writes a segment of its own first */
	for (int i = 0; i < 8; i++) {
		snprintf(rid, sizeof(rid), "spool-warm-%ld-%d", (long)getpid(), i);
		CU_ASSERT_EQUAL(detect_as(rid), 200);
	}
	n = lock_segments(fds, 64);
	CU_ASSERT(n >= 1);
	snprintf(rid, sizeof(rid), "spool-nowait-%ld", (long)getpid());
	gettimeofday(&t0, NULL);
	CU_ASSERT_EQUAL(detect_as(rid), 200);
	gettimeofday(&t1, NULL);
	ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_usec - t0.tv_usec) / 1e3;
	if (ms >= 1500)
		fprintf(stderr, "\n  the request waited %.0f ms for the loader\n", ms);
	CU_ASSERT(ms < 1500);
	usleep(1000 * 1000);
	for (int i = 0; i < n; i++)
		close(fds[i]);
	CU_ASSERT_EQUAL(events_of(rid), 1);
}

/* No worker waits for a segment that another process holds: its own due
 * segment or a dead worker's is left for later, so while something holds
 * every segment's lock for 4.5 s, workers that come due meanwhile go on
 * answering at once, and every event is loaded once afterwards. */
static void test_no_worker_waits_for_a_held_segment(void)
{
	char rid[64], first[64];
	int fds[64], n, sent = 0;
	struct timeval t0, t1, start;
	double ms, worst = 0;

	for (int i = 0; i < 8; i++) {
		snprintf(rid, sizeof(rid), "spool-held-warm-%ld-%d", (long)getpid(), i);
		CU_ASSERT_EQUAL(detect_as(rid), 200);
	}
	n = lock_segments(fds, 64);
	CU_ASSERT(n >= 1);
	/* idle meanwhile: the workers whose segments are held come due */
	usleep(1500 * 1000);
	gettimeofday(&start, NULL);
	snprintf(first, sizeof(first), "spool-held-%ld-0", (long)getpid());
	do {
		snprintf(rid, sizeof(rid), "spool-held-%ld-%d", (long)getpid(), sent++);
		gettimeofday(&t0, NULL);
		CU_ASSERT_EQUAL(detect_as(rid), 200);
		gettimeofday(&t1, NULL);
		ms =
		    (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_usec - t0.tv_usec) / 1e3;
		worst = ms > worst ? ms : worst;
		usleep(100 * 1000);
	} while ((double)(t1.tv_sec - start.tv_sec) < 3.0);
	for (int i = 0; i < n; i++)
		close(fds[i]);
	fprintf(stderr, "\n  %d requests while %d segments were held: the slowest %.0f ms\n", sent,
	    n, worst);
	CU_ASSERT(worst < 1500);
	CU_ASSERT_EQUAL(events_of(first), 1);
	CU_ASSERT_EQUAL(events_of(rid), 1);
}

struct canceller {
	volatile int stop;
	int cancelled;
};

/* Cancels every statement that waits for a lock, until told to stop. */
static void *cancel_waiters(void *arg)
{
	struct canceller *c = arg;

	while (!c->stop) {
		c->cancelled +=
		    (int)pg_num("SELECT count(pg_cancel_backend(pid)) FROM pg_stat_activity"
		                " WHERE wait_event_type = 'Lock' AND pid <> pg_backend_pid()",
		        NULL);
		usleep(100 * 1000);
	}
	return NULL;
}

/* A load that fails for another reason than its data (here: cancelled
 * while it waits for a lock) rejects no line: the file stays whole and
 * the next load takes all of it. */
static void test_a_cancelled_load_rejects_nothing(void)
{
	char *kid = key_id_of(key), name[128], l1[512], l2[512], text[1100], r1[64], r2[64];
	struct canceller c = { 0, 0 };
	PGconn *pg = pg_connect();
	PGresult *res;
	pthread_t t;

	CU_ASSERT_PTR_NOT_NULL_FATAL(kid);
	snprintf(name, sizeof(name), "test-%ld-cancel.events", (long)getpid());
	snprintf(r1, sizeof(r1), "spool-cancel-1-%ld", (long)getpid());
	snprintf(r2, sizeof(r2), "spool-cancel-2-%ld", (long)getpid());
	event_line(l1, sizeof(l1), r1, kid, 5, "200");
	event_line(l2, sizeof(l2), r2, kid, 5, "200");
	snprintf(text, sizeof(text), "%s%s", l1, l2);
	CU_ASSERT_EQUAL_FATAL(lay_segment(name, text), 0);
	res = PQexec(pg, "BEGIN; LOCK TABLE usage_events IN ACCESS EXCLUSIVE MODE");
	CU_ASSERT_EQUAL(PQresultStatus(res), PGRES_COMMAND_OK);
	PQclear(res);
	pthread_create(&t, NULL, cancel_waiters, &c);
	{
		char *out = admin("usage load");
		free(out);
	}
	c.stop = 1;
	pthread_join(t, NULL);
	PQclear(PQexec(pg, "ROLLBACK"));
	PQfinish(pg);
	CU_ASSERT(c.cancelled >= 1);
	CU_ASSERT_EQUAL(pg_num("SELECT count(*) FROM usage_spool_rejects WHERE line LIKE '%' || $1"
	                       " || '%'",
	                    r1),
	    0);
	CU_ASSERT_EQUAL(events_of(r1), 1);
	CU_ASSERT_EQUAL(events_of(r2), 1);
	free(kid);
}

/* An event spooled for a user who was deleted before it was loaded
 * loses the user, as the deletion did to the user's other events. */
static void test_a_deleted_users_event_loses_the_user(void)
{
	char *kid = key_id_of(key), name[128], line[512], rid[64], *who;
	static const char gone[] = "0b7c4a61-2f1e-4d8a-9c3b-5e6f7a8b9c0d";

	CU_ASSERT_PTR_NOT_NULL_FATAL(kid);
	CU_ASSERT_EQUAL(pg_num("SELECT count(*) FROM users WHERE id = $1", gone), 0);
	snprintf(name, sizeof(name), "test-%ld-gone.events", (long)getpid());
	snprintf(rid, sizeof(rid), "spool-gone-%ld", (long)getpid());
	event_line(line, sizeof(line), rid, kid, 5, "200");
	{
		/* the user column is the fourth: \N in event_line() */
		char *u = strstr(line, "\t\\N\t");
		char fixed[600];
		CU_ASSERT_PTR_NOT_NULL_FATAL(u);
		snprintf(fixed, sizeof(fixed), "%.*s\t%s\t%s", (int)(u - line), line, gone, u + 4);
		CU_ASSERT_EQUAL_FATAL(lay_segment(name, fixed), 0);
	}
	CU_ASSERT_EQUAL(usage_load(), 0);
	CU_ASSERT_EQUAL(events_of(rid), 1);
	who = pg_value(
	    "SELECT coalesce(user_id::text, 'none') FROM usage_events WHERE request_id = $1", rid);
	CU_ASSERT_PTR_NOT_NULL(who);
	if (who != NULL)
		CU_ASSERT_STRING_EQUAL(who, "none");
	free(who);
	free(kid);
}

/* A file older than the segments' rows are kept, whose row is gone, was
 * loaded and forgotten (its loader died before removing it): it is
 * removed, not loaded a second time. */
static void test_a_forgotten_segment_is_not_loaded_again(void)
{
	char *kid = key_id_of(key), name[128], line[512], rid[64], path[800];
	struct timeval old[2];

	CU_ASSERT_PTR_NOT_NULL_FATAL(kid);
	snprintf(name, sizeof(name), "test-%ld-forgotten.events", (long)getpid());
	snprintf(rid, sizeof(rid), "spool-forgotten-%ld", (long)getpid());
	event_line(line, sizeof(line), rid, kid, 5, "200");
	CU_ASSERT_EQUAL_FATAL(lay_segment(name, line), 0);
	snprintf(path, sizeof(path), "%s/%s", spool, name);
	gettimeofday(&old[0], NULL);
	old[0].tv_sec -= 8 * 86400;
	old[1] = old[0];
	CU_ASSERT_EQUAL_FATAL(utimes(path, old), 0);
	CU_ASSERT_EQUAL(usage_load(), 0);
	CU_ASSERT_EQUAL(events_of(rid), 0);
	CU_ASSERT_EQUAL(access(path, F_OK), -1);
	free(kid);
}

/* A segment not loaded yet holds the rollup back at the hour of its first
 * event; once it is given up (its file lost), the rollup goes on. */
static void test_rollup_waits_for_pending_segments(void)
{
	char name[128], *out, *before, *held;

	snprintf(name, sizeof(name), "test-%ld-pending.events", (long)getpid());
	out = admin("rollup");
	CU_ASSERT_PTR_NOT_NULL(out);
	free(out);
	before =
	    pg_value("SELECT done_until::text FROM rollup_watermarks WHERE name = 'usage_hourly'",
	        NULL);
	CU_ASSERT_PTR_NOT_NULL_FATAL(before);
	/* a pending segment whose first event is a day older than the
	 * watermark: the horizon is its hour, and the watermark stays */
	free(pg_value("INSERT INTO usage_spool_segments (segment, first_at) VALUES"
	              " ($1, now() - interval '2 days') RETURNING segment",
	    name));
	CU_ASSERT_EQUAL(pg_num("SELECT (usage_rollup_horizon() = date_trunc('hour', first_at))::int"
	                       " FROM usage_spool_segments WHERE segment = $1",
	                    name),
	    1);
	out = admin("rollup");
	CU_ASSERT_PTR_NOT_NULL(out);
	free(out);
	held =
	    pg_value("SELECT done_until::text FROM rollup_watermarks WHERE name = 'usage_hourly'",
	        NULL);
	CU_ASSERT_PTR_NOT_NULL(held);
	if (held != NULL)
		CU_ASSERT_STRING_EQUAL(held, before);
	out = admin("usage pending");
	CU_ASSERT(out != NULL && strstr(out, name) != NULL);
	free(out);
	{
		char args[200];
		snprintf(args, sizeof(args), "usage abandon %s", name);
		out = admin(args);
		CU_ASSERT_PTR_NOT_NULL(out);
		free(out);
		/* a second time there is nothing to give up */
		CU_ASSERT_PTR_NULL(admin(args));
	}
	CU_ASSERT_EQUAL(pg_num("SELECT (usage_rollup_horizon() >= date_trunc('hour', now())"
	                       " - interval '1 hour')::int",
	                    NULL),
	    1);
	free(before);
	free(held);
}

/* Without a spool, an unbilled request's event is in the table as soon
 * as its response has arrived (committed without waiting for the WAL
 * flush, but committed). */
static void test_without_a_spool(void)
{
	char rid[64];
	PGconn *pg;
	PGresult *res;
	const char *params[1];

	snprintf(rid, sizeof(rid), "nospool-%ld", (long)getpid());
	CU_ASSERT_EQUAL_FATAL(detect_as(rid), 200);
	pg = pg_connect();
	params[0] = rid;
	res = PQexecParams(pg, "SELECT count(*) FROM usage_events WHERE request_id = $1", 1, NULL,
	    params, NULL, NULL, 0);
	CU_ASSERT_EQUAL(PQresultStatus(res), PGRES_TUPLES_OK);
	if (PQresultStatus(res) == PGRES_TUPLES_OK)
		CU_ASSERT_STRING_EQUAL(PQgetvalue(res, 0, 0), "1");
	PQclear(res);
	PQfinish(pg);
	CU_ASSERT_EQUAL(pg_num("SELECT count(*) FROM usage_spool_segments WHERE first_at >"
	                       " now() - interval '1 hour'",
	                    NULL),
	    0);
}

/* Returns 1 when the configuration file names a usage_spool_dir. */
static int spool_configured(const char *config)
{
	char line[1024];
	FILE *f = fopen(config, "r");
	int found = 0;

	while (f != NULL && fgets(line, sizeof(line), f) != NULL)
		found |= strncmp(line, "usage_spool_dir", 15) == 0;
	if (f != NULL)
		fclose(f);
	return found;
}

int main(void)
{
	static const struct cu_test without[] = {
		{ "without a spool, the event is committed before the response",
		    test_without_a_spool },
		{ NULL, NULL }
	};
	static const struct cu_test tests[] = {
		{ "a worker loads its own spool when it is due", test_worker_loads_its_own },
		{ "loaded once after a lost unlink", test_loaded_once_after_a_lost_unlink },
		{ "cut and refused lines", test_cut_and_refused_lines },
		{ "killed workers leave nothing behind", test_killed_workers_leave_nothing_behind },
		{ "rollups wait for pending segments", test_rollup_waits_for_pending_segments },
		{ "a writer never waits for a loader", test_writer_never_waits_for_a_loader },
		{ "no worker waits for a segment another process holds",
		    test_no_worker_waits_for_a_held_segment },
		{ "a cancelled load rejects nothing", test_a_cancelled_load_rejects_nothing },
		{ "a deleted user's spooled event loses the user",
		    test_a_deleted_users_event_loses_the_user },
		{ "a forgotten segment is not loaded again",
		    test_a_forgotten_segment_is_not_loaded_again },
		{ NULL, NULL },
	};
	const char *config = getenv("DRAGOMAN_CONFIG");
	char dir[512];
	int rc;

	if (config == NULL) {
		fprintf(stderr, "test_usage: DRAGOMAN_CONFIG is not set\n");
		return 99;
	}
	snprintf(dir, sizeof(dir), "%s", config);
	snprintf(spool, sizeof(spool), "%s/spool", dirname(dir));
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (make_workspace("Spool", key, sizeof(key), ws, sizeof(ws)) < 0) {
		fprintf(stderr, "test_usage: cannot create a workspace\n");
		return 99;
	}
	rc = spool_configured(config) ? cu_run("usage spool", tests) : cu_run("usage", without);
	curl_global_cleanup();
	return rc;
}
