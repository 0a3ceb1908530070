/* The accept loop of one worker process. */
#ifndef DRAGOMAN_LOOP_H
#define DRAGOMAN_LOOP_H

/* Serves FastCGI requests accepted on listen_fd, one at a time, until
 * SIGTERM/SIGINT (the request in flight is finished first) or an accept
 * error. The configuration is read from config_path and re-read on SIGHUP
 * between requests. Returns the process exit status. */
int worker_serve(int listen_fd, const char *config_path);

#endif
