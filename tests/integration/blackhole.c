/* A hung upstream for the breaker test: listens on 127.0.0.1:PORT,
 * accepts connections and never answers. Exits after SECONDS.
 *   blackhole PORT SECONDS */
#include "autoconfig.h"

#include "listen.h"

/* Keeps the connection open and never answers (the descriptor stays open
 * until the fixture exits). */
static void hold(int fd)
{
	(void)fd;
}

int main(int argc, char **argv)
{
	return fixture_main("blackhole", argc, argv, hold);
}
