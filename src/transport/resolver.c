/* resolver.c — MX and address lookups: the system resolver and an
 * helpers every implementation of resolver_ops uses (see resolver.h). */
#include "config.h"

#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <resolv.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>

#include "lib/buf.h"
#include "lib/i18n.h"
#include "lib/xalloc.h"
#include "transport/resolver.h"

/* ---- shared helpers ------------------------------------------------- */

void
resolver_mx_list_free(struct resolver_mx_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i].host);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

void
resolver_addr_list_free(struct resolver_addr_list *l)
{
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

void
resolver_mx_add(struct resolver_mx_list *l, unsigned pref, const char *host)
{
	size_t len = strlen(host);

	if (l->n >= RESOLVER_MAX_ANSWERS)
		return;
	if (len > 1 && host[len - 1] == '.')
		len--;
	l->v = xreallocarray(l->v, l->n + 1, sizeof(*l->v));
	l->v[l->n].pref = pref;
	l->v[l->n].host = xstrndup(host, len);
	l->n++;
}

void
resolver_addr_add(struct resolver_addr_list *l, const struct sockaddr *sa,
    socklen_t len)
{
	if (l->n >= RESOLVER_MAX_ANSWERS || len > sizeof(l->v[0].ss))
		return;
	l->v = xreallocarray(l->v, l->n + 1, sizeof(*l->v));
	memset(&l->v[l->n], 0, sizeof(l->v[l->n]));
	memcpy(&l->v[l->n].ss, sa, len);
	l->v[l->n].len = len;
	l->n++;
}

char *
resolver_ntop(const struct sockaddr *sa, char *dst, size_t n)
{
	const void *a = NULL;

	if (sa->sa_family == AF_INET)
		a = &((const struct sockaddr_in *)(const void *)sa)->sin_addr;
	else if (sa->sa_family == AF_INET6)
		a = &((const struct sockaddr_in6 *)(const void *)sa)->sin6_addr;
	if (a == NULL || inet_ntop(sa->sa_family, a, dst, (socklen_t)n) == NULL)
		snprintf(dst, n, "?");
	return dst;
}

unsigned
resolver_port(const struct sockaddr *sa)
{
	if (sa->sa_family == AF_INET)
		return ntohs(
		    ((const struct sockaddr_in *)(const void *)sa)->sin_port);
	if (sa->sa_family == AF_INET6)
		return ntohs(
		    ((const struct sockaddr_in6 *)(const void *)sa)->sin6_port);
	return 0;
}

int
resolver_mx(const struct resolver *r, const char *name,
    struct resolver_mx_list *out, struct err *e)
{
	return r->ops->mx(r->ctx, name, out, e);
}

int
resolver_addrs(const struct resolver *r, const char *host, unsigned port,
    int family, struct resolver_addr_list *out, struct err *e)
{
	return r->ops->addrs(r->ctx, host, port, family, out, e);
}

int
resolver_mx_done(struct resolver_mx_list *l, const char *name, struct err *e)
{
	if (l->n == 1 && strcmp(l->v[0].host, ".") == 0) {
		resolver_mx_list_free(l);
		return err_set(e, EX_NOHOST,
		    _("%s does not accept mail "
		      "(null MX record)"),
		    name);
	}
	return (int)l->n;
}

/* ---- the system resolver --------------------------------------------- */

static int
h_errno_error(int herr, const char *name, struct err *e)
{
	switch (herr) {
	case HOST_NOT_FOUND:
		return err_set(e, EX_NOHOST, _("no such host: %s"), name);
	case TRY_AGAIN:
		return err_set(e, EX_TEMPFAIL,
		    _("cannot look up %s: the DNS "
		      "server failed or did not answer in time; will retry"),
		    name);
	default:
		/* NO_RECOVERY (FORMERR, REFUSED, NOTIMP) is usually a resolver
		 * misconfiguration: retry rather than bounce mail. */
		return err_set(e, EX_TEMPFAIL,
		    _("cannot look up %s: the DNS "
		      "server refused or could not answer the query; check "
		      "/etc/resolv.conf"),
		    name);
	}
}

static int
parse_mx(const unsigned char *ans, int len, const char *name,
    struct resolver_mx_list *out, struct err *e)
{
	ns_msg msg;
	ns_rr rr;
	char host[NS_MAXDNAME];

	if (ns_initparse(ans, len, &msg) < 0)
		return err_set(e, EX_TEMPFAIL,
		    _("cannot look up %s: malformed "
		      "DNS answer"),
		    name);
	for (int i = 0; i < ns_msg_count(msg, ns_s_an); i++) {
		if (ns_parserr(&msg, ns_s_an, i, &rr) < 0)
			return err_set(e, EX_TEMPFAIL,
			    _("cannot look up %s: "
			      "malformed DNS answer"),
			    name);
		if (ns_rr_type(rr) != ns_t_mx || ns_rr_rdlen(rr) < 3)
			continue;
		if (dn_expand(ns_msg_base(msg), ns_msg_end(msg),
		        ns_rr_rdata(rr) + 2, host, sizeof(host)) < 0)
			return err_set(e, EX_TEMPFAIL,
			    _("cannot look up %s: "
			      "malformed DNS answer"),
			    name);
		resolver_mx_add(out, ns_get16(ns_rr_rdata(rr)),
		    host[0] ? host : ".");
	}
	return resolver_mx_done(out, name, e);
}

static int
sys_mx(void *ctx, const char *name, struct resolver_mx_list *out, struct err *e)
{
	struct __res_state rs;
	unsigned char ans[NS_MAXMSG];
	int len, r;

	(void)ctx;
	memset(&rs, 0, sizeof(rs));
	if (res_ninit(&rs) < 0)
		return err_set(e, EX_TEMPFAIL,
		    _("cannot look up %s: cannot "
		      "initialise the resolver; check /etc/resolv.conf"),
		    name);
	len = res_nquery(&rs, name, ns_c_in, ns_t_mx, ans, sizeof(ans));
	if (len < 0) {
		int herr = rs.res_h_errno;

		res_nclose(&rs);
		if (herr == NO_DATA)
			return 0;
		return h_errno_error(herr, name, e);
	}
	res_nclose(&rs);
	r = parse_mx(ans, len, name, out, e);
	if (r < 0)
		resolver_mx_list_free(out);
	return r;
}

static int
addrinfo_error(int rc, int errnum, const char *host, struct err *e)
{
	switch (rc) {
	case EAI_NONAME:
#ifdef EAI_NODATA
	case EAI_NODATA:
#endif
#ifdef EAI_ADDRFAMILY
	case EAI_ADDRFAMILY:
#endif
		return err_set(e, EX_NOHOST, _("no such host: %s"), host);
	case EAI_SYSTEM:
		return err_sys(e, EX_TEMPFAIL, errnum, _("cannot look up %s"),
		    host);
	default:
		return err_set(e, EX_TEMPFAIL,
		    _("cannot look up %s: %s; will "
		      "retry"),
		    host, gai_strerror(rc));
	}
}

static int
sys_addrs(void *ctx, const char *host, unsigned port, int family,
    struct resolver_addr_list *out, struct err *e)
{
	struct addrinfo hints, *res = NULL;
	char serv[16];
	int rc;

	(void)ctx;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = family;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	snprintf(serv, sizeof(serv), "%u", port);
	errno = 0;
	rc = getaddrinfo(host, serv, &hints, &res);
	if (rc != 0)
		return addrinfo_error(rc, errno, host, e);
	for (struct addrinfo *ai = res; ai != NULL; ai = ai->ai_next)
		if (ai->ai_family == AF_INET || ai->ai_family == AF_INET6)
			resolver_addr_add(out, ai->ai_addr, ai->ai_addrlen);
	freeaddrinfo(res);
	if (out->n == 0)
		return err_set(e, EX_NOHOST, _("no such host: %s"), host);
	return (int)out->n;
}

static const struct resolver_ops sys_ops = { sys_mx, sys_addrs };

void
resolver_system(struct resolver *r)
{
	r->ops = &sys_ops;
	r->ctx = NULL;
}

/* ---- a scripted lookup for DNS tests ---------------------------------- */

static int
describe_host(const struct resolver *r, const char *host, struct buf *out,
    struct err *e)
{
	struct resolver_addr_list al = { NULL, 0 };
	char a[INET6_ADDRSTRLEN];

	if (resolver_addrs(r, host, 0, AF_UNSPEC, &al, e) < 0)
		return -1;
	for (size_t i = 0; i < al.n; i++)
		buf_printf(out, "addr %s %s\n", host,
		    resolver_ntop((const struct sockaddr *)&al.v[i].ss, a,
		        sizeof(a)));
	resolver_addr_list_free(&al);
	return 0;
}

int
resolver_describe(const struct resolver *r, const char *name, struct buf *out,
    struct err *e)
{
	struct resolver_mx_list ml = { NULL, 0 };
	struct err first;
	int n, ok = 0;

	err_clear(&first);
	n = resolver_mx(r, name, &ml, e);
	if (n < 0)
		return -1;
	if (n == 0)
		return describe_host(r, name, out, e);
	for (size_t i = 0; i < ml.n; i++)
		buf_printf(out, "mx %u %s\n", ml.v[i].pref, ml.v[i].host);
	for (size_t i = 0; i < ml.n; i++) {
		struct err one;

		if (describe_host(r, ml.v[i].host, out, &one) == 0)
			ok = 1;
		else if (first.code == 0)
			first = one;
	}
	resolver_mx_list_free(&ml);
	if (!ok && e != NULL)
		*e = first;
	return ok ? 0 : -1;
}
