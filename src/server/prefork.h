/* Standalone mode (--listen): a master process that binds the socket,
 * preforks workers, restarts any that die, re-reads the configuration on
 * SIGHUP by replacing its workers, and on SIGTERM lets every worker finish
 * its request in flight before exiting. */
#ifndef DRAGOMAN_PREFORK_H
#define DRAGOMAN_PREFORK_H

struct prefork_options {
	const char *listen; /* "unix:/path", "/path", "host:port", ":port" */
	int workers;
	int socket_mode; /* permissions of a unix socket */
	const char *config_path;
	const char *pid_file; /* written after binding; NULL: none */
};

/* Runs the master until SIGTERM/SIGINT. Returns the process exit status
 * (non-zero when the configuration or the socket is unusable). */
int prefork_run(const struct prefork_options *opt);

#endif
