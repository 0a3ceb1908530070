/* base64url, access tokens (JWT HS256) and password hashing (scrypt):
 * round trips, and tables of hostile input each carrying its __LINE__. */
#include "autoconfig.h"

#include <stdio.h>
#include <string.h>

#include "accounts/jwt.h"
#include "accounts/password.h"
#include "core/b64url.h"
#include "cu_run.h"

static const unsigned char secret[] = "0123456789abcdef0123456789abcdef-test";
#define SECRET_LEN (sizeof(secret) - 1)
#define NOW 1800000000LL
#define UID "11111111-2222-4333-8444-555555555555"
#define SID "99999999-8888-4777-8666-555555555555"

struct b64_case {
	int line;
	const char *in;
	long len; /* decoded length, -1: refused */
};

static const struct b64_case b64_cases[] = {
	{ __LINE__, "", 0 },
	{ __LINE__, "YQ", 1 },
	{ __LINE__, "YWI", 2 },
	{ __LINE__, "YWJj", 3 },
	{ __LINE__, "_-8", 2 },
	{ __LINE__, "YQ==", -1 }, /* padding */
	{ __LINE__, "Y", -1 }, /* 1 mod 4 */
	{ __LINE__, "YR", -1 }, /* unused bits set: another spelling of "a" */
	{ __LINE__, "YW+j", -1 }, /* base64, not base64url */
	{ __LINE__, "YW/j", -1 },
	{ __LINE__, "YW j", -1 },
	{ __LINE__, "YW\nj", -1 },
};

static void test_b64url(void)
{
	unsigned char raw[256], back[256];
	char enc[400];

	for (int n = 0; n < 256; n++)
		raw[n] = (unsigned char)(n * 37 + 11);
	for (size_t n = 0; n <= sizeof(raw); n++) {
		size_t len = b64url_encode(raw, n, enc);
		CU_ASSERT_EQUAL(len, b64url_encoded_len(n));
		CU_ASSERT_EQUAL(b64url_decode(enc, len, back, sizeof(back)), (long)n);
		CU_ASSERT_EQUAL(memcmp(raw, back, n), 0);
	}
	for (size_t i = 0; i < sizeof(b64_cases) / sizeof(b64_cases[0]); i++) {
		const struct b64_case *c = &b64_cases[i];
		long got = b64url_decode(c->in, strlen(c->in), back, sizeof(back));
		if (got != c->len)
			fprintf(stderr, "\n  line %d: %ld\n", c->line, got);
		CU_ASSERT_EQUAL(got, c->len);
	}
	/* no room */
	CU_ASSERT_EQUAL(b64url_decode("YWJj", 4, back, 2), -1);
}

/* Signs the claims with iss/aud "dragoman"/"api" into out. */
static void sign(long long iat, long long exp, char *out)
{
	struct jwt_claims c;

	memset(&c, 0, sizeof(c));
	memcpy(c.sub, UID, sizeof(c.sub));
	memcpy(c.sid, SID, sizeof(c.sid));
	c.iat = iat;
	c.exp = exp;
	CU_ASSERT_FATAL(jwt_sign(&c, "dragoman", "api", secret, SECRET_LEN, out, JWT_MAX_LEN) > 0);
}

/* Writes token into out with its header replaced by the base64url of
 * header, the payload and signature kept. */
static void reheader(const char *token, const char *header, char *out)
{
	char h64[256];
	const char *body = strchr(token, '.');

	b64url_encode((const unsigned char *)header, strlen(header), h64);
	snprintf(out, JWT_MAX_LEN, "%s%s", h64, body);
}

static int verify(const char *t, long long now, const char **why)
{
	struct jwt_claims c;

	return jwt_verify(t, strlen(t), "dragoman", "api", secret, SECRET_LEN, now, &c, why);
}

