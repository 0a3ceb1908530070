/* dragoman.fcgi: the FastCGI worker. Spawned by a web server (listening
 * socket on fd 0) or standalone with --listen. */
#include "autoconfig.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <fastcgi.h>
#include <fcgiapp.h>

#include "core/config.h"
#include "proc/worker.h"
#include "server/loop.h"
#include "server/prefork.h"
#include "translate/provider.h"

static void usage(FILE *f)
{
	fprintf(f,
	    "usage: dragoman.fcgi [--config FILE]\n"
	    "         run under a FastCGI server (lighttpd bin-path, mod_fcgid)\n"
	    "       dragoman.fcgi --listen unix:/path|HOST:PORT [--workers N]\n"
	    "                     [--socket-mode OCTAL] [--pid-file FILE] [--config FILE]\n"
	    "         run standalone for mod_proxy_fcgi or nginx\n"
	    "       dragoman.fcgi --check-config [--config FILE]\n"
	    "       dragoman.fcgi --print-config-keys\n"
	    "         every configuration key, tab-separated: name, type, minimum,\n"
	    "         maximum, default, required, description (see dragoman.conf(5))\n"
	    "       dragoman.fcgi --version\n"
	    "The configuration file defaults to $DRAGOMAN_CONFIG, else %s.\n",
	    SYSCONFDIR "/dragoman/dragoman.conf");
}

/* Writes the configuration key table to f, one key a line, tab-separated:
 * name, type (string, integer, boolean), minimum and maximum (integers
 * only, else empty), default (empty when none), "required" or empty, and
 * the description. The build makes dragoman.conf(5) from it. */
static void print_config_keys(FILE *f)
{
	struct config_key_info k;

	for (size_t i = 0; config_key_info(i, &k) == 0; i++) {
		int num = strcmp(k.type, "integer") == 0;
		fprintf(f, "%s\t%s\t", k.name, k.type);
		if (num)
			fprintf(f, "%ld\t%ld\t", k.min, k.max);
		else
			fputs("\t\t", f);
		fprintf(f, "%s\t%s\t%s\n", k.def != NULL ? k.def : "", k.required ? "required" : "",
		    k.doc);
	}
}

/* Parses a bounded integer option. Returns 0 or -1. */
static int parse_int(const char *s, int base, long min, long max, int *out)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, base);
	if (errno != 0 || end == s || *end != '\0' || v < min || v > max)
		return -1;
	*out = (int)v;
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "listen", required_argument, NULL, 'l' },
		{ "workers", required_argument, NULL, 'w' },
		{ "socket-mode", required_argument, NULL, 'm' },
		{ "config", required_argument, NULL, 'c' },
		{ "pid-file", required_argument, NULL, 'p' },
		{ "check-config", no_argument, NULL, 'k' },
		{ "print-config-keys", no_argument, NULL, 'K' },
		{ "version", no_argument, NULL, 'V' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct prefork_options po = { NULL, 4, 0660, NULL, NULL };
	int c, check = 0;

	while ((c = getopt_long(argc, argv, "l:w:m:c:p:kKVh", opts, NULL)) != -1) {
		switch (c) {
		case 'l':
			po.listen = optarg;
			break;
		case 'c':
			po.config_path = optarg;
			break;
		case 'p':
			po.pid_file = optarg;
			break;
		case 'k':
			check = 1;
			break;
		case 'K':
			print_config_keys(stdout);
			return 0;
		case 'V':
			printf("dragoman.fcgi %s\n", PACKAGE_VERSION);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		case 'w':
			if (parse_int(optarg, 10, 1, 256, &po.workers) < 0) {
				fprintf(stderr, "dragoman.fcgi: --workers must be 1 to 256\n");
				return 2;
			}
			break;
		case 'm':
			if (parse_int(optarg, 8, 0, 0777, &po.socket_mode) < 0) {
				fprintf(stderr,
				    "dragoman.fcgi: --socket-mode must be octal, e.g. 0660\n");
				return 2;
			}
			break;
		default:
			usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		usage(stderr);
		return 2;
	}
	if (po.config_path == NULL)
		po.config_path = config_default_path();
	if (check) {
		char err[512];
		struct config *cfg = provider_config_load(po.config_path, err, sizeof(err));
		if (cfg == NULL) {
			fprintf(stderr, "dragoman.fcgi: %s\n", err);
			return 1;
		}
		config_free(cfg);
		printf("%s: configuration OK\n", po.config_path);
		return 0;
	}
	if (po.listen != NULL)
		return prefork_run(&po);
	if (FCGX_IsCGI()) {
		fprintf(stderr,
		    "dragoman.fcgi: not started by a FastCGI server "
		    "(no listening socket on fd 0); use --listen to run standalone\n");
		return 2;
	}
	return worker_serve(FCGI_LISTENSOCK_FILENO, po.config_path, 1);
}
