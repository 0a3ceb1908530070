#include "autoconfig.h"

#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fcgi.h"

enum {
	FCGI_BEGIN_REQUEST = 1,
	FCGI_END_REQUEST = 3,
	FCGI_PARAMS = 4,
	FCGI_STDIN = 5,
	FCGI_STDOUT = 6
};

/* Writes one record of type with n bytes of body; a connection reset
 * is an error, not a SIGPIPE. Returns 0 or -1. */
static int put_record(int fd, int type, const unsigned char *body, size_t n)
{
	unsigned char head[8] = { 1, (unsigned char)type, 0, 1, (unsigned char)(n >> 8),
		(unsigned char)(n & 0xff), 0, 0 };

	if (send(fd, head, sizeof(head), MSG_NOSIGNAL) != (ssize_t)sizeof(head))
		return -1;
	return n == 0 || send(fd, body, n, MSG_NOSIGNAL) == (ssize_t)n ? 0 : -1;
}

/* Appends the name-value pair (both under 128 bytes) to buf at *len.
 * Returns 0, or -1 when buf is full. */
static int put_pair(unsigned char *buf, size_t bufsz, size_t *len, const char *name,
    const char *value)
{
	size_t nl = strlen(name), vl = strlen(value);

	if (nl > 127 || vl > 127 || *len + 2 + nl + vl > bufsz)
		return -1;
	buf[(*len)++] = (unsigned char)nl;
	buf[(*len)++] = (unsigned char)vl;
	memcpy(buf + *len, name, nl);
	memcpy(buf + *len + nl, value, vl);
	*len += nl + vl;
	return 0;
}

int fcgi_send_get(int fd, const char *method, const char *uri)
{
	const unsigned char begin[8] = { 0, 1 /* responder */, 0, 0, 0, 0, 0, 0 };
	const char *pairs[][2] = { { "REQUEST_METHOD", method }, { "REQUEST_URI", uri },
		{ "SCRIPT_NAME", "" }, { "QUERY_STRING", "" }, { "SERVER_PROTOCOL", "HTTP/1.1" },
		{ "REMOTE_ADDR", "127.0.0.1" }, { "CONTENT_LENGTH", "0" },
		{ "HTTP_HOST", "localhost" } };
	unsigned char params[1024];
	size_t len = 0;

	for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++)
		if (put_pair(params, sizeof(params), &len, pairs[i][0], pairs[i][1]) < 0)
			return -1;
	if (put_record(fd, FCGI_BEGIN_REQUEST, begin, sizeof(begin)) < 0 ||
	    put_record(fd, FCGI_PARAMS, params, len) < 0 ||
	    put_record(fd, FCGI_PARAMS, NULL, 0) < 0 || put_record(fd, FCGI_STDIN, NULL, 0) < 0)
		return -1;
	return 0;
}

/* Reads exactly n bytes into buf, waiting at most timeout_ms for each
 * chunk. Returns 1, 0 at the end of the stream or on an error, -1 when
 * nothing came in time. */
static int read_full(int fd, unsigned char *buf, size_t n, int timeout_ms)
{
	size_t got = 0;

	while (got < n) {
		struct pollfd p = { fd, POLLIN, 0 };
		if (poll(&p, 1, timeout_ms) != 1)
			return -1;
		ssize_t k = read(fd, buf + got, n - got);
		if (k <= 0)
			return 0;
		got += (size_t)k;
	}
	return 1;
}

int fcgi_read_answer(int fd, char *out, size_t outsz, int timeout_ms)
{
	unsigned char head[8], body[65536 + 256];
	size_t used = 0;

	out[0] = '\0';
	for (;;) {
		int rc = read_full(fd, head, sizeof(head), timeout_ms);
		if (rc != 1)
			return rc;
		size_t n = ((size_t)head[4] << 8 | head[5]) + head[6];
		if ((rc = read_full(fd, body, n, timeout_ms)) != 1)
			return rc;
		if (head[1] == FCGI_END_REQUEST)
			return 1;
		size_t content = n - head[6];
		if (head[1] == FCGI_STDOUT && used + 1 < outsz) {
			size_t take = content < outsz - 1 - used ? content : outsz - 1 - used;
			memcpy(out + used, body, take);
			used += take;
			out[used] = '\0';
		}
	}
}
