#include "autoconfig.h"

#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>

#include "core/addrlist.h"

/* Parses text as an address into out[16] (IPv4 in the last 4 bytes, as
 * ::ffff:a.b.c.d). Returns 4 or 6 for the family, or 0 when malformed. */
static int parse(const char *text, unsigned char out[16])
{
	static const unsigned char mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };

	if (inet_pton(AF_INET, text, out + 12) == 1) {
		memcpy(out, mapped, 12);
		return 4;
	}
	if (inet_pton(AF_INET6, text, out) == 1)
		return memcmp(out, mapped, 12) == 0 ? 4 : 6;
	return 0;
}

/* Returns 1 when the first bits bits of a and b are equal. */
static int prefix_equal(const unsigned char *a, const unsigned char *b, int bits)
{
	int bytes = bits / 8, rest = bits % 8;

	if (memcmp(a, b, (size_t)bytes) != 0)
		return 0;
	return rest == 0 || ((a[bytes] ^ b[bytes]) & (0xff << (8 - rest))) == 0;
}

/* Returns 1 when the entry (address or CIDR, len bytes) holds addr of
 * family fam. */
static int entry_match(const char *entry, size_t len, const unsigned char addr[16], int fam)
{
	char text[64], *slash, *end;
	unsigned char net[16];
	long bits;
	int nfam;

	if (len == 0 || len >= sizeof(text))
		return 0;
	memcpy(text, entry, len);
	text[len] = '\0';
	slash = strchr(text, '/');
	if (slash != NULL)
		*slash++ = '\0';
	if ((nfam = parse(text, net)) == 0 || nfam != fam)
		return 0;
	bits = nfam == 4 ? 32 : 128;
	if (slash != NULL) {
		long b = strtol(slash, &end, 10);
		if (*slash == '\0' || *end != '\0' || b < 0 || b > bits)
			return 0;
		bits = b;
	}
	/* IPv4 bits count from the mapped prefix's end */
	return prefix_equal(net, addr, (int)bits + (nfam == 4 ? 96 : 0));
}

int addrlist_match(const char *list, const char *addr)
{
	unsigned char a[16];
	int fam;

	if (list == NULL || addr == NULL || (fam = parse(addr, a)) == 0)
		return 0;
	while (*list != '\0') {
		size_t skip = strspn(list, " ,\t"), len;
		list += skip;
		len = strcspn(list, " ,\t");
		if (entry_match(list, len, a, fam))
			return 1;
		list += len;
	}
	return 0;
}
