#include "autoconfig.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "listen.h"

int listen_loopback(const char *name, int port)
{
	struct sockaddr_in sa = { 0 };
	int one = 1, fd = socket(AF_INET, SOCK_STREAM, 0);

	sa.sin_family = AF_INET;
	sa.sin_port = htons((unsigned short)port);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (fd >= 0)
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 || listen(fd, 128) < 0) {
		perror(name);
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

int fixture_main(const char *name, int argc, char **argv, void (*on_conn)(int fd))
{
	time_t end;
	int fd;

	if (argc != 3) {
		fprintf(stderr, "usage: %s PORT SECONDS\n", name);
		return 2;
	}
	end = time(NULL) + atoi(argv[2]);
	fd = listen_loopback(name, atoi(argv[1]));
	if (fd < 0)
		return 1;
	printf("listening\n");
	fflush(stdout);
	while (time(NULL) < end) {
		struct pollfd p = { fd, POLLIN, 0 };
		if (poll(&p, 1, 200) <= 0)
			continue;
		int c = accept(fd, NULL, NULL);
		if (c >= 0)
			on_conn(c);
	}
	return 0;
}

#define REQ_MAX (1 << 20)

int fixture_read_request(int fd, struct fixture_request *rq)
{
	static char req[REQ_MAX + 1];
	size_t len = 0;
	char *end = NULL;
	long clen = 0;

	memset(rq, 0, sizeof(*rq));
	while (len < REQ_MAX) {
		ssize_t r = read(fd, req + len, REQ_MAX - len);
		if (r <= 0)
			return -1;
		len += (size_t)r;
		req[len] = '\0';
		if (end == NULL && (end = strstr(req, "\r\n\r\n")) != NULL) {
			char *cl = strcasestr(req, "\r\nContent-Length:");
			clen = cl != NULL && cl < end ? atol(cl + 17) : 0;
		}
		if (end != NULL && len >= (size_t)(end + 4 - req) + (size_t)clen)
			break;
	}
	if (end == NULL || sscanf(req, "%7s %1023s", rq->method, rq->target) != 2)
		return -1;
	end[2] = '\0'; /* the header block keeps its last CRLF */
	rq->headers = strchr(req, '\n') + 1;
	rq->body = end + 4;
	rq->body_len = (size_t)clen;
	return 0;
}

const char *fixture_header(const struct fixture_request *rq, const char *name, char *buf,
    size_t bufsz)
{
	size_t n = strlen(name);

	for (const char *l = rq->headers; l != NULL && *l != '\0';) {
		const char *eol = strstr(l, "\r\n");
		if (eol == NULL)
			break;
		if ((size_t)(eol - l) > n && strncasecmp(l, name, n) == 0 && l[n] == ':') {
			const char *v = l + n + 1;
			while (*v == ' ')
				v++;
			snprintf(buf, bufsz, "%.*s", (int)(eol - v), v);
			return buf;
		}
		l = eol + 2;
	}
	return NULL;
}

void fixture_respond(int fd, int status, const char *body)
{
	char head[256];
	int n = snprintf(head, sizeof(head),
	    "HTTP/1.1 %d X\r\nContent-Type: application/json\r\n"
	    "Content-Length: %zu\r\nConnection: close\r\n\r\n",
	    status, strlen(body));

	(void)!write(fd, head, (size_t)n);
	(void)!write(fd, body, strlen(body));
}
