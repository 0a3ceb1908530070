/* Configuration parsing: every bad or missing setting names its key. */
#include "autoconfig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/config.h"
#include "cu_run.h"
#include "translate/provider.h"

#define GOOD "database_url = postgresql://u@127.0.0.1/db\nmemcached_servers = 127.0.0.1:11211\n"

static void test_minimal(void)
{
	char err[512] = "";
	struct config *c = provider_config_parse(GOOD, "t.conf", err, sizeof(err));

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_STRING_EQUAL(c->database_url, "postgresql://u@127.0.0.1/db");
	CU_ASSERT_STRING_EQUAL(c->memcached_servers, "127.0.0.1:11211");
	CU_ASSERT_EQUAL(c->max_body_bytes, 1048576);
	CU_ASSERT_EQUAL(c->key_cache_ttl, 60);
	CU_ASSERT_EQUAL(c->log_requests, 1);
	config_free(c);
}

static void test_comments_quotes_spaces(void)
{
	char err[512] = "";
	struct config *c = provider_config_parse(
	    "# comment\n\n  database_url   =  \"host=/run/pg dbname=x\"  \r\n"
	    "memcached_servers=a:1,b:2\nkey_cache_ttl = 0\nlog_requests = off\n",
	    "t.conf", err, sizeof(err));

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_STRING_EQUAL(c->database_url, "host=/run/pg dbname=x");
	CU_ASSERT_STRING_EQUAL(c->memcached_servers, "a:1,b:2");
	CU_ASSERT_EQUAL(c->key_cache_ttl, 0);
	CU_ASSERT_EQUAL(c->log_requests, 0);
	config_free(c);
}

struct bad_case {
	int line;
	const char *text;
	const char *must_mention;
};

static const struct bad_case bad[] = {
	{ __LINE__, "memcached_servers = a:1\n", "database_url" },
	{ __LINE__, "database_url = x\n", "memcached_servers" },
	{ __LINE__, GOOD "databse_url = y\n", "databse_url" },
	{ __LINE__, GOOD "key_cache_ttl = 61\n", "key_cache_ttl" },
	{ __LINE__, GOOD "key_cache_ttl = -1\n", "key_cache_ttl" },
	{ __LINE__, GOOD "key_cache_ttl = 5s\n", "key_cache_ttl" },
	{ __LINE__, GOOD "max_body_bytes = 0\n", "max_body_bytes" },
	{ __LINE__, GOOD "max_body_bytes = 99999999999999999999\n", "max_body_bytes" },
	{ __LINE__, GOOD "log_requests = maybe\n", "log_requests" },
	{ __LINE__, GOOD "database_url =\n", "database_url" },
	{ __LINE__, GOOD "just words\n", "t.conf:3" },
	{ __LINE__, GOOD "providers = apertium, deepl\n", "deepl" },
	{ __LINE__, GOOD "providers = apertium, libretranslate\n", "libretranslate_url" },
	{ __LINE__, GOOD "prices = apertium:bytes=1\n", "prices: 'apertium:bytes=1'" },
	{ __LINE__, GOOD "prices = deepl:characters=1\n", "no apertium:characters" },
	{ __LINE__, GOOD "hold_ttl_s = 10\n", "hold_ttl_s" },
	{ __LINE__, GOOD "rate_limit_exempt_roles = platform, superuser\n",
	    "'superuser' is not a role" },
	{ __LINE__, GOOD "rate_limit_exempt_roles = administrators\n", "rate_limit_exempt_roles" },
	{ __LINE__, GOOD "rate_limit_fail_open = sometimes\n", "rate_limit_fail_open" },
};

static void test_bad(void)
{
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		char err[512] = "";
		struct config *c = provider_config_parse(bad[i].text, "t.conf", err, sizeof(err));
		if (c != NULL || strstr(err, bad[i].must_mention) == NULL)
			fprintf(stderr, "\n  line %d: err='%s'\n", bad[i].line, err);
		CU_ASSERT_PTR_NULL(c);
		CU_ASSERT_PTR_NOT_NULL(strstr(err, bad[i].must_mention));
		config_free(c);
	}
}

