/* The usage spool: usage events of requests that move no money, appended
 * by a worker to a file of its own before the response and loaded into
 * PostgreSQL with COPY in batches, exactly once (see spool.c). */
#ifndef DRAGOMAN_SPOOL_H
#define DRAGOMAN_SPOOL_H

#include <stddef.h>

/* The longest line a spool holds, its newline included. */
#define SPOOL_LINE_MAX 4096

struct db;
struct spool;

/* Returns a new spool writing into the directory dir (no file is made
 * until the first event), or NULL when out of memory. Free with
 * spool_free(). */
struct spool *spool_open(const char *dir) __attribute__((warn_unused_result));

/* Appends line[0..len) (one event in COPY text format, ending in '\n') to
 * the process's open segment, first registering a new one in db when there
 * is none or a loader took it. Returns 0 once the kernel holds the line,
 * or -1 (nothing written; the caller records the event another way). */
int spool_append(struct spool *s, struct db *db, const char *line, size_t len)
    __attribute__((warn_unused_result));

/* Returns 1 when the open segment should be loaded now: it holds
 * max_events lines, or its first is flush_ms old. */
int spool_due(const struct spool *s, long max_events, long flush_ms);

/* Returns the milliseconds until the open segment is due by age (0: now),
 * or -1 when nothing waits. */
long spool_wait_ms(const struct spool *s, long flush_ms);

/* Loads the process's open segment into db and closes it (the next event
 * opens another); never waits: when another process holds it, it stays
 * open and is tried again after another flush interval (0 returned).
 * Returns the events loaded, or -1 when it stays for a later load
 * (logged). */
long spool_load_own(struct spool *s, struct db *db);

/* Loads every segment file in dir (NULL: no spool): the leftovers of
 * workers that died, and the open segments of live ones (their next event
 * opens a new one). A segment another process holds is waited for up to
 * wait_ms (its writer lets go at once; a loader when it commits), then
 * left to it. Returns the events loaded, or -1 when one could not be
 * (logged; it stays). */
long spool_load_dir(const char *dir, struct db *db, long wait_ms);

/* Writes the text v (NULL: SQL NULL) at *p as one COPY text field, escaped,
 * followed by a tab, or by a newline when last; never past end (the
 * buffer's end). Returns 0 with *p moved, or -1 when it does not fit. */
int spool_field(char **p, char *end, const char *v, int last);

/* Closes the open segment (its file stays for a loader) and frees s;
 * NULL is allowed. */
void spool_free(struct spool *s);

#endif
