#include "autoconfig.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "core/log.h"
#include "handlers/routes.h"
#include "proc/worker.h"
#include "server/app.h"
#include "server/loop.h"
#include "store/memo.h"
#include "translate/provider.h"

static volatile sig_atomic_t stop_requested;
static volatile sig_atomic_t reload_requested;

/* SIGTERM/SIGINT/SIGUSR1: finish the request in flight, then leave. Not
 * FCGX_ShutdownPending(): with it libfcgi accepts nothing more, and the
 * connections already waiting on the socket would be reset; the wait for
 * a connection is ppoll(), which the signal interrupts anyway. */
static void on_stop(int sig)
{
	(void)sig;
	stop_requested = 1;
}

/* SIGHUP: re-read the configuration between requests. */
static void on_reload(int sig)
{
	(void)sig;
	reload_requested = 1;
}

/* Body reader over a FastCGI input stream. Returns bytes read, 0 at end. */
static int fcgi_read(void *ctx, char *buf, int n)
{
	return FCGX_GetStr(buf, n, ctx);
}

/* Response writer over a FastCGI output stream. Returns 0 or -1. */
static int fcgi_write(void *ctx, const char *buf, size_t n)
{
	return FCGX_PutStr(buf, (int)n, ctx) == (int)n ? 0 : -1;
}

/* Makes fd non-blocking. Returns 0 or -1 (errno set). */
static int set_nonblocking(int fd)
{
	int flags = fcntl(fd, F_GETFL);

	return flags < 0 ? -1 : fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

/* On a TCP socket of its own, a stopping worker serves at most this many
 * connections waiting, the first of them arriving within STOP_GRACE_MS. */
#define STOP_SERVE_MAX 8
#define STOP_GRACE_MS 20

/* Returns 1 when a connection waits on the listening socket within
 * wait_ms, else 0. */
static int waiting(int listen_fd, int wait_ms)
{
	struct pollfd pfd = { listen_fd, POLLIN, 0 };

	return poll(&pfd, 1, wait_ms) == 1 && (pfd.revents & POLLIN) != 0;
}

/* Handles the request req accepted, finishes it, then runs the jobs it
 * left for after its response. */
static void serve_one(struct worker *w, FCGX_Request *req)
{
	struct app_io io = { req->envp, fcgi_read, req->in, fcgi_write, req->out };

	app_handle(w, handler_routes, &io);
	FCGX_Finish_r(req);
	/* outside the client's latency: its response has gone */
	worker_run_jobs(w);
}

/* Serves, after a stop, the connections a web server already gave this
 * worker's own socket (lighttpd and mod_fcgid give each worker one, and
 * mod_fcgid's process manager stops workers on a graceful restart while
 * Apache's children still hand them requests), then closes the socket.
 * A unix socket is first shut for reading: from then on the kernel
 * refuses a new connection, which the web server retries on another
 * worker, while every queued one can still be accepted. A listening TCP
 * socket cannot be shut so (its queue would be reset): the connections
 * waiting or arriving within STOP_GRACE_MS are served, STOP_SERVE_MAX at
 * most. */
static void serve_waiting(struct worker *w, FCGX_Request *req, int listen_fd)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);

	if (getsockname(listen_fd, (struct sockaddr *)&ss, &len) == 0 && ss.ss_family == AF_UNIX &&
	    shutdown(listen_fd, SHUT_RD) == 0) {
		while (FCGX_Accept_r(req) >= 0)
			serve_one(w, req);
	} else {
		for (int i = 0;
		     i < STOP_SERVE_MAX && waiting(listen_fd, i == 0 ? STOP_GRACE_MS : 0); i++) {
			if (FCGX_Accept_r(req) < 0)
				break;
			serve_one(w, req);
		}
	}
	close(listen_fd);
}

/* Installs the worker's signal handlers, without SA_RESTART so that the
 * wait for a connection returns. SIGUSR1, libfcgi's request for a
 * graceful exit, is a stop too: libfcgi's own handler only sets a flag
 * that makes its accept fail, which the non-blocking loop would retry
 * without end. */
static void worker_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	sa.sa_handler = on_reload;
	sigaction(SIGHUP, &sa, NULL);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
}

/* Replaces *cfg and w with ones made from config_path; on any error keeps
 * both and logs why. */
