/* Cryptographically strong randomness and hex encoding. */
#ifndef DRAGOMAN_RANDOM_H
#define DRAGOMAN_RANDOM_H

#include <stddef.h>

/* Fills buf with n random bytes from the kernel (getrandom(2)).
 * Returns 0, or -1 when the kernel refuses. */
int random_bytes(void *buf, size_t n) __attribute__((warn_unused_result));

/* Writes 2*n lowercase hex digits of in[0..n) and a NUL into out. */
void hex_encode(const unsigned char *in, size_t n, char *out);

/* Returns the value 0-15 of hex digit c (either case), or -1. */
int hex_digit_value(int c);

/* Decodes the 2 * n hex digits (either case) at hex into out[0..n).
 * Returns 0, or -1 at the first character that is not a hex digit. */
int hex_decode(const char *hex, size_t n, unsigned char *out);

/* Returns 1 when s is exactly len lowercase hex digits, else 0. */
int hex_is_lower(const char *s, size_t len);

#endif
