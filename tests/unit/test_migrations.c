/* The migrations that make install and make dist ship (dist_migrations_DATA
 * in Makefile.am) are exactly the .sql files of db/migrations: a migration
 * missing from the list would be absent from installed and distributed
 * trees, which then migrate to an older schema than the code expects. The
 * list is in order and no two migrations share a number. */
#include "autoconfig.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cu_run.h"

#define NAMES_MAX 1000
#define NAME_MAX_LEN 256

struct names {
	char name[NAMES_MAX][NAME_MAX_LEN];
	size_t n;
};

/* Writes the path of srcdir's file rel into out. */
static void src_path(const char *rel, char *out, size_t outsz)
{
	const char *srcdir = getenv("srcdir");

	snprintf(out, outsz, "%s/%s", srcdir != NULL ? srcdir : ".", rel);
}

/* Adds name to set unless it is full. */
static void names_add(struct names *set, const char *name, size_t len)
{
	if (set->n < NAMES_MAX && len < NAME_MAX_LEN) {
		memcpy(set->name[set->n], name, len);
		set->name[set->n][len] = '\0';
		set->n++;
	}
}

/* Returns 1 when set holds name. */
static int names_has(const struct names *set, const char *name)
{
	for (size_t i = 0; i < set->n; i++)
		if (strcmp(set->name[i], name) == 0)
			return 1;
	return 0;
}

/* Fills set with the file names (without db/migrations/) that Makefile.am's
 * dist_migrations_DATA lists, in their order. Returns 0, or -1 when
 * Makefile.am cannot be read or has no such variable. */
static int listed_migrations(struct names *set)
{
	char path[1024], line[4096];
	int in_list = 0, found = 0;
	FILE *f;

	src_path("Makefile.am", path, sizeof(path));
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		if (!in_list && strncmp(line, "dist_migrations_DATA", 20) == 0)
			in_list = found = 1;
		if (!in_list)
			continue;
		for (char *p = strstr(line, "db/migrations/"); p != NULL;
		     p = strstr(p, "db/migrations/")) {
			p += strlen("db/migrations/");
			names_add(set, p, strcspn(p, " \t\\\n"));
		}
		/* a line without a trailing backslash ends the variable */
		size_t len = strcspn(line, "\n");
		while (len > 0 && (line[len - 1] == ' ' || line[len - 1] == '\t'))
			len--;
		if (len == 0 || line[len - 1] != '\\')
			in_list = 0;
	}
	fclose(f);
	return found ? 0 : -1;
}

/* Fills set with the *.sql file names of db/migrations. Returns 0, or -1
 * when the directory cannot be read. */
static int migration_files(struct names *set)
{
	char path[1024];
	struct dirent *e;
	DIR *d;

	src_path("db/migrations", path, sizeof(path));
	if ((d = opendir(path)) == NULL)
		return -1;
	while ((e = readdir(d)) != NULL) {
		size_t len = strlen(e->d_name);
		if (len > 4 && strcmp(e->d_name + len - 4, ".sql") == 0)
			names_add(set, e->d_name, len);
	}
	closedir(d);
	return 0;
}

static struct names listed, files;

/* Every file is listed, and every listed name is a file. */
static void test_list_matches_files(void)
{
	memset(&listed, 0, sizeof(listed));
	memset(&files, 0, sizeof(files));
	CU_ASSERT_EQUAL_FATAL(listed_migrations(&listed), 0);
	CU_ASSERT_EQUAL_FATAL(migration_files(&files), 0);
	CU_ASSERT(files.n > 0);
	for (size_t i = 0; i < files.n; i++) {
		int ok = names_has(&listed, files.name[i]);
		if (!ok)
			fprintf(stderr, "db/migrations/%s is not in dist_migrations_DATA\n",
			    files.name[i]);
		CU_ASSERT(ok);
	}
	for (size_t i = 0; i < listed.n; i++) {
		int ok = names_has(&files, listed.name[i]);
		if (!ok)
			fprintf(stderr,
			    "dist_migrations_DATA lists db/migrations/%s, "
			    "which does not exist\n",
			    listed.name[i]);
		CU_ASSERT(ok);
	}
}

/* The list runs in ascending order of NNNN_name.sql, each number once. */
static void test_list_ordered_and_numbered(void)
{
	CU_ASSERT_FATAL(listed.n > 0);
	for (size_t i = 0; i < listed.n; i++) {
		const char *name = listed.name[i];
		int ok = strspn(name, "0123456789") == 4 && name[4] == '_';
		if (ok && i > 0)
			ok = strncmp(listed.name[i - 1], name, 4) < 0;
		if (!ok)
			fprintf(stderr,
			    "dist_migrations_DATA: %s is out of order, repeats a "
			    "number or is not NNNN_name.sql\n",
			    name);
		CU_ASSERT(ok);
	}
}

int main(void)
{
	static const struct cu_test tests[] = {
		{ "dist_migrations_DATA lists exactly db/migrations/*.sql",
		    test_list_matches_files },
		{ "dist_migrations_DATA is in order, one migration a number",
		    test_list_ordered_and_numbered },
		{ NULL, NULL }
	};

	return cu_run("migrations", tests);
}
