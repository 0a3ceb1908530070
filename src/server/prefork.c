#include "autoconfig.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <fcgiapp.h>

#include "core/config.h"
#include "core/log.h"
#include "proc/worker.h"
#include "server/loop.h"
#include "server/prefork.h"
#include "translate/provider.h"

#define LISTEN_BACKLOG 1024

struct child {
	pid_t pid;
	unsigned generation;
	time_t started;
};

struct master {
	const struct prefork_options *opt;
	struct child *children;
	int nslots;
	unsigned generation;
	int stopping;
	time_t stop_deadline;
	long shutdown_timeout;
	time_t respawn_after;
};

/* Returns the path of a unix-socket listen spec, or NULL for TCP. */
static const char *unix_path(const char *spec)
{
	if (strncmp(spec, "unix:", 5) == 0)
		return spec + 5;
	return spec[0] == '/' ? spec : NULL;
}

/* Binds the listening socket. Returns its fd, or -1 (logged). */
static int open_listener(const struct prefork_options *opt)
{
	const char *path = unix_path(opt->listen);
	struct stat st;
	int fd;

	if (path != NULL && lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			log_msg(LOG_LEVEL_ERROR, "--listen %s: exists and is not a socket", path);
			return -1;
		}
		unlink(path);
	}
	fd = FCGX_OpenSocket(path != NULL ? path : opt->listen, LISTEN_BACKLOG);
	if (fd < 0) {
		log_msg(LOG_LEVEL_ERROR, "--listen %s: cannot bind: %s", opt->listen,
		    strerror(errno));
		return -1;
	}
	if (path != NULL && chmod(path, (mode_t)opt->socket_mode) < 0)
		log_msg(LOG_LEVEL_WARN, "chmod %s: %s", path, strerror(errno));
	return fd;
}

