/* Secrets at rest: AES-256-GCM under master keys read from a key file.
 * The file holds one key per line (64 hex digits); the first encrypts,
 * every one decrypts, each known by its id (the first 8 bytes of its
 * SHA-256, in hex). Adding a new key, making it first, re-encrypting
 * (dragoman-admin secrets rotate) and then removing the old one changes
 * keys without downtime: the file is read again whenever it changes. */
#ifndef DRAGOMAN_SECRETS_H
#define DRAGOMAN_SECRETS_H

#include <stddef.h>

#define SECRETS_KEYS_MAX 4
#define SECRETS_KEY_ID_LEN 16
#define SECRETS_NONCE_LEN 12
#define SECRETS_TAG_LEN 16
#define SECRET_MAX 512

/* A sealed secret: which key, the nonce, and the ciphertext with its tag
 * appended (len bytes). */
struct sealed {
	char key_id[SECRETS_KEY_ID_LEN + 1];
	unsigned char nonce[SECRETS_NONCE_LEN];
	unsigned char data[SECRET_MAX + SECRETS_TAG_LEN];
	size_t len;
};

/* Loads (or reloads when it changed) the key file path into this process.
 * Returns the number of keys, or -1 (message in err) when the file is
 * missing, unreadable or holds a line that is not 64 hex digits. */
int secrets_load(const char *path, char *err, size_t errsz);

/* Writes the id of the first (encrypting) key into out. Returns 0, or -1
 * when no key is loaded. */
int secrets_current_id(char out[SECRETS_KEY_ID_LEN + 1]);

/* Seals the n bytes of plain (n <= SECRET_MAX) under the first key, bound
 * to aad (the row it belongs to). Returns 0 or -1. */
int secrets_seal(const char *aad, const char *plain, size_t n, struct sealed *out);

/* Opens s, which must be bound to aad, into plain (at least SECRET_MAX + 1
 * bytes, NUL-terminated). Returns its length, or -1 when its key is not
 * loaded or it was tampered with. */
long secrets_open(const char *aad, const struct sealed *s, char *plain);

#endif
