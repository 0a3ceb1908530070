#include "autoconfig.h"

#include <stdio.h>
#include <string.h>

#include <json-c/json.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "accounts/jwt.h"
#include "core/b64url.h"

/* {"alg":"HS256","typ":"JWT"} */
#define HEADER_B64 "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9"
#define SIG_LEN 32

int jwt_shaped(const char *token)
{
	const char *dot = strchr(token, '.');

	return dot != NULL && strchr(dot + 1, '.') != NULL;
}

/* Writes the HMAC-SHA256 of data (n bytes) under secret into mac. Returns
 * 0 or -1. */
static int mac_of(const unsigned char *secret, size_t secret_len, const char *data, size_t n,
    unsigned char mac[SIG_LEN])
{
	unsigned len = 0;

	return HMAC(EVP_sha256(), secret, (int)secret_len, (const unsigned char *)data, n, mac,
	           &len) != NULL &&
	        len == SIG_LEN
	    ? 0
	    : -1;
}

long jwt_sign(const struct jwt_claims *c, const char *iss, const char *aud,
    const unsigned char *secret, size_t secret_len, char *out, size_t outsz)
{
	struct json_object *o = json_object_new_object();
	unsigned char mac[SIG_LEN];
	const char *payload;
	size_t n, plen;

	json_object_object_add(o, "iss", json_object_new_string(iss));
	json_object_object_add(o, "aud", json_object_new_string(aud));
	json_object_object_add(o, "sub", json_object_new_string(c->sub));
	json_object_object_add(o, "sid", json_object_new_string(c->sid));
	json_object_object_add(o, "iat", json_object_new_int64(c->iat));
	json_object_object_add(o, "exp", json_object_new_int64(c->exp));
	payload = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	plen = strlen(payload);
	n = sizeof(HEADER_B64) - 1 + 1 + b64url_encoded_len(plen) + 1 + b64url_encoded_len(SIG_LEN);
	if (n + 1 > outsz) {
		json_object_put(o);
		return -1;
	}
	memcpy(out, HEADER_B64 ".", sizeof(HEADER_B64));
	n = sizeof(HEADER_B64);
	n += b64url_encode((const unsigned char *)payload, plen, out + n);
	json_object_put(o);
	if (mac_of(secret, secret_len, out, n, mac) < 0)
		return -1;
	out[n++] = '.';
	n += b64url_encode(mac, SIG_LEN, out + n);
	return (long)n;
}

/* Decodes the base64url JSON object in [s, s + len) into a new object
 * (caller puts it). Returns it, or NULL. */
static struct json_object *part_json(const char *s, size_t len)
{
	unsigned char buf[JWT_MAX_LEN];
	long n = b64url_decode(s, len, buf, sizeof(buf) - 1);
	struct json_object *o;

	if (n <= 0)
		return NULL;
	buf[n] = '\0';
	if (strlen((char *)buf) != (size_t)n)
		return NULL;
	o = json_tokener_parse((char *)buf);
	if (o != NULL && !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		return NULL;
	}
	return o;
}

/* Returns the string member name of o, or NULL when absent or not a string. */
static const char *str_member(struct json_object *o, const char *name)
{
	struct json_object *v;

	return json_object_object_get_ex(o, name, &v) && json_object_is_type(v, json_type_string)
	    ? json_object_get_string(v)
	    : NULL;
}

/* Reads the integer member name of o into *v. Returns 1 when present and
 * an integer, 0 when absent, -1 when of another type. */
static int int_member(struct json_object *o, const char *name, long long *v)
{
	struct json_object *x;

	if (!json_object_object_get_ex(o, name, &x))
		return 0;
	if (!json_object_is_type(x, json_type_int))
		return -1;
	*v = json_object_get_int64(x);
	return 1;
}

/* Checks the header object. Returns NULL, or the reason it is refused. */
static const char *header_check(struct json_object *h)
{
	const char *alg = str_member(h, "alg"), *typ = str_member(h, "typ");
	struct json_object *v;

	if (alg == NULL || strcmp(alg, "HS256") != 0)
		return "the token's alg is not HS256";
	if (json_object_object_get_ex(h, "typ", &v) && (typ == NULL || strcmp(typ, "JWT") != 0))
		return "the token's typ is not JWT";
	if (json_object_object_get_ex(h, "crit", &v))
		return "the token has critical extensions";
	return NULL;
}

/* Copies the UUID-length string member name of o into dst. Returns 0 or -1. */
static int uuid_member(struct json_object *o, const char *name, char dst[UUID_STR_LEN + 1])
{
	const char *s = str_member(o, name);

	if (s == NULL || strlen(s) != UUID_STR_LEN)
		return -1;
	memcpy(dst, s, UUID_STR_LEN + 1);
	return 0;
}

/* Checks the claims of payload p. Returns NULL with out filled, or the
 * reason they are refused. */
static const char *claims_check(struct json_object *p, const char *iss, const char *aud,
    long long now, struct jwt_claims *out)
{
	const char *s = str_member(p, "iss"), *a = str_member(p, "aud");
	long long nbf = 0;
	int has_nbf;

	if (s == NULL || strcmp(s, iss) != 0)
		return "the token's issuer is not this server";
	if (a == NULL || strcmp(a, aud) != 0)
		return "the token is for another audience";
	if (int_member(p, "exp", &out->exp) != 1 || int_member(p, "iat", &out->iat) != 1)
		return "the token lacks exp or iat";
	if (out->exp <= now)
		return "the token has expired";
	if ((has_nbf = int_member(p, "nbf", &nbf)) < 0 || (has_nbf && nbf > now))
		return "the token is not valid yet";
	if (uuid_member(p, "sub", out->sub) < 0 || uuid_member(p, "sid", out->sid) < 0)
		return "the token lacks its subject or session";
	return NULL;
}

int jwt_verify(const char *token, size_t len, const char *iss, const char *aud,
    const unsigned char *secret, size_t secret_len, long long now, struct jwt_claims *out,
    const char **why)
{
	const char *d1, *d2;
	unsigned char sig[SIG_LEN + 1], mac[SIG_LEN];
	struct json_object *h = NULL, *p = NULL;
	int rc = -1;

	memset(out, 0, sizeof(*out));
	*why = "the token is malformed";
	if (len > JWT_MAX_LEN || strlen(token) != len || (d1 = memchr(token, '.', len)) == NULL ||
	    (d2 = memchr(d1 + 1, '.', len - (size_t)(d1 + 1 - token))) == NULL ||
	    memchr(d2 + 1, '.', len - (size_t)(d2 + 1 - token)) != NULL)
		return -1;
	if ((h = part_json(token, (size_t)(d1 - token))) == NULL)
		goto out;
	if ((*why = header_check(h)) != NULL)
		goto out;
	*why = "the token's signature is wrong";
	if (b64url_decode(d2 + 1, len - (size_t)(d2 + 1 - token), sig, sizeof(sig)) != SIG_LEN ||
	    mac_of(secret, secret_len, token, (size_t)(d2 - token), mac) < 0 ||
	    CRYPTO_memcmp(sig, mac, SIG_LEN) != 0)
		goto out;
	*why = "the token is malformed";
	if ((p = part_json(d1 + 1, (size_t)(d2 - d1 - 1))) == NULL)
		goto out;
	if ((*why = claims_check(p, iss, aud, now, out)) == NULL)
		rc = 0;
out:
	json_object_put(h);
	json_object_put(p);
	if (rc < 0)
		memset(out, 0, sizeof(*out));
	return rc;
}
