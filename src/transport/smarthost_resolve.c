/* smarthost_resolve.c — SMART_HOST entries → endpoints through the
 * resolver (see smarthost.h).  Apart from smarthost.c so that the front
 * end, which parses smarthosts (relayq check) but never resolves them,
 * links no resolver code. */
#include "config.h"

#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "lib/i18n.h"
#include "lib/log.h"
#include "lib/xalloc.h"
#include "transport/resolver.h"
#include "transport/smarthost.h"

void
smarthost_endpoints_free(struct smarthost_endpoints *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].host);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

static void
add_endpoint(struct smarthost_endpoints *out, const struct smarthost *sh,
    size_t origin, const char *host, const struct resolver_addr *a,
    const struct resolver_mx *mx)
{
	struct smarthost_endpoint *ep;

	out->v = xreallocarray(out->v, out->n + 1, sizeof(*out->v));
	ep = &out->v[out->n++];
	memset(ep, 0, sizeof(*ep));
	ep->host = xstrdup(host);
	ep->literal = sh->literal;
	memcpy(&ep->addr, &a->ss, a->len);
	ep->addrlen = a->len;
	resolver_ntop((const struct sockaddr *)&a->ss, ep->addrstr,
	    sizeof(ep->addrstr));
	ep->port = sh->port;
	ep->tls = sh->tls;
	ep->origin = origin;
	ep->via_mx = mx != NULL;
	ep->mx_pref = mx ? mx->pref : 0;
}

static int
add_host(struct smarthost_endpoints *out, const struct smarthost *sh,
    size_t origin, const struct resolver *r, int family, const char *host,
    const struct resolver_mx *mx, struct err *e)
{
	struct resolver_addr_list al = { NULL, 0 };

	if (resolver_addrs(r, host, sh->port, family, &al, e) < 0)
		return -1;
	for (size_t i = 0; i < al.n; i++)
		add_endpoint(out, sh, origin, host, &al.v[i], mx);
	resolver_addr_list_free(&al);
	return 0;
}

/* Stable insertion sort by preference: equal preferences keep the order
 * of the DNS answer (at most RESOLVER_MAX_ANSWERS records). */
static void
sort_mx(struct resolver_mx_list *ml)
{
	for (size_t i = 1; i < ml->n; i++) {
		struct resolver_mx x = ml->v[i];
		size_t j = i;

		for (; j > 0 && ml->v[j - 1].pref > x.pref; j--)
			ml->v[j] = ml->v[j - 1];
		ml->v[j] = x;
	}
}

/* An IP literal: no lookup at all. */
static int
add_literal(struct smarthost_endpoints *out, const struct smarthost *sh,
    size_t origin, int family, struct err *e)
{
	struct resolver_addr a;
	struct sockaddr_in *sin = (struct sockaddr_in *)&a.ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&a.ss;

	memset(&a, 0, sizeof(a));
	if (inet_pton(AF_INET, sh->host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons((unsigned short)sh->port);
		a.len = sizeof(*sin);
	} else if (inet_pton(AF_INET6, sh->host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons((unsigned short)sh->port);
		a.len = sizeof(*sin6);
	}
	if (a.len == 0 || (family != AF_UNSPEC && family != a.ss.ss_family))
		return err_set(e, EX_NOHOST,
		    _("smarthost %s: the address family "
		      "is not enabled"),
		    sh->spec);
	add_endpoint(out, sh, origin, sh->host, &a, NULL);
	return 1;
}

/* Endpoints of one smarthost; returns how many were added, or -1. */
static int
resolve_one(const struct smarthost *sh, size_t origin, const struct resolver *r,
    int family, struct smarthost_endpoints *out, struct err *e)
{
	struct resolver_mx_list ml = { NULL, 0 };
	size_t before = out->n;
	struct err first;
	int n;

	if (sh->literal)
		return add_literal(out, sh, origin, family, e);
	if (sh->bracketed)
		return add_host(out, sh, origin, r, family, sh->host, NULL, e) <
		        0 ?
		    -1 :
		    (int)(out->n - before);
	n = resolver_mx(r, sh->host, &ml, e);
	if (n < 0)
		return -1;
	if (n == 0)
		return add_host(out, sh, origin, r, family, sh->host, NULL, e) <
		        0 ?
		    -1 :
		    (int)(out->n - before);
	sort_mx(&ml);
	err_clear(&first);
	for (size_t i = 0; i < ml.n; i++) {
		struct err one;

		if (add_host(out, sh, origin, r, family, ml.v[i].host, &ml.v[i],
		        &one) < 0 &&
		    (first.code == 0 || one.code == EX_TEMPFAIL))
			first = one;
	}
	resolver_mx_list_free(&ml);
	if (out->n == before) {
		if (e != NULL)
			*e = first;
		return -1;
	}
	return (int)(out->n - before);
}

int
smarthost_resolve(const struct smarthost_list *l, const struct resolver *r,
    int family, struct smarthost_endpoints *out, struct err *e)
{
	struct err first;
	int temp = 0;

	err_clear(&first);
	for (size_t i = 0; i < l->n; i++) {
		struct err one;

		if (resolve_one(&l->v[i], i, r, family, out, &one) >= 0)
			continue;
		if (one.code == EX_TEMPFAIL)
			temp = 1;
		if (first.code == 0)
			first = one;
		if (l->n > 1)
			log_msg(LOG_WARNING, "smarthost %s skipped: %s",
			    l->v[i].spec, one.msg);
	}
	if (out->n > 0)
		return (int)out->n;
	if (e != NULL) {
		*e = first;
		e->code = temp ? EX_TEMPFAIL : EX_NOHOST;
	}
	return -1;
}

void
smarthost_endpoints_format(const struct smarthost_list *l,
    const struct smarthost_endpoints *eps, struct buf *out)
{
	for (size_t i = 0; i < eps->n; i++) {
		const struct smarthost_endpoint *ep = &eps->v[i];

		buf_printf(out, "%s[%s]:%u tls=%s from=%s", ep->host,
		    ep->addrstr, ep->port, smarthost_tls_name(ep->tls),
		    ep->origin < l->n ? l->v[ep->origin].spec : "?");
		if (ep->via_mx)
			buf_printf(out, " mx=%u", ep->mx_pref);
		buf_addc(out, '\n');
	}
}
