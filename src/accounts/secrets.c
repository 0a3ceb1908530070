#include "autoconfig.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/sha.h>

#include "accounts/secrets.h"
#include "core/random.h"

/* This process's copy of the key file, and what the file was when read. */
static struct {
	unsigned char key[SECRETS_KEYS_MAX][32];
	char id[SECRETS_KEYS_MAX][SECRETS_KEY_ID_LEN + 1];
	int n;
	struct timespec mtime;
	off_t size;
	ino_t ino;
} ring;

/* Sets the id of key i from its SHA-256. */
static void key_id_set(int i)
{
	unsigned char md[SHA256_DIGEST_LENGTH];

	SHA256(ring.key[i], 32, md);
	hex_encode(md, SECRETS_KEY_ID_LEN / 2, ring.id[i]);
}

/* Makes the n keys this process's ring, the first sealing. */
static void set_keys(const unsigned char keys[][32], int n)
{
	OPENSSL_cleanse(&ring, sizeof(ring));
	for (int i = 0; i < n && i < SECRETS_KEYS_MAX; i++) {
		memcpy(ring.key[i], keys[i], 32);
		key_id_set(i);
		ring.n = i + 1;
	}
}

/* Parses 64 hex digits at line into key. Returns 0 or -1. */
static int parse_key(const char *line, size_t len, unsigned char key[32])
{
	return len == 64 ? hex_decode(line, 32, key) : -1;
}

int secrets_load(const char *path, char *err, size_t errsz)
{
	unsigned char keys[SECRETS_KEYS_MAX][32];
	char buf[2048];
	struct stat st;
	size_t len;
	int n = 0;
	FILE *f;

	if (path == NULL || stat(path, &st) < 0) {
		snprintf(err, errsz, "master_keys_file %s: %s", path ? path : "(unset)",
		    path ? strerror(errno) : "not configured");
		return -1;
	}
	if (ring.n > 0 && st.st_mtim.tv_sec == ring.mtime.tv_sec &&
	    st.st_mtim.tv_nsec == ring.mtime.tv_nsec && st.st_size == ring.size &&
	    st.st_ino == ring.ino)
		return ring.n;
	f = fopen(path, "r");
	if (f == NULL) {
		snprintf(err, errsz, "master_keys_file %s: %s", path, strerror(errno));
		return -1;
	}
	len = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[len] = '\0';
	for (char *line = buf; *line != '\0' && n <= SECRETS_KEYS_MAX;) {
		size_t l = strcspn(line, "\r\n");
		if (l > 0 && line[0] != '#') {
			if (n == SECRETS_KEYS_MAX || parse_key(line, l, keys[n]) < 0) {
				snprintf(err, errsz,
				    "master_keys_file %s: each line must be a key of 64 hex "
				    "digits (at most %d keys)",
				    path, SECRETS_KEYS_MAX);
				OPENSSL_cleanse(buf, sizeof(buf));
				OPENSSL_cleanse(keys, sizeof(keys));
				return -1;
			}
			n++;
		}
		line += l;
		line += strspn(line, "\r\n");
	}
	OPENSSL_cleanse(buf, sizeof(buf));
	if (n == 0) {
		snprintf(err, errsz, "master_keys_file %s: holds no key", path);
		return -1;
	}
	set_keys((const unsigned char(*)[32])keys, n);
	OPENSSL_cleanse(keys, sizeof(keys));
	ring.mtime = st.st_mtim;
	ring.size = st.st_size;
	ring.ino = st.st_ino;
	return n;
}

int secrets_current_id(char out[SECRETS_KEY_ID_LEN + 1])
{
	if (ring.n == 0)
		return -1;
	memcpy(out, ring.id[0], SECRETS_KEY_ID_LEN + 1);
	return 0;
}

/* Runs AES-256-GCM over in (n bytes) with key, nonce and aad: encrypting
 * into out and writing the tag, or decrypting and checking it. Returns the
 * output length, or -1. */
static long gcm(int encrypt, const unsigned char *key, const unsigned char *nonce, const char *aad,
    const unsigned char *in, size_t n, unsigned char *out, unsigned char *tag)
{
	EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
	int len = 0, fin = 0, ok;

	ok = c != NULL && EVP_CipherInit_ex(c, EVP_aes_256_gcm(), NULL, NULL, NULL, encrypt) == 1 &&
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, SECRETS_NONCE_LEN, NULL) == 1 &&
	    EVP_CipherInit_ex(c, NULL, NULL, key, nonce, encrypt) == 1 &&
	    EVP_CipherUpdate(c, NULL, &len, (const unsigned char *)aad, (int)strlen(aad)) == 1 &&
	    EVP_CipherUpdate(c, out, &len, in, (int)n) == 1 &&
	    (encrypt || EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, SECRETS_TAG_LEN, tag) == 1) &&
	    EVP_CipherFinal_ex(c, out + len, &fin) == 1 &&
	    (!encrypt || EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, SECRETS_TAG_LEN, tag) == 1);
	EVP_CIPHER_CTX_free(c);
	return ok ? len + fin : -1;
}

int secrets_seal(const char *aad, const char *plain, size_t n, struct sealed *out)
{
	long len;

	if (ring.n == 0 || n > SECRET_MAX || random_bytes(out->nonce, SECRETS_NONCE_LEN) < 0)
		return -1;
	memcpy(out->key_id, ring.id[0], SECRETS_KEY_ID_LEN + 1);
	len = gcm(1, ring.key[0], out->nonce, aad, (const unsigned char *)plain, n, out->data,
	    out->data + n);
	if (len != (long)n)
		return -1;
	out->len = n + SECRETS_TAG_LEN;
	return 0;
}

long secrets_open(const char *aad, const struct sealed *s, char *plain)
{
	unsigned char tag[SECRETS_TAG_LEN];
	size_t n;
	long len;

	if (s->len < SECRETS_TAG_LEN || s->len > SECRET_MAX + SECRETS_TAG_LEN)
		return -1;
	n = s->len - SECRETS_TAG_LEN;
	memcpy(tag, s->data + n, SECRETS_TAG_LEN);
	for (int i = 0; i < ring.n; i++) {
		if (strcmp(ring.id[i], s->key_id) != 0)
			continue;
		len = gcm(0, ring.key[i], s->nonce, aad, s->data, n, (unsigned char *)plain, tag);
		if (len != (long)n) {
			OPENSSL_cleanse(plain, n);
			return -1;
		}
		plain[n] = '\0';
		return len;
	}
	return -1;
}
