/* Structured logging: one JSON object per line on stderr, which lighttpd
 * and Apache copy into their error logs. */
#ifndef DRAGOMAN_LOG_H
#define DRAGOMAN_LOG_H

#include <json-c/json.h>

enum log_level {
	LOG_LEVEL_INFO,
	LOG_LEVEL_WARN,
	LOG_LEVEL_ERROR,
	LOG_LEVEL__MAX
};

/* Writes {"ts","level","pid","msg"} built from the printf-style format. */
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Adds "ts", "level" and "pid" to fields and writes it as one line.
 * Takes ownership of fields (it is released here). */
void log_fields(enum log_level level, struct json_object *fields);

#endif
