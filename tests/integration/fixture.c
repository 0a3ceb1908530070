/* Shared by the integration programs: the admin CLI, the harness, and
 * authenticated requests against the stack named by the environment. */
#include "autoconfig.h"

#include <dirent.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "fixture.h"

/* Runs the admin CLI with args; returns its stdout (caller frees) or NULL. */
char *admin(const char *args)
{
	char cmd[1024], *out = calloc(1, 4096);
	size_t n = 0;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "\"%s\" --config \"%s\" %s 2>/dev/null",
	    getenv("DRAGOMAN_ADMIN"), getenv("DRAGOMAN_CONFIG"), args);
	p = popen(cmd, "r");
	if (p == NULL || out == NULL) {
		free(out);
		return NULL;
	}
	n = fread(out, 1, 4095, p);
	out[n] = '\0';
	if (pclose(p) != 0) {
		free(out);
		return NULL;
	}
	return out;
}

/* Copies the value of "name=" from admin output into dst. */
void field(const char *out, const char *name, char *dst, size_t dstsz)
{
	const char *p = out ? strstr(out, name) : NULL;

	dst[0] = '\0';
	if (p != NULL)
		snprintf(dst, dstsz, "%.*s", (int)strcspn(p + strlen(name), "\n"),
		    p + strlen(name));
}

/* Creates a workspace; writes its key and id. Returns 0 or -1. */
int make_workspace(const char *name, char *key, size_t keysz, char *id, size_t idsz)
{
	char args[256];
	snprintf(args, sizeof(args), "workspace create '%s'", name);
	char *out = admin(args);
	field(out, "api_key=", key, keysz);
	field(out, "workspace_id=", id, idsz);
	free(out);
	return key[0] && id[0] ? 0 : -1;
}

int make_key(const char *workspace_id, const char *role, char *key, size_t keysz)
{
	char args[256];
	snprintf(args, sizeof(args), "key create %s --role %s", workspace_id, role);
	char *out = admin(args);
	key[0] = '\0';
	field(out, "api_key=", key, keysz);
	free(out);
	return key[0] ? 0 : -1;
}

long request_as(const char *method, const char *path, const char *cred, const char *body,
    struct http_response *r)
{
	char auth[4096];
	const char *h[] = { "Content-Type: application/json", auth, NULL };

	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", cred != NULL ? cred : "");
	if (cred == NULL)
		h[1] = NULL;
	return http_request(method, path, h, body, body != NULL ? strlen(body) : 0, r);
}

int log_lines(const char *text)
{
	FILE *f = fopen(getenv("DRAGOMAN_TEST_LOG"), "r");
	char line[8192];
	int n = 0;

	while (f != NULL && fgets(line, sizeof(line), f) != NULL)
		n += strstr(line, text) != NULL;
	if (f != NULL)
		fclose(f);
	return n;
}

/* GET path with the bearer key (NULL: no Authorization). */
long get(const char *path, const char *key, struct http_response *r)
{
	char auth[256];
	const char *h[] = { auth, NULL };

	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", key ? key : "");
	return http_request("GET", path, key ? h : NULL, NULL, 0, r);
}

/* Runs tests/harness/stack VERB on this stack. Returns system()'s status. */
int stack(const char *verb)
{
	char cmd[1024];

	snprintf(cmd, sizeof(cmd), "\"%s\" %s \"%s\"", getenv("DRAGOMAN_TEST_STACK"), verb,
	    getenv("DRAGOMAN_STATE"));
	return system(cmd);
}


PGconn *pg_connect(void)
{
	char conninfo[256];

	snprintf(conninfo, sizeof(conninfo), "host=127.0.0.1 port=%s user=dragoman dbname=dragoman",
	    getenv("DRAGOMAN_PGPORT"));
	return PQconnectdb(conninfo);
}

int usage_load(void)
{
	char *out = admin("usage load");
	int ok = out != NULL && strstr(out, "usage_events_loaded=") != NULL;

	if (!ok)
		fprintf(stderr, "\n  dragoman-admin usage load failed\n");
	free(out);
	return ok ? 0 : -1;
}

void usage_load_before(const char *sql)
{
	/* every response sent has its event in the spool or the table: a
	 * query of the events sees them all, as a report does */
	if (strstr(sql, "usage_events") != NULL)
		(void)usage_load();
}

char *pg_value(const char *sql, const char *param)
{
	PGconn *pg;

	usage_load_before(sql);
	pg = pg_connect();
	const char *params[] = { param };
	PGresult *res = PQexecParams(pg, sql, param != NULL ? 1 : 0, NULL,
	    param != NULL ? params : NULL, NULL, NULL, 0);
	char *v = NULL;

	if (PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) > 0 && !PQgetisnull(res, 0, 0))
		v = strdup(PQgetvalue(res, 0, 0));
	else if (PQresultStatus(res) != PGRES_TUPLES_OK)
		fprintf(stderr, "pg_value: %s", PQerrorMessage(pg));
	PQclear(res);
	PQfinish(pg);
	return v;
}

long long pg_num(const char *sql, const char *param)
{
	char *v = pg_value(sql, param);
	long long n = v != NULL ? atoll(v) : -1;

	free(v);
	return n;
}

long post_idem(const char *k, const char *path, const char *idem, const char *body,
    struct http_response *r)
{
	char auth[160], ih[300];
	const char *h[] = { auth, "Content-Type: application/json", idem ? ih : NULL, NULL };

	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", k);
	snprintf(ih, sizeof(ih), "Idempotency-Key: %s", idem ? idem : "");
	return http_request("POST", path, h, body, strlen(body), r);
}

