/* The usage spool: a worker appends the usage events of requests that move
 * no money to a file of its own, one line per event in COPY's text format,
 * before the response leaves; the kernel holds a line once write() has
 * returned, so a kill -9 of the worker loses none. The lines are loaded
 * into PostgreSQL with COPY in batches, exactly once:
 *
 *   segment   a file "<host>-<pid>-<start>-<n>.events" in the spool
 *             directory, registered in usage_spool_segments before its
 *             first line is written (so that rollups wait for it);
 *   writing   under flock(LOCK_EX), never waited for (a writer that
 *             finds a loader holding it leaves it the segment and starts
 *             another), and only while the file still has a name: a
 *             loader unlinks what it has loaded;
 *   loading   under the same lock, in one transaction: lock the segment's
 *             row, COPY the complete lines past its loaded_bytes into a
 *             temporary table and move them into usage_events, set
 *             loaded_bytes and done_at, commit; then unlink the file. A
 *             loader killed before the unlink leaves a file whose bytes
 *             the row says are loaded, so nothing is loaded twice. A line
 *             PostgreSQL refuses for its data goes to usage_spool_rejects;
 *             any other failure leaves the whole file for a later load.
 *
 * Any process may load any segment at any time: the worker its own when
 * it is due, every process the files of workers that died. */
#include "autoconfig.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "core/metrics.h"
#include "store/db.h"
#include "store/spool.h"

#define SPOOL_SUFFIX ".events"
/* spool_load_file(): another process held the segment */
#define SPOOL_HELD (-2L)
/* a segment's row is forgotten this long after its load (maintain, 7
 * days); a file older than that whose row is gone was loaded: 6 days */
#define SPOOL_FORGOTTEN_S (6L * 86400L)

struct spool {
	char *dir;
	int fd; /* the open segment; -1: none */
	char name[160]; /* its file name (no directory) */
	long events; /* lines written to it */
	struct timespec opened; /* monotonic */
	unsigned seq; /* segments this process has opened */
	struct timespec born; /* realtime: tells this process's names apart */
};

struct spool *spool_open(const char *dir)
{
	struct spool *s = calloc(1, sizeof(*s));

	if (s == NULL || (s->dir = strdup(dir)) == NULL) {
		free(s);
		return NULL;
	}
	s->fd = -1;
	clock_gettime(CLOCK_REALTIME, &s->born);
	return s;
}

/* Writes dir/name into path (pathsz). Returns 0, or -1 when it is too long. */
static int spool_path(const char *dir, const char *name, char *path, size_t pathsz)
{
	int n = snprintf(path, pathsz, "%s/%s", dir, name);

	return n < 0 || (size_t)n >= pathsz ? -1 : 0;
}

/* Closes the open segment (its file stays for a loader). */
static void spool_close_segment(struct spool *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	s->events = 0;
	s->name[0] = '\0';
}

/* Creates a new segment file and registers it in db, whose first line is
 * line (it begins with the event's time). The file comes first: a
 * registered segment always has a file for a loader to find, and a file
 * whose registration never came is registered by its loader. Returns 0,
 * or -1 (logged) with no segment open. */