/* Writes our pid to path. Returns 0 or -1 (logged). */
static int write_pid_file(const char *path)
{
	FILE *f = fopen(path, "w");

	if (f == NULL || fprintf(f, "%d\n", (int)getpid()) < 0 || fclose(f) != 0) {
		log_msg(LOG_LEVEL_ERROR, "--pid-file %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* Forks one worker into a free slot. Returns 0, or -1 when fork fails. */
static int spawn(struct master *m, int listen_fd)
{
	int slot;
	pid_t pid;

	for (slot = 0; slot < m->nslots && m->children[slot].pid != 0; slot++)
		;
	if (slot == m->nslots)
		return -1;
	pid = fork();
	if (pid < 0) {
		log_msg(LOG_LEVEL_ERROR, "fork: %s", strerror(errno));
		return -1;
	}
	if (pid == 0) {
		sigset_t none;
		sigemptyset(&none);
		signal(SIGCHLD, SIG_DFL);
		sigprocmask(SIG_SETMASK, &none, NULL);
		_exit(worker_serve(listen_fd, m->opt->config_path, 0));
	}
	m->children[slot] = (struct child){ pid, m->generation, time(NULL) };
	return 0;
}

/* Returns the number of live workers of the current generation. */
static int current_workers(const struct master *m)
{
	int n = 0;

	for (int i = 0; i < m->nslots; i++)
		n += m->children[i].pid != 0 && m->children[i].generation == m->generation;
	return n;
}

/* Returns the number of live workers of any generation. */
static int live_workers(const struct master *m)
{
	int n = 0;

	for (int i = 0; i < m->nslots; i++)
		n += m->children[i].pid != 0;
	return n;
}

/* Reaps exited workers; one that died within a second of starting delays
 * the next respawn by a second so that a crash loop does not spin. */
static void reap(struct master *m)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		for (int i = 0; i < m->nslots; i++) {
			struct child *c = &m->children[i];
			if (c->pid != pid)
				continue;
			if (!m->stopping && c->generation == m->generation) {
				log_msg(LOG_LEVEL_WARN, "worker %d exited (%s %d); restarting",
				    (int)pid, WIFSIGNALED(status) ? "signal" : "status",
				    WIFSIGNALED(status) ? WTERMSIG(status) : WEXITSTATUS(status));
				if (time(NULL) - c->started < 1)
					m->respawn_after = time(NULL) + 1;
			}
			c->pid = 0;
		}
	}
}

/* Sends sig to the workers of older generations (all when every is set). */
static void signal_workers(const struct master *m, int sig, int every)
{
	for (int i = 0; i < m->nslots; i++)
		if (m->children[i].pid != 0 &&
		    (every || m->children[i].generation != m->generation))
			kill(m->children[i].pid, sig);
}

/* SIGHUP: if the configuration file is valid, start a new generation of
 * workers and retire the old one after its requests in flight. */
static void reload(struct master *m)
{
	char err[512];
	struct config *cfg = provider_config_load(m->opt->config_path, err, sizeof(err));

	if (cfg == NULL) {
		log_msg(LOG_LEVEL_ERROR, "reload refused, keeping the running workers: %s", err);
		return;
	}
	m->shutdown_timeout = cfg->shutdown_timeout;
	config_free(cfg);
	m->generation++;
	log_msg(LOG_LEVEL_INFO, "reloading: starting worker generation %u", m->generation);
}

/* Handles one signal taken by the master loop. */
static void master_signal(struct master *m, int sig)
{
	if (sig == SIGCHLD)
		reap(m);
	else if (sig == SIGHUP && !m->stopping)
		reload(m);
	else if ((sig == SIGTERM || sig == SIGINT) && !m->stopping) {
		m->stopping = 1;
		m->stop_deadline = time(NULL) + m->shutdown_timeout;
		log_msg(LOG_LEVEL_INFO, "stopping: waiting up to %lds for requests in flight",
		    m->shutdown_timeout);
	}
}

/* The master loop. Returns when stopping and every worker has exited. */
static void master_loop(struct master *m, int listen_fd)
{
	struct timespec tick = { 0, 100 * 1000 * 1000 };
	sigset_t sigs;

	sigemptyset(&sigs);
	sigaddset(&sigs, SIGCHLD);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	for (;;) {
		if (!m->stopping && time(NULL) >= m->respawn_after)
			while (current_workers(m) < m->opt->workers && spawn(m, listen_fd) == 0)
				;
		/* retiring workers get SIGTERM again on every tick (cheap, and a
		 * safety net: a worker takes signals only while it waits) */
		signal_workers(m, SIGTERM, m->stopping);
		if (m->stopping && time(NULL) >= m->stop_deadline)
			signal_workers(m, SIGKILL, 1);
		if (m->stopping && live_workers(m) == 0)
			return;
		int sig = sigtimedwait(&sigs, NULL, &tick);
		if (sig > 0)
			master_signal(m, sig);
		reap(m);
	}
}

int prefork_run(const struct prefork_options *opt)
{
	char err[512];
	struct config *cfg = provider_config_load(opt->config_path, err, sizeof(err));
	struct master m;
	sigset_t sigs;
	int fd;

	if (cfg == NULL) {
		fprintf(stderr, "dragoman.fcgi: %s\n", err);
		return 1;
	}
	memset(&m, 0, sizeof(m));
	m.opt = opt;
	m.shutdown_timeout = cfg->shutdown_timeout;
	config_free(cfg);
	m.nslots = opt->workers * 2;
	m.children = calloc((size_t)m.nslots, sizeof(*m.children));
	if (m.children == NULL || FCGX_Init() != 0 || (fd = open_listener(opt)) < 0) {
		free(m.children);
		return 1;
	}
	if (opt->pid_file != NULL && write_pid_file(opt->pid_file) < 0) {
		close(fd);
		free(m.children);
		return 1;
	}
	sigemptyset(&sigs);
	sigaddset(&sigs, SIGCHLD);
	sigaddset(&sigs, SIGTERM);
	sigaddset(&sigs, SIGINT);
	sigaddset(&sigs, SIGHUP);
	sigprocmask(SIG_BLOCK, &sigs, NULL);
	signal(SIGPIPE, SIG_IGN);
	log_msg(LOG_LEVEL_INFO, "listening on %s with %d workers", opt->listen, opt->workers);
	master_loop(&m, fd);
	close(fd);
	if (unix_path(opt->listen) != NULL)
		unlink(unix_path(opt->listen));
	if (opt->pid_file != NULL)
		unlink(opt->pid_file);
	free(m.children);
	log_msg(LOG_LEVEL_INFO, "stopped");
	return 0;
}
