#include "autoconfig.h"

#include <string.h>

#include "core/path.h"
#include "core/random.h"

/*
 * Accepted grammar (RFC 3986 path-absolute, then normalized):
 *   target   = "/" *( segment "/" ) segment [ "?" query ]
 *   segment  = *( pchar / pct-encoded )
 * Decoding and refusals, in order:
 *   - "%XX" is decoded; a malformed escape, a decoded "/" (%2F), NUL or any
 *     other control byte is refused, so no encoded byte can split or end
 *     a segment;
 *   - empty segments ("//") and "." segments are dropped;
 *   - ".." removes the previous segment, and is refused at the root;
 *   - the result has no trailing "/" except for the root itself.
 * Returns PROBLEM_NONE with out filled, or PROBLEM_BAD_PATH.
 */
enum problem path_canonicalize(const char *target, char *out, size_t outsz)
{
	size_t o = 0, seg_start;
	const unsigned char *p = (const unsigned char *)target;

	if (target == NULL || p[0] != '/' || outsz < 2)
		return PROBLEM_BAD_PATH;
	while (*p == '/' || (*p != '\0' && *p != '?')) {
		if (*p == '/') {
			p++;
			continue;
		}
		/* one segment: decode into out after a '/' */
		seg_start = o;
		if (o + 1 >= outsz)
			return PROBLEM_BAD_PATH;
		out[o++] = '/';
		while (*p != '\0' && *p != '/' && *p != '?') {
			unsigned char c = *p++;
			if (c == '%') {
				int hi = hex_digit_value(p[0]),
				    lo = hi < 0 ? -1 : hex_digit_value(p[1]);
				if (hi < 0 || lo < 0)
					return PROBLEM_BAD_PATH;
				c = (unsigned char)(hi * 16 + lo);
				p += 2;
				if (c == '/')
					return PROBLEM_BAD_PATH;
			}
			if (c < 0x20 || c == 0x7f)
				return PROBLEM_BAD_PATH;
			if (o + 1 >= outsz)
				return PROBLEM_BAD_PATH;
			out[o++] = (char)c;
		}
		if (o - seg_start == 2 && out[seg_start + 1] == '.') {
			o = seg_start;
		} else if (o - seg_start == 3 && out[seg_start + 1] == '.' &&
		    out[seg_start + 2] == '.') {
			if (seg_start == 0)
				return PROBLEM_BAD_PATH;
			o = seg_start;
			while (o > 0 && out[o - 1] != '/')
				o--;
			o--;
		}
	}
	if (o == 0)
		out[o++] = '/';
	out[o] = '\0';
	return PROBLEM_NONE;
}

const char *path_query(const char *target)
{
	const char *q = target != NULL ? strchr(target, '?') : NULL;

	return q != NULL ? q + 1 : "";
}
