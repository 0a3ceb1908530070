/* Password hashing with scrypt (RFC 7914, OpenSSL's EVP_PBE_scrypt), a
 * memory-hard KDF, and a random 16-byte salt per password. Stored as
 * "scrypt$ln=LOG2N,r=R,p=P$SALT$HASH" (base64url), so that the cost can
 * be raised later without breaking old hashes. */
#ifndef DRAGOMAN_PASSWORD_H
#define DRAGOMAN_PASSWORD_H

#include <stddef.h>

#define PASSWORD_HASH_MAX 160
#define PASSWORD_MIN_LEN 10
#define PASSWORD_MAX_LEN 1024

/* Hashes password with N = 2^log2n (r = 8, p = 1) into out (at least
 * PASSWORD_HASH_MAX bytes). Returns 0, or -1 (no randomness, no memory). */
int password_hash(const char *password, int log2n, char *out, size_t outsz)
    __attribute__((warn_unused_result));

/* Returns 1 when password matches stored (compared in constant time), 0
 * when it does not, -1 when stored is not a hash this module wrote. */
int password_verify(const char *password, const char *stored);

#endif