static int spool_new_segment(struct spool *s, struct db *db, const char *line)
{
	char host[64] = "", path[512], first[64];
	const char *values[2];
	PGresult *res;
	int ok;

	if (gethostname(host, sizeof(host) - 1) < 0 || host[0] == '\0')
		snprintf(host, sizeof(host), "host");
	host[strcspn(host, "/")] = '\0';
	snprintf(s->name, sizeof(s->name), "%s-%ld-%lld%09ld-%u" SPOOL_SUFFIX, host, (long)getpid(),
	    (long long)s->born.tv_sec, s->born.tv_nsec, ++s->seq);
	if (spool_path(s->dir, s->name, path, sizeof(path)) < 0) {
		log_msg(LOG_LEVEL_ERROR, "usage spool: the path of %s is too long", s->dir);
		s->name[0] = '\0';
		return -1;
	}
	s->fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0600);
	if (s->fd < 0) {
		log_msg(LOG_LEVEL_ERROR, "usage spool: cannot create %s: %s", path,
		    strerror(errno));
		s->name[0] = '\0';
		return -1;
	}
	snprintf(first, sizeof(first), "%.*s", (int)strcspn(line, "\t"), line);
	values[0] = s->name;
	values[1] = first;
	res = db_exec(db, STMT_SPOOL_REGISTER, values);
	ok = res != NULL && PQresultStatus(res) == PGRES_COMMAND_OK;
	PQclear(res);
	if (!ok) {
		/* the row may have committed before the answer was lost: the
		 * empty file stays, and its loader finishes the segment */
		spool_close_segment(s);
		return -1;
	}
	s->events = 0;
	clock_gettime(CLOCK_MONOTONIC, &s->opened);
	return 0;
}

/* Writes line[0..len) at the end of the open segment, whose lock the
 * caller holds; a short write is cut off again. Returns 0, 1 when the
 * segment was loaded meanwhile (nothing written), or -1. */
static int spool_write_locked(struct spool *s, const char *line, size_t len)
{
	struct stat st;
	ssize_t n;

	if (fstat(s->fd, &st) < 0)
		return -1;
	if (st.st_nlink == 0)
		return 1;
	n = write(s->fd, line, len);
	if (n == (ssize_t)len)
		return 0;
	/* a line cut short would join the next one: take it back */
	if (n > 0 && ftruncate(s->fd, st.st_size) < 0)
		spool_close_segment(s);
	return -1;
}

/* A loader holds the open segment's lock: starts a new segment for line;
 * when none can be had (PostgreSQL cannot register it), keeps the old one
 * and sets *wait: the caller then waits for the loader instead. */
static void spool_step_aside(struct spool *s, struct db *db, const char *line, int *wait)
{
	struct spool old = *s;

	*wait = 0;
	s->fd = -1;
	if (spool_new_segment(s, db, line) == 0) {
		close(old.fd);
		return;
	}
	/* the old segment, as it was */
	memcpy(s->name, old.name, sizeof(s->name));
	s->fd = old.fd;
	s->events = old.events;
	s->opened = old.opened;
	*wait = 1;
}

int spool_append(struct spool *s, struct db *db, const char *line, size_t len)
{
	for (int attempt = 0; attempt < 3; attempt++) {
		int rc, wait = 0;

		if (s->fd < 0 && spool_new_segment(s, db, line) < 0)
			return -1;
		/* never wait for a loader (it holds the lock for its whole
		 * transaction) unless no new segment can be had */
		if (flock(s->fd, LOCK_EX | LOCK_NB) < 0) {
			if (errno != EWOULDBLOCK && errno != EINTR)
				return -1;
			spool_step_aside(s, db, line, &wait);
			if (flock(s->fd, wait ? LOCK_EX : LOCK_EX | LOCK_NB) < 0)
				continue;
		}
		rc = spool_write_locked(s, line, len);
		(void)flock(s->fd, LOCK_UN);
		if (rc == 0) {
			s->events++;
			return 0;
		}
		if (rc < 0)
			return -1;
		/* loaded and unlinked by another process: start a new one */
		spool_close_segment(s);
	}
	return -1;
}

int spool_due(const struct spool *s, long max_events, long flush_ms)
{
	long wait = spool_wait_ms(s, flush_ms);

	/* -1: nothing waits */
	return wait == 0 || (wait > 0 && s->events >= max_events);
}

long spool_wait_ms(const struct spool *s, long flush_ms)
{
	struct timespec now;
	long ms;

	if (s == NULL || s->fd < 0 || s->events == 0)
		return -1;
	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (now.tv_sec - s->opened.tv_sec) * 1000L + (now.tv_nsec - s->opened.tv_nsec) / 1000000L;
	return ms >= flush_ms ? 0 : flush_ms - ms;
}

