#include "autoconfig.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "core/log.h"
#include "core/self.h"

static const char *const level_names[LOG_LEVEL__MAX] = { "info", "warn", "error" };

/* Formats the current UTC time with milliseconds into buf (>= 32 bytes). */
static void log_timestamp(char *buf, size_t bufsz)
{
	struct timeval tv;
	struct tm tm;
	size_t n;

	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	n = strftime(buf, bufsz, "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, bufsz - n, ".%03ldZ", (long)(tv.tv_usec / 1000));
}

void log_fields(enum log_level level, struct json_object *fields)
{
	char ts[40];
	const char *line;

	if (fields == NULL)
		return;
	log_timestamp(ts, sizeof(ts));
	json_object_object_add(fields, "ts", json_object_new_string(ts));
	json_object_object_add(fields, "level",
	    json_object_new_string(level < LOG_LEVEL__MAX ? level_names[level] : "error"));
	json_object_object_add(fields, "pid", json_object_new_int((int)self_pid()));
	line = json_object_to_json_string_ext(fields,
	    JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	/* one write(2) so that lines from several processes do not interleave */
	char buf[8192];
	int n = snprintf(buf, sizeof(buf), "%s\n", line);
	size_t len = n > 0 ? (size_t)n : 0;
	if (len >= sizeof(buf)) {
		len = sizeof(buf);
		buf[len - 1] = '\n';
	}
	(void)!write(STDERR_FILENO, buf, len);
	json_object_put(fields);
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	char msg[2048];
	va_list ap;
	struct json_object *o = json_object_new_object();

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (o == NULL)
		return;
	json_object_object_add(o, "msg", json_object_new_string(msg));
	log_fields(level, o);
}
