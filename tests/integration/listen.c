#include "autoconfig.h"

#include <arpa/inet.h>
#include <poll.h>
#include <stdlib.h>
#include <time.h>
#include <netinet/in.h>
#include <stdio.h>
#include <sys/socket.h>
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
