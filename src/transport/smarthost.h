/* smarthost.h — sendmail SMART_HOST forms → an ordered list of endpoints.
 *
 * Accepted forms (one or several, separated by commas and/or white space;
 * listed order is failover order):
 *   [MAILER:]HOST[:PORT]        MX lookup of HOST, else its A/AAAA
 *   [MAILER:][HOST][:PORT]      brackets: no MX lookup, HOST's A/AAAA
 *   [MAILER:][IPv6:ADDR][:PORT] an IPv6 literal ("[ADDR]" is accepted too)
 *   [MAILER:][A.B.C.D][:PORT]   an IPv4 literal (also unbracketed)
 * MAILER is smtp, esmtp, smtp8 or relay (case-insensitive), and ignored:
 * relayq always speaks ESMTP.  PORT defaults to 587 (submission).
 *
 * TLS mode per endpoint: SMARTHOST_TLS_AUTO picks implicit TLS (RFC 8314)
 * on port 465 and STARTTLS (required) everywhere else; the caller's
 * configuration may force one mode for every smarthost.  Plain text
 * (SMARTHOST_TLS_NONE) only exists when the admin configured it.
 *
 * MX order: ascending preference; records with equal preference keep the
 * order of the DNS answer (DNS servers already rotate them), so that
 * resolution is deterministic and testable.  Each MX host's addresses
 * follow in resolver order.  A name without MX records uses its own
 * addresses (RFC 5321 §5.1). */
#ifndef RELAYQ_SMARTHOST_H
#define RELAYQ_SMARTHOST_H

#include <netinet/in.h>
#include <stddef.h>
#include <sys/socket.h>

#include "lib/buf.h"
#include "lib/err.h"

struct resolver;

#define SMARTHOST_DEFAULT_PORT 587
#define SMARTHOST_IMPLICIT_TLS_PORT 465

enum smarthost_tls {
	SMARTHOST_TLS_AUTO, /* parse input only: 465 → implicit, else starttls
	                     */
	SMARTHOST_TLS_STARTTLS, /* STARTTLS required */
	SMARTHOST_TLS_IMPLICIT, /* TLS from the first byte (RFC 8314) */
	SMARTHOST_TLS_NONE /* plain text: only when explicitly configured */
};

struct smarthost {
	char *spec; /* the item as written, for messages */
	char *host; /* name, or the literal address text */
	unsigned port;
	int bracketed;          /* no MX lookup */
	int literal;            /* host is a numeric IPv4/IPv6 address */
	enum smarthost_tls tls; /* never AUTO after parsing */
};

struct smarthost_list {
	struct smarthost *v; /* owned */
	size_t n;
};

struct smarthost_endpoint {
	char *host;  /* name for SNI and certificate checks (the MX
	              * host, the configured name, or the literal) */
	int literal; /* host is an address: no SNI */
	struct sockaddr_storage addr; /* port filled in */
	socklen_t addrlen;
	char addrstr[INET6_ADDRSTRLEN];
	unsigned port;
	enum smarthost_tls tls;
	size_t origin; /* index into the smarthost_list */
	int via_mx;
	unsigned mx_pref; /* when via_mx */
};

struct smarthost_endpoints {
	struct smarthost_endpoint *v; /* owned */
	size_t n;
};

/* Parses text into out (appending).  tls is the configured mode, or
 * SMARTHOST_TLS_AUTO.  Returns the number of smarthosts (> 0) or -1 with
 * EX_CONFIG and a message naming the bad item and the accepted forms; out
 * is left empty on error.  Does not log. */
int smarthost_parse(const char *text, enum smarthost_tls tls,
    struct smarthost_list *out, struct err *e);
void smarthost_list_free(struct smarthost_list *l);

/* Resolution (smarthost_resolve.c, the only part that links the resolver;
 * the front end parses smarthosts but never resolves them).
 *
 * Resolves every smarthost in order through r (family AF_UNSPEC, AF_INET
 * or AF_INET6) into out.  A smarthost that fails to resolve is skipped and
 * its error logged (LOG_WARNING) when others remain.  Returns the number
 * of endpoints (> 0), or -1 when none resolved: EX_TEMPFAIL if any failure
 * was temporary, else EX_NOHOST; the message is the first failure's. */
int smarthost_resolve(const struct smarthost_list *l, const struct resolver *r,
    int family, struct smarthost_endpoints *out, struct err *e);
void smarthost_endpoints_free(struct smarthost_endpoints *l);

/* Appends "HOST[ADDR]:PORT tls=MODE from=SPEC[ mx=PREF]\n" per endpoint. */
void smarthost_endpoints_format(const struct smarthost_list *l,
    const struct smarthost_endpoints *eps, struct buf *out);

/* "starttls", "implicit", "none" or "auto". */
const char *smarthost_tls_name(enum smarthost_tls t);
/* Parses one of those names (case-insensitive); -1 if unknown. */
int smarthost_tls_parse(const char *s, enum smarthost_tls *out);

#endif
