/* A hung upstream for the breaker test: listens on 127.0.0.1:PORT,
 * accepts connections and never answers. Exits after SECONDS.
 *   blackhole PORT SECONDS */
#include "autoconfig.h"

#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "listen.h"

int main(int argc, char **argv)
{
	int fd;
	time_t end;

	if (argc != 3)
		return 2;
	end = time(NULL) + atoi(argv[2]);
	fd = listen_loopback("blackhole", atoi(argv[1]));
	if (fd < 0)
		return 1;
	printf("listening\n");
	fflush(stdout);
	while (time(NULL) < end) {
		struct pollfd p = { fd, POLLIN, 0 };
		if (poll(&p, 1, 200) > 0)
			(void)accept(fd, NULL, NULL);   /* held open, never read */
	}
	return 0;
}
