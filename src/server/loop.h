/* The accept loop of one worker process. */
#ifndef DRAGOMAN_LOOP_H
#define DRAGOMAN_LOOP_H

/* Serves FastCGI requests accepted on listen_fd, one at a time, until
 * SIGTERM/SIGINT (the request in flight is finished first) or an accept
 * error. own_socket: listen_fd is this worker's alone (started by
 * lighttpd or mod_fcgid), whose waiting connections it serves before it
 * closes it on a stop; 0 under the prefork master, whose other workers
 * take them. The configuration is read from config_path and re-read on
 * SIGHUP between requests. Returns the process exit status. */
int worker_serve(int listen_fd, const char *config_path, int own_socket);

#endif
