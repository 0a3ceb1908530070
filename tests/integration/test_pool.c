/* memcached as a pool (tests/integration/pool.test starts three): keys
 * spread over all servers by consistent hashing, and a server killed with
 * SIGKILL under a steady load fails no request; its keys move to the
 * others, and it takes its share again once it is back. */
#include "autoconfig.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <curl/curl.h>

#include "../unit/cu_run.h"
#include "fixture.h"
#include "http.h"

#define SERVERS 3
#define THREADS 4

static char ws[64], key[128];
static int ports[SERVERS];
static volatile int load_running;

struct load {
	int index;
	long served, failed;
	long worst_ms;
};

/* Returns statistic name of the memcached server on port (as "stats"
 * reports it), or -1 when it does not answer. */
static long long mc_stat(int port, const char *name)
{
	struct sockaddr_in a;
	struct timeval tv = { 2, 0 };
	char buf[8192], want[96], *p;
	size_t got = 0;
	ssize_t n;
	long long v = -1;
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		return -1;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_port = htons((unsigned short)port);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) == 0 && write(fd, "stats\r\n", 7) == 7)
		while (
		    got + 1 < sizeof(buf) && (n = read(fd, buf + got, sizeof(buf) - 1 - got)) > 0) {
			got += (size_t)n;
			buf[got] = '\0';
			if (strstr(buf, "END\r\n") != NULL)
				break;
		}
	close(fd);
	buf[got] = '\0';
	snprintf(want, sizeof(want), "STAT %s ", name);
	if ((p = strstr(buf, want)) != NULL)
		v = atoll(p + strlen(want));
	return v;
}

/* Translations of 40 texts, over and over, until load_running drops. */
static void *load(void *arg)
{
	struct load *l = arg;
	struct http_response r;
	char body[200];
	struct timespec t0, t1;

	for (int i = 0; load_running; i++) {
		snprintf(body, sizeof(body),
		    "{\"text\":\"Pool text %d of %ld.\",\"source\":\"en\","
		    "\"target\":\"es\"}",
		    (i * THREADS + l->index) % 40, (long)getpid());
		clock_gettime(CLOCK_MONOTONIC, &t0);
		long st = request_as("POST", "/v1/translate", key, body, &r);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		http_free(&r);
		long ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
		if (ms > l->worst_ms)
			l->worst_ms = ms;
		if (st == 200)
			l->served++;
		else
			l->failed++;
	}
	return NULL;
}

static void test_keys_spread(void)
{
	struct http_response r;
	char body[200];

	/* 60 translations, each cached under its own key */
	for (int i = 0; i < 60; i++) {
		snprintf(body, sizeof(body),
		    "{\"text\":\"Spread %d of %ld.\",\"source\":\"en\","
		    "\"target\":\"es\"}",
		    i, (long)getpid());
		CU_ASSERT_EQUAL(request_as("POST", "/v1/translate", key, body, &r), 200);
		http_free(&r);
	}
	for (int s = 0; s < SERVERS; s++) {
		long long items = mc_stat(ports[s], "curr_items");
		fprintf(stderr, "\n  server %d (:%d): %lld items", s + 1, ports[s], items);
		/* 60 keys over 3 servers: each holds a share */
		CU_ASSERT(items >= 5);
	}
	fprintf(stderr, "\n");
}

static void test_server_killed_under_load(void)
{
	struct load l[THREADS];
	pthread_t t[THREADS];
	long served = 0, failed = 0, worst = 0;
	long long before[SERVERS], after[SERVERS], back;

	load_running = 1;
	for (int i = 0; i < THREADS; i++) {
		l[i] = (struct load){ i, 0, 0, 0 };
		pthread_create(&t[i], NULL, load, &l[i]);
	}
	sleep(2);
	for (int s = 0; s < SERVERS; s++)
		before[s] = mc_stat(ports[s], "cmd_get");
	CU_ASSERT_EQUAL_FATAL(stack("mc2-kill"), 0);
	sleep(3);
	for (int s = 0; s < SERVERS; s++)
		after[s] = mc_stat(ports[s], "cmd_get");
	/* the survivors took the load, and the dead one answers nothing */
	CU_ASSERT_EQUAL(after[1], -1);
	CU_ASSERT(after[0] > before[0]);
	CU_ASSERT(after[2] > before[2]);
	CU_ASSERT_EQUAL(stack("mc2-start"), 0);
	sleep(3);
	back = mc_stat(ports[1], "cmd_get");
	load_running = 0;
	for (int i = 0; i < THREADS; i++) {
		pthread_join(t[i], NULL);
		served += l[i].served;
		failed += l[i].failed;
		worst = l[i].worst_ms > worst ? l[i].worst_ms : worst;
	}
	fprintf(stderr,
	    "\n  one of three memcached servers killed under load: %ld served, %ld "
	    "failed, slowest %ld ms; the restarted server had %lld gets within 3 s\n",
	    served, failed, worst, back);
	CU_ASSERT(served > 100);
	CU_ASSERT_EQUAL(failed, 0);
	/* back in the continuum after the retry timeout */
	CU_ASSERT(back > 0);
}

int main(void)
{
	static const struct cu_test tests[] = {
		{ "keys spread over every server", test_keys_spread },
		{ "a server killed under load fails no request", test_server_killed_under_load },
		{ NULL, NULL },
	};
	const char *list = getenv("DRAGOMAN_MEMCACHED_SERVERS");
	int n = 0, rc;

	for (const char *p = list; p != NULL && n < SERVERS; p = strchr(p, ','), p = p ? p + 1 : p)
		ports[n++] = atoi(strchr(p, ':') != NULL ? strchr(p, ':') + 1 : p);
	if (n < SERVERS) {
		fprintf(stderr,
		    "test_pool: needs a pool of %d memcached servers "
		    "(DRAGOMAN_MEMCACHED_POOL=%d)\n",
		    SERVERS, SERVERS);
		return 77;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (make_workspace("Pool", key, sizeof(key), ws, sizeof(ws)) < 0) {
		fprintf(stderr, "test_pool: cannot create a workspace\n");
		return 99;
	}
	rc = cu_run("pool", tests);
	curl_global_cleanup();
	return rc;
}
