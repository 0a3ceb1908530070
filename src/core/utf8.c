#include "autoconfig.h"

#include "core/utf8.h"

/*
 * Well-formed UTF-8 (RFC 3629, Unicode table 3-7):
 *   00..7F | C2..DF 80..BF | E0 A0..BF 80..BF | E1..EC 80..BF 80..BF
 *   | ED 80..9F 80..BF | EE..EF 80..BF 80..BF | F0 90..BF 80..BF 80..BF
 *   | F1..F3 80..BF 80..BF 80..BF | F4 80..8F 80..BF 80..BF
 */
long utf8_count(const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;
	long n = 0;

	while (p < end) {
		unsigned char c = *p;
		int more;
		unsigned char lo = 0x80, hi = 0xBF;

		if (c < 0x80)
			more = 0;
		else if (c >= 0xC2 && c <= 0xDF)
			more = 1;
		else if (c >= 0xE0 && c <= 0xEF) {
			more = 2;
			if (c == 0xE0)
				lo = 0xA0;
			else if (c == 0xED)
				hi = 0x9F;
		} else if (c >= 0xF0 && c <= 0xF4) {
			more = 3;
			if (c == 0xF0)
				lo = 0x90;
			else if (c == 0xF4)
				hi = 0x8F;
		} else
			return -1;
		if (end - p <= more)
			return -1;
		for (int i = 1; i <= more; i++) {
			unsigned char b = p[i];
			if (i == 1 ? (b < lo || b > hi) : (b < 0x80 || b > 0xBF))
				return -1;
		}
		p += more + 1;
		n++;
	}
	return n;
}
