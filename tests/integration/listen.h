/* For the test fixtures: a listening TCP socket on 127.0.0.1. */
#ifndef DRAGOMAN_TEST_LISTEN_H
#define DRAGOMAN_TEST_LISTEN_H

/* Returns a socket listening on 127.0.0.1:port, or -1 (reported on stderr
 * under name). */
int listen_loopback(const char *name, int port);

/* The main of a fixture invoked as "NAME PORT SECONDS": listens on
 * 127.0.0.1:PORT and hands every accepted connection to on_conn (which
 * owns it) until SECONDS have passed. Returns the exit status. */
int fixture_main(const char *name, int argc, char **argv, void (*on_conn)(int fd));

#include <stddef.h>

/* One HTTP/1.1 request read by fixture_read_request(): all strings point
 * into a static buffer that the next read reuses. */
struct fixture_request {
	char method[8];
	char target[1024]; /* path and query */
	const char *headers; /* the header lines, "\r\n"-separated */
	const char *body; /* NUL-terminated */
	size_t body_len;
};

/* Reads one request (headers and a Content-Length body, at most 1 MiB)
 * from fd into rq. Returns 0, or -1 when none could be read. */
int fixture_read_request(int fd, struct fixture_request *rq);

/* Copies the value of header name (any case) of rq into buf. Returns buf,
 * or NULL when the header is absent. */
const char *fixture_header(const struct fixture_request *rq, const char *name, char *buf,
    size_t bufsz);

/* Writes an HTTP/1.1 response with a JSON body (Connection: close). */
void fixture_respond(int fd, int status, const char *body);

#endif