long long balance_of(const char *k)
{
	struct http_response r;
	const char *v;
	long long b = -1;

	if (get("/v1/billing/balance", k, &r) == 200 &&
	    (v = http_json_str(&r, "balance_micros")) != NULL)
		b = atoll(v);
	http_free(&r);
	return b;
}

long set_payment_method(const char *k, const char *pm)
{
	char body[160];
	struct http_response r;
	long st;

	snprintf(body, sizeof(body), "{\"customer\":\"cus_fixture\",\"payment_method\":\"%s\"}",
	    pm);
	st = request_as("PUT", "/v1/billing/payment-method", k, body, &r);
	http_free(&r);
	return st;
}

long set_auto_recharge(const char *k, const char *body)
{
	struct http_response r;
	long st = request_as("PUT", "/v1/billing/auto-recharge", k, body, &r);

	http_free(&r);
	return st;
}

long long pg_wait(const char *sql, const char *param, long long want)
{
	long long v = -1;

	for (int i = 0; i < 100 && (v = pg_num(sql, param)) != want; i++)
		usleep(100 * 1000);
	return v;
}

int fixture_state(const char *env, const char *member, char *out, size_t outsz)
{
	const char *base = getenv(env), *v;
	char url[256];
	struct http_response r;
	int rc = -1;

	if (base == NULL)
		return -1;
	snprintf(url, sizeof(url), "%s/fixture/calls", base);
	if (http_get_url(url, &r) == 200 && (v = http_json_str(&r, member)) != NULL) {
		snprintf(out, outsz, "%s", v);
		rc = 0;
	}
	http_free(&r);
	return rc;
}

/* Returns the --listen master's pid, or 0 when this setup has none. */
pid_t listener_pid(void)
{
	char path[512], buf[32];
	FILE *f;
	pid_t pid = 0;

	snprintf(path, sizeof(path), "%s/run/listener.pid", getenv("DRAGOMAN_STATE"));
	if ((f = fopen(path, "r")) != NULL) {
		if (fgets(buf, sizeof(buf), f) != NULL)
			pid = (pid_t)atoi(buf);
		fclose(f);
	}
	return pid;
}

/* Sends sig to every dragoman.fcgi of this stack but the --listen master.
 * Returns how many. */
/* Calls fn(pid, ctx) for every worker of the stack (not the --listen
 * master). Returns how many calls returned 0. */
static int each_worker(int (*fn)(pid_t, void *), void *ctx)
{
	char bin[512], path[300], cmd[1024];
	pid_t master = listener_pid();
	int n = 0;
	DIR *d = opendir("/proc");
	struct dirent *de;
	FILE *f;

	snprintf(bin, sizeof(bin), "%s/bin/dragoman.fcgi", getenv("DRAGOMAN_STATE"));
	while (d != NULL && (de = readdir(d)) != NULL) {
		if (de->d_name[0] < '0' || de->d_name[0] > '9' || atoi(de->d_name) == (int)master)
			continue;
		snprintf(path, sizeof(path), "/proc/%s/cmdline", de->d_name);
		if ((f = fopen(path, "r")) == NULL)
			continue;
		size_t k = fread(cmd, 1, sizeof(cmd) - 1, f);
		cmd[k] = '\0';
		fclose(f);
		if (strcmp(cmd, bin) == 0 && fn((pid_t)atoi(de->d_name), ctx) == 0)
			n++;
	}
	if (d != NULL)
		closedir(d);
	return n;
}

/* each_worker(): sends the signal *ctx. */
static int send_signal(pid_t pid, void *ctx)
{
	return kill(pid, *(int *)ctx);
}

int signal_workers(int sig)
{
	return each_worker(send_signal, &sig);
}

/* each_worker(): adds the process's CPU time (ticks) to *ctx. */
static int add_cpu(pid_t pid, void *ctx)
{
	char path[64], line[1024], *p;
	unsigned long long user, sys;
	FILE *f;
	int ok = 0;

	snprintf(path, sizeof(path), "/proc/%ld/stat", (long)pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	/* past "pid (comm) ": state is field 3, utime 14, stime 15 */
	if (fgets(line, sizeof(line), f) != NULL && (p = strrchr(line, ')')) != NULL &&
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &user, &sys) ==
	        2) {
		*(unsigned long long *)ctx += user + sys;
		ok = 1;
	}
	fclose(f);
	return ok ? 0 : -1;
}

long workers_cpu_ms(void)
{
	unsigned long long ticks = 0;

	each_worker(add_cpu, &ticks);
	return (long)(ticks * 1000ULL / (unsigned long long)sysconf(_SC_CLK_TCK));
}

int kill_workers(void)
{
	return signal_workers(SIGKILL);
}

int wait_for_service(void)
{
	struct timespec start, now;

	clock_gettime(CLOCK_MONOTONIC, &start);
	do {
		struct http_response r;
		long st = http_request("GET", "/v1/health", NULL, NULL, 0, &r);
		http_free(&r);
		if (st == 200)
			return 0;
		usleep(100 * 1000);
		clock_gettime(CLOCK_MONOTONIC, &now);
	} while (now.tv_sec - start.tv_sec < 30);
	return -1;
}

int sql_script(const char *sql)
{
	PGconn *pg = pg_connect();
	PGresult *res = PQexec(pg, sql);
	int ok = PQresultStatus(res) == PGRES_COMMAND_OK;

	if (!ok)
		fprintf(stderr, "\n  %s: %s", sql, PQresultErrorMessage(res));
	PQclear(res);
	PQfinish(pg);
	return ok ? 0 : -1;
}