static void test_env_override(void)
{
	char err[512] = "";
	struct config *c;

	setenv("DRAGOMAN_DATABASE_URL", "postgresql://secret@h/db", 1);
	setenv("DRAGOMAN_KEY_CACHE_TTL", "5", 1);
	c = provider_config_parse(GOOD, "t.conf", err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_STRING_EQUAL(c->database_url, "postgresql://secret@h/db");
	CU_ASSERT_EQUAL(c->key_cache_ttl, 5);
	config_free(c);
	/* the environment alone may supply a required key */
	c = provider_config_parse("memcached_servers = a:1\n", "t.conf", err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL(c);
	config_free(c);
	/* and a bad override is named */
	setenv("DRAGOMAN_KEY_CACHE_TTL", "600", 1);
	c = provider_config_parse(GOOD, "t.conf", err, sizeof(err));
	CU_ASSERT_PTR_NULL(c);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "DRAGOMAN_KEY_CACHE_TTL"));
	unsetenv("DRAGOMAN_DATABASE_URL");
	unsetenv("DRAGOMAN_KEY_CACHE_TTL");
}

static void test_load_missing_file(void)
{
	char err[512] = "";
	struct config *c = provider_config_load("/nonexistent/dragoman.conf", err, sizeof(err));

	CU_ASSERT_PTR_NULL(c);
	CU_ASSERT_PTR_NOT_NULL(strstr(err, "/nonexistent/dragoman.conf"));
}

static void test_default_path(void)
{
	setenv("DRAGOMAN_CONFIG", "/x/y.conf", 1);
	CU_ASSERT_STRING_EQUAL(config_default_path(), "/x/y.conf");
	unsetenv("DRAGOMAN_CONFIG");
	CU_ASSERT_PTR_NOT_NULL(strstr(config_default_path(), "dragoman/dragoman.conf"));
}

static void test_providers(void)
{
	char err[512] = "";
	struct config *c =
	    provider_config_parse(GOOD "providers = libretranslate,apertium\n"
	                               "libretranslate_url = http://127.0.0.1:5000\n",
	        "t.conf", err, sizeof(err));

	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_STRING_EQUAL(c->providers, "libretranslate,apertium");
	CU_ASSERT_PTR_NULL(c->libretranslate_api_key);
	config_free(c);
	c = provider_config_parse(GOOD, "t.conf", err, sizeof(err));
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_STRING_EQUAL(c->providers, "apertium");
	CU_ASSERT_PTR_NULL(c->libretranslate_url);
	config_free(c);
}

/* The example shipped in httpd-conf/ must stay a valid configuration. */
static void test_shipped_example(void)
{
	char path[1024], err[512] = "";
	const char *srcdir = getenv("srcdir");
	struct config *c;

	snprintf(path, sizeof(path), "%s/httpd-conf/dragoman.conf.example", srcdir ? srcdir : ".");
	c = provider_config_load(path, err, sizeof(err));
	if (c == NULL)
		fprintf(stderr, "\n  %s\n", err);
	CU_ASSERT_PTR_NOT_NULL_FATAL(c);
	CU_ASSERT_EQUAL(c->local_cache_ms, 1000);
	CU_ASSERT_EQUAL(c->key_cache_ttl, 60);
	config_free(c);
}

int main(void)
{
	static const struct cu_test tests[] = {
		{ "minimal file and defaults", test_minimal },
		{ "comments, quotes, spaces, CRLF", test_comments_quotes_spaces },
		{ "bad settings name their key", test_bad },
		{ "environment overrides", test_env_override },
		{ "missing file", test_load_missing_file },
		{ "default path", test_default_path },
		{ "shipped example parses", test_shipped_example },
		{ "provider order and its settings", test_providers },
		{ NULL, NULL },
	};
	unsetenv("DRAGOMAN_DATABASE_URL");
	unsetenv("DRAGOMAN_MEMCACHED_SERVERS");
	return cu_run("config", tests);
}