/* Takes fd's lock, waiting up to wait_ms for another process to let it
 * go (0: not at all). Returns 0, 1 when it stayed taken, or -1. */
static int lock_within(int fd, long wait_ms)
{
	struct timespec pause = { 0, 5 * 1000000L };

	for (long waited = 0;; waited += 5) {
		if (flock(fd, LOCK_EX | LOCK_NB) == 0)
			return 0;
		if (errno != EWOULDBLOCK && errno != EINTR)
			return -1;
		if (waited >= wait_ms)
			return 1;
		nanosleep(&pause, NULL);
	}
}

/* Reads all of fd into a new buffer (caller frees) and sets *len. Returns
 * it, or NULL. */
static char *read_all(int fd, size_t *len)
{
	struct stat st;
	char *buf;
	size_t got = 0;

	if (fstat(fd, &st) < 0 || (buf = malloc((size_t)st.st_size + 1)) == NULL)
		return NULL;
	while (got < (size_t)st.st_size) {
		ssize_t n = pread(fd, buf + got, (size_t)st.st_size - got, (off_t)got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		got += (size_t)n;
	}
	*len = got;
	return buf;
}

/* Returns 1 when sqlstate says the data was wrong (classes 22 and 23: a
 * bad value, a violated constraint), which no retry can mend; anything
 * else (a timeout, a cancel, a lost connection) may pass. */
static int data_error(const char *sqlstate)
{
	return sqlstate != NULL &&
	    (strncmp(sqlstate, "22", 2) == 0 || strncmp(sqlstate, "23", 2) == 0);
}

/* Copies data[0..len) (complete lines) into the session's usage_spool_in
 * and moves them into usage_events for segment name. Returns 0, or -1
 * with the reason in why (whysz bytes) and *bad_data set when PostgreSQL
 * refused the data itself. */
static int spool_copy(struct db *db, const char *name, const char *data, size_t len, int *bad_data,
    char *why, size_t whysz)
{
	const char *values[1] = { name };
	PGresult *res;
	int ok;

	*bad_data = 0;
	if (db_copy_in(db, SQL_USAGE_COPY, data, len) < 0) {
		*bad_data = data_error(db_copy_sqlstate(db));
		snprintf(why, whysz, "%s", db_error(db));
		return -1;
	}
	res = db_exec(db, STMT_SPOOL_MOVE, values);
	ok = res != NULL && PQresultStatus(res) == PGRES_COMMAND_OK;
	if (!ok) {
		snprintf(why, whysz, "%s", res != NULL ? PQresultErrorMessage(res) : db_error(db));
		why[strcspn(why, "\n")] = '\0';
		if (res != NULL)
			*bad_data = data_error(PQresultErrorField(res, PG_DIAG_SQLSTATE));
	}
	PQclear(res);
	return ok && db_command(db, "TRUNCATE usage_spool_in") == 0 ? 0 : -1;
}

/* Loads the lines of data[0..len) one at a time (after a load of all of
 * them was refused for its data), each under its own savepoint; a line
 * PostgreSQL refuses for its data is kept in usage_spool_rejects. Returns
 * 0, or -1 when the database failed otherwise (the caller rolls back). */
static int spool_copy_each(struct db *db, const char *name, const char *data, size_t len)
{
	for (size_t off = 0; off < len;) {
		const char *nl = memchr(data + off, '\n', len - off);
		size_t n = (size_t)(nl - (data + off)) + 1;
		char line[SPOOL_LINE_MAX], why[256] = "";
		const char *values[3];
		PGresult *res;
		int bad, ok;

		if (db_command(db, "SAVEPOINT spool_line") < 0)
			return -1;
		if (spool_copy(db, name, data + off, n, &bad, why, sizeof(why)) == 0) {
			if (db_command(db, "RELEASE SAVEPOINT spool_line") < 0)
				return -1;
			off += n;
			continue;
		}
		if (!bad)
			return -1;
		snprintf(line, sizeof(line), "%.*s", (int)(n - 1), data + off);
		values[0] = name;
		values[1] = line;
		values[2] = why;
		log_msg(LOG_LEVEL_ERROR, "usage spool: %s: a line was refused: %s", name, why);
		if (db_command(db, "ROLLBACK TO SAVEPOINT spool_line") < 0)
			return -1;
		res = db_exec(db, STMT_SPOOL_REJECT, values);
		ok = res != NULL && PQresultStatus(res) == PGRES_COMMAND_OK;
		PQclear(res);
		if (!ok)
			return -1;
		off += n;
	}
	return 0;
}

/* Loads the complete lines of data[0..len) (the file, last changed at
 * mtime) past what the row of segment name says is loaded, and marks it
 * done, in one transaction. A file with no row and older than the rows
 * are kept was loaded long ago: nothing is loaded. Returns the lines
 * loaded, or -1 (rolled back). */
static long spool_load_bytes(struct db *db, const char *name, const char *data, size_t len,
    time_t mtime)
{
	const char *values[2] = { name, NULL };
	char end[24], why[256] = "";
	PGresult *res;
	size_t from, upto = len;
	long lines = 0;
	int ok, made = 0, bad;

	while (upto > 0 && data[upto - 1] != '\n')
		upto--; /* a line cut short: its request got no response */
	if (db_command(db, "BEGIN") < 0)
		return -1;
	res = db_exec(db, STMT_SPOOL_CLAIM, values);
	ok = res != NULL && PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1;
	from = ok ? (size_t)db_num(res, 0, 0) : 0;
	made = ok && strcmp(PQgetvalue(res, 0, 1), "1") == 0;
	PQclear(res);
	if (ok && made && time(NULL) - mtime > SPOOL_FORGOTTEN_S) {
		/* its row was forgotten after its load: never again */
		(void)db_command(db, "ROLLBACK");
		log_msg(LOG_LEVEL_WARN, "usage spool: %s was loaded long ago; removed", name);
		return 0;
	}
	if (ok && from < upto) {
		for (size_t i = from; i < upto; i++)
			lines += data[i] == '\n';
		ok = db_command(db, SQL_USAGE_SPOOL_TABLE) == 0 &&
		    db_command(db, "SAVEPOINT spool_all") == 0;
		if (ok &&
		    spool_copy(db, name, data + from, upto - from, &bad, why, sizeof(why)) < 0)
			ok = bad && db_command(db, "ROLLBACK TO SAVEPOINT spool_all") == 0 &&
			    spool_copy_each(db, name, data + from, upto - from) == 0;
	}
	snprintf(end, sizeof(end), "%zu", from > upto ? from : upto);
	values[1] = end;
	if (ok) {
		res = db_exec(db, STMT_SPOOL_LOADED, values);
		ok = res != NULL && PQresultStatus(res) == PGRES_COMMAND_OK;
		PQclear(res);
	}
	if (!ok || db_command(db, "COMMIT") < 0) {
		(void)db_command(db, "ROLLBACK");
		log_msg(LOG_LEVEL_ERROR, "usage spool: %s stays for the next load: %s", name,
		    db_error(db));
		return -1;
	}
	return lines;
}

/* Marks segment name pending again: its file could not be removed, so a
 * writer may still add to it. */
static void spool_reopen(struct db *db, const char *name)
{
	const char *values[1] = { name };
	PGresult *res = db_exec(db, STMT_SPOOL_REOPEN, values);

	PQclear(res);
}

/* Loads the segment file name of dir: locks it, loads what is new, then
 * unlinks it, unless another process holds it past wait_ms (it is loading
 * it, or writing). Returns the lines loaded (0: it was gone or loaded
 * already), SPOOL_HELD when it was held, or -1. */
static long spool_load_file(const char *dir, const char *name, struct db *db, long wait_ms)
{
	char path[512];
	struct stat st;
	size_t len = 0;
	char *data;
	long lines;
	int fd;

	if (spool_path(dir, name, path, sizeof(path)) < 0)
		return -1;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		log_msg(LOG_LEVEL_ERROR, "usage spool: cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	int held = lock_within(fd, wait_ms);
	if (held != 0 || fstat(fd, &st) < 0) {
		close(fd);
		return held > 0 ? SPOOL_HELD : -1;
	}
	if (st.st_nlink == 0) {
		close(fd); /* another loader finished it meanwhile */
		return 0;
	}
	data = read_all(fd, &len);
	lines = data != NULL ? spool_load_bytes(db, name, data, len, st.st_mtime) : -1;
	free(data);
	if (lines > 0)
		metrics_count(METRIC_USAGE_SPOOL_LOADED, lines, METRICS_END);
	if (lines >= 0 && unlink(path) < 0 && errno != ENOENT) {
		log_msg(LOG_LEVEL_ERROR, "usage spool: cannot remove %s: %s", path,
		    strerror(errno));
		spool_reopen(db, name);
	}
	close(fd);
	return lines;
}

long spool_load_own(struct spool *s, struct db *db)
{
	char name[sizeof(s->name)];

	long lines;

	if (s == NULL || s->fd < 0)
		return 0;
	snprintf(name, sizeof(name), "%s", s->name);
	lines = spool_load_file(s->dir, name, db, 0);
	if (lines == SPOOL_HELD) {
		/* another process is loading it (or holds it): never waited
		 * for; this one tries again after another flush interval */
		clock_gettime(CLOCK_MONOTONIC, &s->opened);
		return 0;
	}
	/* the next event opens a new segment, whatever happened to this one */
	spool_close_segment(s);
	return lines;
}

/* scandir() filter: a segment file's name. */
static int is_segment(const struct dirent *e)
{
	size_t n = strlen(e->d_name), sl = strlen(SPOOL_SUFFIX);

	return n > sl && strcmp(e->d_name + n - sl, SPOOL_SUFFIX) == 0;
}

long spool_load_dir(const char *dir, struct db *db, long wait_ms)
{
	struct dirent **names;
	long total = 0;
	int failed = 0, n;

	if (dir == NULL)
		return 0;
	/* the segments there now: the ones written while this loads are
	 * left to the next load, so that a busy spool cannot keep it going */
	n = scandir(dir, &names, is_segment, NULL);
	if (n < 0) {
		log_msg(LOG_LEVEL_ERROR, "usage spool: cannot read %s: %s", dir, strerror(errno));
		return -1;
	}
	for (int i = 0; i < n; i++) {
		/* one that fails stays for a later load; the others go on */
		long lines = spool_load_file(dir, names[i]->d_name, db, wait_ms);
		if (lines >= 0)
			total += lines;
		else if (lines != SPOOL_HELD) /* held: its holder loads it */
			failed = 1;
		free(names[i]);
	}
	free(names);
	return failed ? -1 : total;
}

int spool_field(char **p, char *end, const char *v, int last)
{
	char *o = *p;

	if (v == NULL) {
		if (end - o < 3)
			return -1;
		*o++ = '\\';
		*o++ = 'N';
	}
	for (; v != NULL && *v != '\0'; v++) {
		char c = *v;
		if (end - o < 3)
			return -1;
		if (c == '\\' || c == '\t' || c == '\n' || c == '\r') {
			*o++ = '\\';
			c = c == '\t' ? 't' : c == '\n' ? 'n' : c == '\r' ? 'r' : '\\';
		}
		*o++ = c;
	}
	if (end - o < 2)
		return -1;
	*o++ = last ? '\n' : '\t';
	*o = '\0';
	*p = o;
	return 0;
}

void spool_free(struct spool *s)
{
	if (s == NULL)
		return;
	spool_close_segment(s);
	free(s->dir);
	free(s);
}
