/* A minimal FastCGI client, as a web server speaks to a worker: one
 * request over a connected socket. For the tests that talk to
 * dragoman.fcgi without a web server in between. */
#ifndef DRAGOMAN_TEST_FCGI_H
#define DRAGOMAN_TEST_FCGI_H

#include <stddef.h>

/* Sends a responder request for method and uri (no body) on fd, as
 * request 1. Returns 0, or -1 when the socket refused it. */
int fcgi_send_get(int fd, const char *method, const char *uri);

/* Reads the answer to fcgi_send_get() from fd for at most timeout_ms:
 * its stdout stream into out (NUL-terminated, cut at outsz - 1). Returns
 * 1 when the end-of-request record came, 0 when the connection ended
 * before it (reset or closed), -1 when nothing came for timeout_ms. */
int fcgi_read_answer(int fd, char *out, size_t outsz, int timeout_ms);

#endif
