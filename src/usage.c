#include "autoconfig.h"

#include <stdio.h>
#include <string.h>

#include "db.h"
#include "log.h"
#include "usage.h"
#include "worker.h"

void usage_note_source(struct usage *u, const char *source)
{
	if (u->source[0] == '\0')
		snprintf(u->source, sizeof(u->source), "%s", source);
	else if (strcmp(u->source, source) != 0)
		snprintf(u->source, sizeof(u->source), "mul");
}

/* Returns s, or NULL (SQL NULL) when s is empty. */
static const char *nullable(const char *s)
{
	return s != NULL && s[0] != '\0' ? s : NULL;
}

int usage_record(struct worker *w, const struct identity *id, const char *request_id,
    const char *endpoint, const struct usage *u, int status, long duration_ms)
{
	char chars[24], billed[24], segs[16], cached[16], st[8], dur[24];
	const char *values[14];
	PGresult *res;
	int ok;

	snprintf(chars, sizeof(chars), "%lld", u->characters);
	snprintf(billed, sizeof(billed), "%lld", u->billed_characters);
	snprintf(segs, sizeof(segs), "%d", u->segments);
	snprintf(cached, sizeof(cached), "%d", u->cached_segments);
	snprintf(st, sizeof(st), "%d", status);
	snprintf(dur, sizeof(dur), "%ld", duration_ms < 0 ? 0 : duration_ms);
	values[0] = id->workspace_id;
	values[1] = nullable(id->key_id);
	values[2] = request_id;
	values[3] = endpoint;
	values[4] = nullable(u->source);
	values[5] = nullable(u->target);
	values[6] = nullable(u->provider);
	values[7] = nullable(u->model);
	values[8] = chars;
	values[9] = billed;
	values[10] = segs;
	values[11] = cached;
	values[12] = st;
	values[13] = dur;
	res = db_exec(w->db, STMT_USAGE_INSERT, values);
	ok = res != NULL && PQresultStatus(res) == PGRES_COMMAND_OK;
	if (!ok)
		log_msg(LOG_LEVEL_ERROR, "request %s: usage event not recorded: %s", request_id,
		    res != NULL ? PQresultErrorMessage(res) : db_error(w->db));
	PQclear(res);
	return ok ? 0 : -1;
}
