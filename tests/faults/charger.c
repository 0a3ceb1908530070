/* The fault runner's accountant: THREADS clients charging one request each
 * through POST /v1/billing/usage, each with an Idempotency-Key of its own,
 * for SECONDS; one line per request to OUT: start and duration (ms since
 * the start), the status (0: no response within 15 s) and the key. The
 * runner matches those lines against the ledger. With PREFIX @FILE, the
 * keys of FILE (one per line) are sent once each instead: the retries of
 * requests that got no answer.
 *   charger URL KEY PREFIX|@FILE SECONDS THREADS OUT */
#include "autoconfig.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

struct client {
	int index, threads;
	char **keys; /* retry mode: the keys to send; NULL: new ones */
	size_t nkeys;
	const char *url, *key, *prefix;
	double seconds;
	char *lines; /* owned; what the thread wrote */
	size_t len, cap;
};

static struct timespec start;

static double since_start_ms(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (now.tv_sec - start.tv_sec) * 1e3 + (now.tv_nsec - start.tv_nsec) / 1e6;
}

static size_t discard(char *p, size_t size, size_t n, void *ctx)
{
	(void)p;
	(void)ctx;
	return size * n;
}

/* Appends one request's line to c->lines. Returns 0, or -1 out of memory. */
static int note(struct client *c, double t0, double t1, long status, const char *idem)
{
	char line[256];
	int n = snprintf(line, sizeof(line), "%.1f\t%.1f\t%ld\t%s\n", t0, t1 - t0, status, idem);

	if (c->len + (size_t)n + 1 > c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 65536;
		char *p = realloc(c->lines, cap);
		if (p == NULL)
			return -1;
		c->lines = p;
		c->cap = cap;
	}
	memcpy(c->lines + c->len, line, (size_t)n + 1);
	c->len += (size_t)n;
	return 0;
}

static void *run(void *arg)
{
	static const char body[] =
	    "{\"quantity\":1,\"unit\":\"requests\",\"model\":\"dragoman/call\"}";
	struct client *c = arg;
	CURL *curl = curl_easy_init();
	char auth[200], idem[128], idem_h[160], url[512];
	struct curl_slist *h = NULL;

	snprintf(auth, sizeof(auth), "Authorization: Bearer %s", c->key);
	snprintf(url, sizeof(url), "%s/v1/billing/usage", c->url);
	for (long seq = 0; curl != NULL; seq++) {
		long status = 0;
		double t0 = since_start_ms();
		size_t k = (size_t)seq * (size_t)c->threads + (size_t)c->index;
		if (c->keys != NULL ? k >= c->nkeys : t0 >= c->seconds * 1000)
			break;
		if (c->keys != NULL)
			snprintf(idem, sizeof(idem), "%s", c->keys[k]);
		else
			snprintf(idem, sizeof(idem), "%s-%d-%ld", c->prefix, c->index, seq);
		snprintf(idem_h, sizeof(idem_h), "Idempotency-Key: %s", idem);
		h = curl_slist_append(NULL, auth);
		h = curl_slist_append(h, "Content-Type: application/json");
		h = curl_slist_append(h, idem_h);
		curl_easy_setopt(curl, CURLOPT_URL, url);
		curl_easy_setopt(curl, CURLOPT_HTTPHEADER, h);
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
		curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard);
		curl_easy_setopt(curl, CURLOPT_TIMEOUT, 15L);
		curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
		if (curl_easy_perform(curl) == CURLE_OK)
			curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
		curl_slist_free_all(h);
		if (note(c, t0, since_start_ms(), status, idem) < 0)
			break;
		/* like a real client, not at once after a failure: 20 ms */
		if (status != 200 && c->keys == NULL)
			nanosleep(&(struct timespec){ 0, 20 * 1000000L }, NULL);
	}
	curl_easy_cleanup(curl);
	return NULL;
}

int main(int argc, char **argv)
{
	struct client *c;
	pthread_t *t;
	int threads;
	FILE *out;

	if (argc != 7 || (threads = atoi(argv[5])) < 1 || threads > 64) {
		fprintf(stderr, "usage: charger URL KEY PREFIX SECONDS THREADS OUT\n");
		return 2;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	c = calloc((size_t)threads, sizeof(*c));
	t = calloc((size_t)threads, sizeof(*t));
	if (c == NULL || t == NULL)
		return 1;
	char **keys = NULL, line[256];
	size_t nkeys = 0;
	if (argv[3][0] == '@') {
		FILE *f = fopen(argv[3] + 1, "r");
		if (f == NULL)
			return 1;
		while (fgets(line, sizeof(line), f) != NULL) {
			line[strcspn(line, "\r\n")] = '\0';
			char **p = line[0] ? realloc(keys, (nkeys + 1) * sizeof(*keys)) : keys;
			if (p == NULL)
				return 1;
			keys = p;
			if (line[0] && (keys[nkeys++] = strdup(line)) == NULL)
				return 1;
		}
		fclose(f);
	}
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (int i = 0; i < threads; i++) {
		c[i] = (struct client){ i, threads, keys, nkeys, argv[1], argv[2], argv[3],
			atof(argv[4]), NULL, 0, 0 };
		pthread_create(&t[i], NULL, run, &c[i]);
	}
	if ((out = fopen(argv[6], "w")) == NULL)
		return 1;
	for (int i = 0; i < threads; i++) {
		pthread_join(t[i], NULL);
		if (c[i].lines != NULL)
			fputs(c[i].lines, out);
		free(c[i].lines);
	}
	fclose(out);
	for (size_t i = 0; i < nkeys; i++)
		free(keys[i]);
	free(keys);
	free(c);
	free(t);
	curl_global_cleanup();
	return 0;
}
