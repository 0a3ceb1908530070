#include "autoconfig.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "accounts/password.h"
#include "core/b64url.h"
#include "core/random.h"

#define SALT_LEN 16
#define KEY_LEN 32
#define SCRYPT_R 8
#define SCRYPT_P 1

/* Derives KEY_LEN bytes into key. Returns 0 or -1. */
static int derive(const char *password, const unsigned char *salt, size_t salt_len, int log2n,
    int r, int p, unsigned char key[KEY_LEN])
{
	uint64_t n = (uint64_t)1 << log2n;
	/* scrypt needs 128 * N * r * p bytes, and a little more */
	uint64_t maxmem = 128 * n * (uint64_t)r * (uint64_t)p + (1u << 20);

	return EVP_PBE_scrypt(password, strlen(password), salt, salt_len, n, (uint64_t)r,
	           (uint64_t)p, maxmem, key, KEY_LEN) == 1
	    ? 0
	    : -1;
}

int password_hash(const char *password, int log2n, char *out, size_t outsz)
{
	unsigned char salt[SALT_LEN], key[KEY_LEN];
	char s64[32], k64[48];

	if (log2n < 10 || log2n > 20 || outsz < PASSWORD_HASH_MAX ||
	    random_bytes(salt, sizeof(salt)) < 0 ||
	    derive(password, salt, sizeof(salt), log2n, SCRYPT_R, SCRYPT_P, key) < 0)
		return -1;
	b64url_encode(salt, sizeof(salt), s64);
	b64url_encode(key, sizeof(key), k64);
	OPENSSL_cleanse(key, sizeof(key));
	snprintf(out, outsz, "scrypt$ln=%d,r=%d,p=%d$%s$%s", log2n, SCRYPT_R, SCRYPT_P, s64, k64);
	return 0;
}

int password_verify(const char *password, const char *stored)
{
	unsigned char salt[64], want[KEY_LEN + 1], got[KEY_LEN];
	int log2n, r, p, n = 0, ok;
	const char *s, *k;
	long salt_len;

	if (sscanf(stored, "scrypt$ln=%d,r=%d,p=%d$%n", &log2n, &r, &p, &n) != 3 || n == 0 ||
	    log2n < 10 || log2n > 20 || r < 1 || r > 32 || p < 1 || p > 4)
		return -1;
	s = stored + n;
	k = strchr(s, '$');
	if (k == NULL || (salt_len = b64url_decode(s, (size_t)(k - s), salt, sizeof(salt))) < 8 ||
	    b64url_decode(k + 1, strlen(k + 1), want, sizeof(want)) != KEY_LEN)
		return -1;
	if (derive(password, salt, (size_t)salt_len, log2n, r, p, got) < 0)
		return -1;
	ok = CRYPTO_memcmp(got, want, KEY_LEN) == 0;
	OPENSSL_cleanse(got, sizeof(got));
	return ok;
}
