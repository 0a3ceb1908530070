/* The benchmark baseline: a FastCGI application that does nothing but
 * answer every request with a small JSON document and the same headers
 * dragoman sends, so that "dragoman / baseline" measures dragoman's own
 * work (parsing, auth, memcached, PostgreSQL), not the web server's. */
#include "autoconfig.h"

#include <fcgiapp.h>

int main(void)
{
	static const char response[] =
	    "Status: 200 OK\r\n"
	    "Content-Type: application/json\r\n"
	    "Content-Length: 15\r\n"
	    "X-Request-Id: 00000000000000000000000000000000\r\n"
	    "X-Content-Type-Options: nosniff\r\n"
	    "X-Frame-Options: DENY\r\n"
	    "Referrer-Policy: no-referrer\r\n"
	    "Content-Security-Policy: default-src 'none'; frame-ancestors 'none'\r\n"
	    "Cache-Control: no-store\r\n"
	    "\r\n"
	    "{\"status\":\"ok\"}";
	FCGX_Request req;

	if (FCGX_Init() != 0 || FCGX_InitRequest(&req, 0, 0) != 0)
		return 1;
	while (FCGX_Accept_r(&req) >= 0) {
		FCGX_PutStr(response, (int)sizeof(response) - 1, req.out);
		FCGX_Finish_r(&req);
	}
	return 0;
}
