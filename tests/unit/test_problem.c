/* The problem table (src/core/problem.c) and the web servers' own problem+json
 * documents (httpd-conf/errors/NNN.json) that the templates map their
 * errors to: each document is RFC 9457 with dragoman's type scheme, and a
 * type that dragoman answers too keeps dragoman's title and status, so a
 * client sees one meaning per type whoever answered. */
#include "autoconfig.h"

#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "core/problem.h"
#include "cu_run.h"

#define TYPE_PREFIX "urn:dragoman:problem:"

/* Writes the path of srcdir's file rel into out. */
static void src_path(const char *rel, char *out, size_t outsz)
{
	const char *srcdir = getenv("srcdir");

	snprintf(out, outsz, "%s/%s", srcdir ? srcdir : ".", rel);
}

/* Returns the table row whose type is type, or PROBLEM__MAX when none. */
static enum problem problem_by_type(const char *type)
{
	for (int p = PROBLEM_NONE + 1; p < PROBLEM__MAX; p++)
		if (strcmp(problem_type((enum problem)p), type) == 0)
			return (enum problem)p;
	return PROBLEM__MAX;
}

static void test_table(void)
{
	for (int p = PROBLEM_NONE + 1; p < PROBLEM__MAX; p++) {
		int st = problem_status((enum problem)p);
		CU_ASSERT(st >= 400 && st <= 599);
		CU_ASSERT_EQUAL(strncmp(problem_type((enum problem)p), TYPE_PREFIX,
		                    strlen(TYPE_PREFIX)),
		    0);
	}
}

/* Checks the document file name (NNN.json) in httpd-conf/errors. Returns 1
 * when it holds, else 0 (the failed assertion reported). */
static int check_document(const char *name)
{
	char path[1024], rel[256];
	struct json_object *o, *v;
	const char *type, *title;
	enum problem p;
	int status = atoi(name), ok;

	snprintf(rel, sizeof(rel), "httpd-conf/errors/%s", name);
	src_path(rel, path, sizeof(path));
	o = json_object_from_file(path);
	if (o == NULL) {
		fprintf(stderr, "\n  %s: not JSON\n", name);
		CU_FAIL("a document is not JSON");
		return 0;
	}
	/* exactly the four members, status the one in the file name */
	ok = json_object_object_length(o) == 4 && json_object_object_get_ex(o, "status", &v) &&
	    json_object_is_type(v, json_type_int) && json_object_get_int(v) == status &&
	    json_object_object_get_ex(o, "detail", &v) &&
	    json_object_is_type(v, json_type_string) && json_object_object_get_ex(o, "title", &v) &&
	    json_object_is_type(v, json_type_string) && json_object_object_get_ex(o, "type", &v) &&
	    json_object_is_type(v, json_type_string) &&
	    strncmp(json_object_get_string(v), TYPE_PREFIX, strlen(TYPE_PREFIX)) == 0;
	if (ok) {
		type = json_object_get_string(v);
		json_object_object_get_ex(o, "title", &v);
		title = json_object_get_string(v);
		p = problem_by_type(type);
		ok = p == PROBLEM__MAX ||
		    (strcmp(problem_title(p), title) == 0 && problem_status(p) == status);
	}
	if (!ok)
		fprintf(stderr, "\n  %s: %s\n", name, json_object_to_json_string(o));
	CU_ASSERT(ok);
	json_object_put(o);
	return ok;
}

static void test_documents(void)
{
	char dir[1024];
	DIR *d;
	struct dirent *de;
	int n = 0;

	src_path("httpd-conf/errors", dir, sizeof(dir));
	d = opendir(dir);
	CU_ASSERT_PTR_NOT_NULL_FATAL(d);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		/* only NNN.json lives there */
		CU_ASSERT(strlen(de->d_name) == 8 && isdigit((unsigned char)de->d_name[0]) &&
		    strcmp(de->d_name + 3, ".json") == 0);
		n += check_document(de->d_name);
	}
	closedir(d);
	CU_ASSERT(n >= 10);
}

/* Every "NNN.json" a template names (ErrorDocument, error_page) exists. */
static void test_templates_name_documents(void)
{
	static const char *templates[] = { "apache-fcgid.conf.in", "apache-proxy-fcgi.conf.in",
		"nginx.conf.in", "dragoman.htaccess" };

	for (size_t i = 0; i < sizeof(templates) / sizeof(templates[0]); i++) {
		char rel[256], path[1024], doc[1100], line[1024];
		int named = 0;
		FILE *f;

		snprintf(rel, sizeof(rel), "httpd-conf/%s", templates[i]);
		src_path(rel, path, sizeof(path));
		f = fopen(path, "r");
		CU_ASSERT_PTR_NOT_NULL_FATAL(f);
		while (fgets(line, sizeof(line), f) != NULL) {
			for (char *s = strstr(line, ".json"); s != NULL;
			     s = strstr(s + 1, ".json")) {
				if (s - line < 3 || !isdigit((unsigned char)s[-1]) ||
				    !isdigit((unsigned char)s[-2]) ||
				    !isdigit((unsigned char)s[-3]))
					continue;
				snprintf(rel, sizeof(rel), "httpd-conf/errors/%.3s.json", s - 3);
				src_path(rel, doc, sizeof(doc));
				FILE *d = fopen(doc, "r");
				if (d == NULL)
					fprintf(stderr, "\n  %s names %.8s, which is missing\n",
					    templates[i], s - 3);
				CU_ASSERT_PTR_NOT_NULL(d);
				if (d != NULL)
					fclose(d);
				named++;
			}
		}
		fclose(f);
		CU_ASSERT(named >= 5);
	}
}

int main(void)
{
	static const struct cu_test tests[] = {
		{ "every row a 4xx or 5xx with a urn:dragoman:problem type", test_table },
		{ "the web servers' documents: RFC 9457, dragoman's titles", test_documents },
		{ "every document a template names exists", test_templates_name_documents },
		{ NULL, NULL }
	};
	return cu_run("problem", tests);
}