static void test_jwt(void)
{
	char t[JWT_MAX_LEN], bad[JWT_MAX_LEN];
	struct jwt_claims c;
	const char *why = NULL;

	sign(NOW, NOW + 900, t);
	CU_ASSERT(jwt_shaped(t));
	CU_ASSERT_EQUAL(jwt_verify(t, strlen(t), "dragoman", "api", secret, SECRET_LEN, NOW, &c,
	                    &why),
	    0);
	CU_ASSERT_STRING_EQUAL(c.sub, UID);
	CU_ASSERT_STRING_EQUAL(c.sid, SID);
	CU_ASSERT_EQUAL(c.exp, NOW + 900);
	/* time */
	CU_ASSERT_EQUAL(verify(t, NOW + 900, &why), -1);
	CU_ASSERT_STRING_EQUAL(why, "the token has expired");
	CU_ASSERT_EQUAL(verify(t, NOW + 899, &why), 0);
	/* another issuer, audience, secret */
	CU_ASSERT_EQUAL(jwt_verify(t, strlen(t), "other", "api", secret, SECRET_LEN, NOW, &c, &why),
	    -1);
	CU_ASSERT_EQUAL(jwt_verify(t, strlen(t), "dragoman", "web", secret, SECRET_LEN, NOW, &c,
	                    &why),
	    -1);
	CU_ASSERT_EQUAL(jwt_verify(t, strlen(t), "dragoman", "api", secret, SECRET_LEN - 1, NOW, &c,
	                    &why),
	    -1);
	CU_ASSERT_STRING_EQUAL(why, "the token's signature is wrong");
	/* headers that are not HS256, whatever the signature */
	reheader(t, "{\"alg\":\"none\",\"typ\":\"JWT\"}", bad);
	CU_ASSERT_EQUAL(verify(bad, NOW, &why), -1);
	CU_ASSERT_STRING_EQUAL(why, "the token's alg is not HS256");
	reheader(t, "{\"alg\":\"RS256\",\"typ\":\"JWT\"}", bad);
	CU_ASSERT_EQUAL(verify(bad, NOW, &why), -1);
	reheader(t, "{\"alg\":\"hs256\"}", bad);
	CU_ASSERT_EQUAL(verify(bad, NOW, &why), -1);
	reheader(t, "{\"alg\":\"HS256\",\"crit\":[\"exp\"]}", bad);
	CU_ASSERT_EQUAL(verify(bad, NOW, &why), -1);
	reheader(t, "{\"alg\":\"HS256\",\"typ\":\"JOSE+JSON\"}", bad);
	CU_ASSERT_EQUAL(verify(bad, NOW, &why), -1);
	reheader(t, "[\"HS256\"]", bad);
	CU_ASSERT_EQUAL(verify(bad, NOW, &why), -1);
	/* a changed header with an unchanged signature */
	reheader(t, "{\"alg\":\"HS256\"}", bad);
	CU_ASSERT_EQUAL(verify(bad, NOW, &why), -1);
	CU_ASSERT_STRING_EQUAL(why, "the token's signature is wrong");
	/* shapes */
	CU_ASSERT_EQUAL(verify("", NOW, &why), -1);
	CU_ASSERT_EQUAL(verify("a.b", NOW, &why), -1);
	CU_ASSERT_EQUAL(verify("a.b.c.d", NOW, &why), -1);
	snprintf(bad, sizeof(bad), "%s.", t);
	CU_ASSERT_EQUAL(verify(bad, NOW, &why), -1);
	snprintf(bad, sizeof(bad), "%.*s", (int)strlen(t) - 1, t);
	CU_ASSERT_EQUAL(verify(bad, NOW, &why), -1);
	snprintf(bad, sizeof(bad), "%s", t);
	bad[strlen(bad) - 1] = bad[strlen(bad) - 1] == 'A' ? 'Q' : 'A';
	CU_ASSERT_EQUAL(verify(bad, NOW, &why), -1);
	CU_ASSERT(!jwt_shaped("dgm_12345678_abc"));
	/* too small to hold a token */
	struct jwt_claims k;
	memset(&k, 0, sizeof(k));
	CU_ASSERT_EQUAL(jwt_sign(&k, "dragoman", "api", secret, SECRET_LEN, bad, 40), -1);
}

static void test_password(void)
{
	char h1[PASSWORD_HASH_MAX], h2[PASSWORD_HASH_MAX];

	CU_ASSERT_EQUAL_FATAL(password_hash("correct horse battery", 10, h1, sizeof(h1)), 0);
	CU_ASSERT_EQUAL_FATAL(password_hash("correct horse battery", 10, h2, sizeof(h2)), 0);
	CU_ASSERT_EQUAL(strncmp(h1, "scrypt$ln=10,r=8,p=1$", 21), 0);
	/* a salt of its own each time */
	CU_ASSERT_STRING_NOT_EQUAL(h1, h2);
	CU_ASSERT_EQUAL(password_verify("correct horse battery", h1), 1);
	CU_ASSERT_EQUAL(password_verify("correct horse battery", h2), 1);
	CU_ASSERT_EQUAL(password_verify("correct horse batterY", h1), 0);
	CU_ASSERT_EQUAL(password_verify("", h1), 0);
	/* not ours, or tampered with */
	CU_ASSERT_EQUAL(password_verify("x", "plain"), -1);
	CU_ASSERT_EQUAL(password_verify("x", "scrypt$ln=40,r=8,p=1$AAAAAAAAAAA$AAAA"), -1);
	CU_ASSERT_EQUAL(password_verify("x", "scrypt$ln=10,r=8,p=1$short$AAAA"), -1);
	h1[strlen(h1) - 2] = h1[strlen(h1) - 2] == 'A' ? 'B' : 'A';
	CU_ASSERT_NOT_EQUAL(password_verify("correct horse battery", h1), 1);
	/* a cost out of range is refused */
	CU_ASSERT_EQUAL(password_hash("x", 9, h2, sizeof(h2)), -1);
	CU_ASSERT_EQUAL(password_hash("x", 10, h2, 10), -1);
}

int main(void)
{
	static const struct cu_test tests[] = {
		{ "base64url round trips and strictness", test_b64url },
		{ "JWT HS256: claims, time, alg, signature, shape", test_jwt },
		{ "scrypt password hashes", test_password },
		{ NULL, NULL },
	};

	return cu_run("jwt", tests);
}
