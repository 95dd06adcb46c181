/* resolver.h — DNS lookups behind function pointers.
 *
 * Smarthost resolution asks two questions: the MX records of a name and
 * the addresses of a host.  Both go through struct resolver_ops so tests
 * inject an in-memory table (tests/unit/lib/fake_resolver.h) instead of
 * the network.
 *
 * Error classes, the same for every implementation:
 *   EX_NOHOST    the name does not exist (NXDOMAIN), or exists without any
 *                address: permanent, "no such host".
 *   EX_TEMPFAIL  SERVFAIL, timeout, refused, no usable resolver, or any
 *                other failure that may go away: retry later.
 * A name that exists but has no MX records is not an error: mx() returns 0
 * and the caller falls back to the name's own addresses (RFC 5321 §5.1).
 * None of these functions log. */
#ifndef RELAYQ_RESOLVER_H
#define RELAYQ_RESOLVER_H

#include <stddef.h>
#include <sys/socket.h>

#include "lib/buf.h"
#include "lib/err.h"

/* At most this many MX records or addresses are kept per answer. */
#define RESOLVER_MAX_ANSWERS 32

struct resolver_mx {
	unsigned pref;
	char *host; /* owned, no trailing dot */
};

struct resolver_mx_list {
	struct resolver_mx *v; /* owned */
	size_t n;
};

struct resolver_addr {
	struct sockaddr_storage ss;
	socklen_t len;
};

struct resolver_addr_list {
	struct resolver_addr *v; /* owned */
	size_t n;
};

struct resolver_ops {
	/* MX records of name, in the order the answer gave them (unsorted).
	 * Returns the number of records (> 0), 0 when the name exists but has
	 * no MX, -1 on error (EX_NOHOST / EX_TEMPFAIL).  A null MX (RFC 7505,
	 * a single record with host ".") is reported as EX_NOHOST. */
	int (*mx)(void *ctx, const char *name, struct resolver_mx_list *out,
	    struct err *e);
	/* Addresses of host (AF_INET, AF_INET6 or AF_UNSPEC for both) with
	 * port filled in.  Returns the count (> 0) or -1 (EX_NOHOST /
	 * EX_TEMPFAIL). */
	int (*addrs)(void *ctx, const char *host, unsigned port, int family,
	    struct resolver_addr_list *out, struct err *e);
};

struct resolver {
	const struct resolver_ops *ops;
	void *ctx;
};

/* The real resolver: res_nquery + ns_parserr for MX, getaddrinfo for
 * addresses (no AI_ADDRCONFIG, so a host with only loopback still
 * resolves).  Stateless: ctx is NULL. */
void resolver_system(struct resolver *r);

/* Convenience wrappers that call through r->ops. */
int resolver_mx(const struct resolver *r, const char *name,
    struct resolver_mx_list *out, struct err *e);
int resolver_addrs(const struct resolver *r, const char *host, unsigned port,
    int family, struct resolver_addr_list *out, struct err *e);

void resolver_mx_list_free(struct resolver_mx_list *l);
void resolver_addr_list_free(struct resolver_addr_list *l);

/* Formats the numeric address of sa (without port) into dst (size n, at
 * least INET6_ADDRSTRLEN).  Returns dst; "?" for an unknown family. */
char *resolver_ntop(const struct sockaddr *sa, char *dst, size_t n);
/* Port of an AF_INET/AF_INET6 address, 0 otherwise. */
unsigned resolver_port(const struct sockaddr *sa);

/* Looks up name as smarthost resolution would (MX, else the name's
 * addresses) with r and appends one line per result to out:
 *   "mx PREF HOST\n" for each MX record in answer order, then
 *   "addr HOST ADDRESS\n" for each address of each MX host (or of name
 *   itself when there is no MX).  For scripted DNS tests: returns 0, or -1
 *   with the first error when nothing resolved. */
int resolver_describe(const struct resolver *r, const char *name,
    struct buf *out, struct err *e);

/* ---- for implementations of resolver_ops --------------------------- */

/* Appends an MX record (host without its trailing dot; copied) to l;
 * beyond RESOLVER_MAX_ANSWERS records it is dropped. */
void resolver_mx_add(struct resolver_mx_list *l, unsigned pref,
    const char *host);
/* Appends the address sa (len bytes; copied) to l; beyond
 * RESOLVER_MAX_ANSWERS addresses it is dropped. */
void resolver_addr_add(struct resolver_addr_list *l, const struct sockaddr *sa,
    socklen_t len);
/* What mx() returns for the records collected in l for name: their
 * number, or -1 with EX_NOHOST (l freed) for a null MX (RFC 7505). */
int resolver_mx_done(struct resolver_mx_list *l, const char *name,
    struct err *e);

#endif