static void worker_reload(struct worker *w, struct config **cfg, const char *config_path)
{
	char err[512];
	struct config *next = provider_config_load(config_path, err, sizeof(err));
	struct worker nw;

	if (next == NULL) {
		log_msg(LOG_LEVEL_ERROR, "reload refused, keeping the running configuration: %s",
		    err);
		return;
	}
	if (worker_open(&nw, next, err, sizeof(err)) < 0) {
		log_msg(LOG_LEVEL_ERROR, "reload refused: %s", err);
		config_free(next);
		return;
	}
	app_stop(w);
	/* the language classifier does not depend on the configuration */
	nw.textcat = w->textcat;
	nw.textcat_free = w->textcat_free;
	w->textcat = NULL;
	worker_close(w);
	config_free(*cfg);
	memo_clear();
	*w = nw;
	*cfg = next;
	log_msg(LOG_LEVEL_INFO, "configuration reloaded from %s", config_path);
}

int worker_serve(int listen_fd, const char *config_path, int own_socket)
{
	char err[512];
	struct config *cfg = provider_config_load(config_path, err, sizeof(err));
	struct worker w;
	FCGX_Request req;
	sigset_t sigs, waitmask;

	if (cfg == NULL) {
		log_msg(LOG_LEVEL_ERROR, "cannot start: %s", err);
		return 1;
	}
	if (router_check(handler_routes, err, sizeof(err)) < 0 ||
	    worker_open(&w, cfg, err, sizeof(err)) < 0) {
		log_msg(LOG_LEVEL_ERROR, "cannot start: %s", err);
		config_free(cfg);
		return 1;
	}
	if (FCGX_Init() != 0 || FCGX_InitRequest(&req, listen_fd, 0) != 0) {
		log_msg(LOG_LEVEL_ERROR, "cannot start: FastCGI initialisation failed");
		worker_close(&w);
		config_free(cfg);
		return 1;
	}
	/* the handlers first: a SIGHUP or SIGTERM while the worker starts
	 * (loading leftovers of the spool) must not kill it */
	worker_signals();
	app_start(&w);
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	sigaddset(&sigs, SIGUSR1);
	/* Signals are taken only while waiting in ppoll(), which unblocks them
	 * atomically: one that arrives while a request is read, handled or
	 * written waits until the response is out. The socket is non-blocking
	 * so that a worker that loses the race for a connection returns from
	 * accept() at once instead of blocking with signals masked. */
	sigprocmask(SIG_BLOCK, &sigs, &waitmask);
	sigdelset(&waitmask, SIGTERM);
	sigdelset(&waitmask, SIGINT);
	sigdelset(&waitmask, SIGHUP);
	sigdelset(&waitmask, SIGUSR1);
	if (set_nonblocking(listen_fd) < 0)
		log_msg(LOG_LEVEL_WARN, "cannot make the listening socket non-blocking: %s",
		    strerror(errno));
	while (!stop_requested) {
		if (reload_requested) {
			reload_requested = 0;
			worker_reload(&w, &cfg, config_path);
		}
		struct pollfd pfd = { listen_fd, POLLIN, 0 };
		/* an idle worker still hands its counts on in time */
		long wait_ms = app_idle_wait_ms(&w);
		struct timespec wait = { wait_ms / 1000, (wait_ms % 1000) * 1000000L };
		int ready = ppoll(&pfd, 1, wait_ms >= 0 ? &wait : NULL, &waitmask);
		if (ready < 0) {
			if (errno == EINTR)
				continue;
			log_msg(LOG_LEVEL_ERROR, "poll on the listening socket: %s",
			    strerror(errno));
			break;
		}
		if (ready == 0) {
			app_idle(&w);
			continue;
		}
		int rc = FCGX_Accept_r(&req);
		if (rc == -EAGAIN || rc == -EWOULDBLOCK || rc == -ECONNABORTED || rc == -EINTR)
			continue;
		if (rc < 0) {
			if (!stop_requested)
				log_msg(LOG_LEVEL_ERROR, "accept failed (%d); worker exits", rc);
			break;
		}
		serve_one(&w, &req);
	}
	if (own_socket)
		serve_waiting(&w, &req, listen_fd);
	app_stop(&w);
	FCGX_Free(&req, 1);
	worker_close(&w);
	config_free(cfg);
	return 0;
}
