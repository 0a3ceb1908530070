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

#endif
