/* For the test fixtures: a listening TCP socket on 127.0.0.1. */
#ifndef DRAGOMAN_TEST_LISTEN_H
#define DRAGOMAN_TEST_LISTEN_H

/* Returns a socket listening on 127.0.0.1:port, or -1 (reported on stderr
 * under name). */
int listen_loopback(const char *name, int port);

#endif
