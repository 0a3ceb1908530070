/* Matching a client address against a list of addresses and networks. */
#ifndef DRAGOMAN_ADDRLIST_H
#define DRAGOMAN_ADDRLIST_H

/* Returns 1 when addr (an IPv4 or IPv6 address in text form, as in
 * REMOTE_ADDR) is one of list's entries: addresses or CIDR networks
 * ("127.0.0.1 ::1 10.0.0.0/8 2001:db8::/32") separated by spaces or
 * commas. An IPv4-mapped IPv6 address (::ffff:a.b.c.d) matches as its
 * IPv4 address. Returns 0 otherwise, and for a NULL or malformed addr;
 * malformed entries match nothing. */
int addrlist_match(const char *list, const char *addr);

#endif
