/* UTF-8 checks. */
#ifndef DRAGOMAN_UTF8_H
#define DRAGOMAN_UTF8_H

#include <stddef.h>

/* Returns the number of code points in s[0..len), or -1 when s is not
 * well-formed UTF-8 (overlong forms, surrogates and values above U+10FFFF
 * are refused). */
long utf8_count(const char *s, size_t len);

#endif
