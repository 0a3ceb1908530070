/* base64url without padding (RFC 4648 section 5), as JWTs use it. */
#ifndef DRAGOMAN_B64URL_H
#define DRAGOMAN_B64URL_H

#include <stddef.h>

/* Returns the length b64url_encode() writes for n bytes (no NUL). */
size_t b64url_encoded_len(size_t n);

/* Encodes n bytes of in into out (at least b64url_encoded_len(n) + 1
 * bytes), NUL-terminated. Returns the length written. */
size_t b64url_encode(const unsigned char *in, size_t n, char *out);

/* Decodes the len characters of in into out (outsz bytes). Strict: only
 * [A-Za-z0-9_-], no padding, no length of 1 mod 4, and unused low bits
 * zero, so that one value has one spelling. Returns the byte count, or -1. */
long b64url_decode(const char *in, size_t len, unsigned char *out, size_t outsz);

#endif
