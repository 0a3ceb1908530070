/* Access tokens: JSON Web Tokens (RFC 7519) signed with HMAC-SHA256 (JWS
 * HS256, RFC 7515) under one server secret. Only HS256 is accepted:
 * "none", RS256 and every other alg are refused, whatever the key. */
#ifndef DRAGOMAN_JWT_H
#define DRAGOMAN_JWT_H

#include <stddef.h>

#include "core/identity.h"

#define JWT_MAX_LEN 2048
#define JWT_SECRET_MIN 32

/* What dragoman puts in a token: sub (the user), sid (the session its
 * refresh token family is), iat and exp (seconds since the epoch). */
struct jwt_claims {
	char sub[UUID_STR_LEN + 1];
	char sid[UUID_STR_LEN + 1];
	long long iat, exp;
};

/* Writes the signed token for c, issuer iss and audience aud into out
 * (outsz bytes, NUL-terminated). Returns its length, or -1 when it does
 * not fit. */
long jwt_sign(const struct jwt_claims *c, const char *iss, const char *aud,
    const unsigned char *secret, size_t secret_len, char *out, size_t outsz);

/* Verifies token (len bytes): three base64url parts, a header whose alg
 * is HS256 (typ JWT if given, no crit), a signature that matches under
 * secret (constant-time), iss and aud equal to the given ones, exp after
 * now, nbf (if any) not after now, and UUID sub and sid. Returns 0 with
 * *out filled, or -1 with *why set to a static reason. */
int jwt_verify(const char *token, size_t len, const char *iss, const char *aud,
    const unsigned char *secret, size_t secret_len, long long now, struct jwt_claims *out,
    const char **why);

/* Returns 1 when token is shaped like a JWT (two dots), else 0. */
int jwt_shaped(const char *token);

#endif
