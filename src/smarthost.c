/* smarthost.c — SMART_HOST forms and their resolution (see smarthost.h). */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>

#include "i18n.h"
#include "log.h"
#include "smarthost.h"
#include "xalloc.h"

#define FORMS N_("write it as host, host:port, [host]:port, " \
	"[192.0.2.1]:port or [IPv6:2001:db8::1]:port")

static const char *const mailers[] = { "smtp", "esmtp", "smtp8", "relay" };

static const char *const tls_names[] = {
	[SMARTHOST_TLS_AUTO] = "auto",
	[SMARTHOST_TLS_STARTTLS] = "starttls",
	[SMARTHOST_TLS_IMPLICIT] = "implicit",
	[SMARTHOST_TLS_NONE] = "none",
};

const char *
smarthost_tls_name(enum smarthost_tls t)
{
	return (unsigned)t < sizeof(tls_names) / sizeof(tls_names[0]) ?
	    tls_names[t] : "?";
}

int
smarthost_tls_parse(const char *s, enum smarthost_tls *out)
{
	for (size_t i = 0; i < sizeof(tls_names) / sizeof(tls_names[0]); i++)
		if (strcasecmp(s, tls_names[i]) == 0) {
			*out = (enum smarthost_tls)i;
			return 0;
		}
	return -1;
}

static int
valid_hostname(const char *h)
{
	size_t label = 0, total = strlen(h);

	if (total == 0 || total > 253 || h[0] == '.')
		return 0;
	for (const char *p = h; *p; p++) {
		if (*p == '.') {
			if (label == 0 || p[-1] == '-')
				return 0;
			label = 0;
		} else if (isalnum((unsigned char)*p) || *p == '_' ||
		    (*p == '-' && label > 0)) {
			if (++label > 63)
				return 0;
		} else
			return 0;
	}
	return h[total - 1] != '-';
}

static int
all_digits(const char *s)
{
	if (*s == '\0')
		return 0;
	for (; *s; s++)
		if (!isdigit((unsigned char)*s))
			return 0;
	return 1;
}

/* Strips a MAILER: prefix; sets *rest.  Fails on an unknown mailer word
 * ("uucp:host"); "host:port" and a bare IPv6 address are not prefixes. */
static int
strip_mailer(const char *item, const char **rest, struct err *e)
{
	const char *colon = strchr(item, ':');
	size_t n;

	*rest = item;
	if (item[0] == '[' || colon == NULL || all_digits(colon + 1))
		return 0;
	n = (size_t)(colon - item);
	for (size_t i = 0; i < sizeof(mailers) / sizeof(mailers[0]); i++)
		if (strlen(mailers[i]) == n && strncasecmp(item, mailers[i], n) == 0) {
			*rest = colon + 1;
			return 0;
		}
	if (strchr(colon + 1, ':') != NULL)
		return 0;    /* a bare IPv6 address: the host check complains */
	for (size_t i = 0; i < n; i++)
		if (!isalpha((unsigned char)item[i]))
			return 0;    /* not a mailer word: the host check complains */
	return err_set(e, EX_CONFIG, _("smarthost '%s': unknown mailer '%.*s' "
	    "(use smtp:, esmtp:, smtp8: or relay:, or none)"), item, (int)n, item);
}

static int
parse_port(const char *item, const char *s, unsigned *port, struct err *e)
{
	unsigned long v;

	if (!all_digits(s) || strlen(s) > 5 || (v = strtoul(s, NULL, 10)) < 1 ||
	    v > 65535)
		return err_set(e, EX_CONFIG, _("smarthost '%s': port '%s' is not "
		    "a number from 1 to 65535"), item, s);
	*port = (unsigned)v;
	return 0;
}

/* Inside brackets: "IPv6:addr", an IPv4/IPv6 literal or a host name. */
static int
parse_bracketed(struct smarthost *sh, const char *in, size_t n, struct err *e)
{
	char *s = xstrndup(in, n);
	unsigned char a[16];
	int rc = 0;

	if (strncasecmp(s, "IPv6:", 5) == 0) {
		memmove(s, s + 5, strlen(s + 5) + 1);
		if (inet_pton(AF_INET6, s, a) != 1)
			rc = err_set(e, EX_CONFIG, _("smarthost '%s': '%s' is not "
			    "an IPv6 address"), sh->spec, s);
		sh->literal = 1;
	} else if (inet_pton(AF_INET6, s, a) == 1 || inet_pton(AF_INET, s, a) == 1) {
		sh->literal = 1;
	} else if (!valid_hostname(s)) {
		rc = err_set(e, EX_CONFIG, _("smarthost '%s': '%s' is not a valid "
		    "host name; %s"), sh->spec, s, _(FORMS));
	}
	sh->host = s;
	return rc;
}

static int
parse_plain(struct smarthost *sh, const char *s, struct err *e)
{
	const char *colon = strchr(s, ':');
	size_t n = colon ? (size_t)(colon - s) : strlen(s);
	unsigned char a[16];

	if (colon != NULL && strchr(colon + 1, ':') != NULL)
		return err_set(e, EX_CONFIG, _("smarthost '%s': an IPv6 address "
		    "must be written in brackets, as [IPv6:%s]"), sh->spec, s);
	sh->host = xstrndup(s, n);
	if (n > 1 && sh->host[n - 1] == '.')
		sh->host[n - 1] = '\0';
	if (inet_pton(AF_INET, sh->host, a) == 1) {
		sh->literal = 1;
		sh->bracketed = 1;
	} else if (!valid_hostname(sh->host))
		return err_set(e, EX_CONFIG, _("smarthost '%s': '%s' is not a "
		    "valid host name; %s"), sh->spec, sh->host, _(FORMS));
	if (colon != NULL && parse_port(sh->spec, colon + 1, &sh->port, e) < 0)
		return -1;
	return 0;
}

static int
parse_item(struct smarthost *sh, const char *item, enum smarthost_tls tls,
    struct err *e)
{
	const char *s, *close;

	memset(sh, 0, sizeof(*sh));
	sh->spec = xstrdup(item);
	sh->port = SMARTHOST_DEFAULT_PORT;
	if (strip_mailer(item, &s, e) < 0)
		return -1;
	if (*s == '\0')
		return err_set(e, EX_CONFIG, _("smarthost '%s': no host name; %s"),
		    item, _(FORMS));
	if (*s == '[') {
		close = strchr(s, ']');
		if (close == NULL)
			return err_set(e, EX_CONFIG, _("smarthost '%s': missing "
			    "']'; %s"), item, _(FORMS));
		sh->bracketed = 1;
		if (parse_bracketed(sh, s + 1, (size_t)(close - s - 1), e) < 0)
			return -1;
		if (close[1] == ':') {
			if (parse_port(item, close + 2, &sh->port, e) < 0)
				return -1;
		} else if (close[1] != '\0')
			return err_set(e, EX_CONFIG, _("smarthost '%s': unexpected "
			    "'%s' after ']'; %s"), item, close + 1, _(FORMS));
	} else if (parse_plain(sh, s, e) < 0)
		return -1;
	if (tls == SMARTHOST_TLS_AUTO)
		tls = sh->port == SMARTHOST_IMPLICIT_TLS_PORT ?
		    SMARTHOST_TLS_IMPLICIT : SMARTHOST_TLS_STARTTLS;
	sh->tls = tls;
	return 0;
}

static void
smarthost_free_one(struct smarthost *sh)
{
	free(sh->spec);
	free(sh->host);
}

void
smarthost_list_free(struct smarthost_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		smarthost_free_one(&l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

int
smarthost_parse(const char *text, enum smarthost_tls tls,
    struct smarthost_list *out, struct err *e)
{
	char *copy = xstrdup(text ? text : ""), *save = NULL;
	struct smarthost_list l = { NULL, 0 };
	int rc = -1;

	for (char *item = strtok_r(copy, ", \t\r\n", &save); item != NULL;
	    item = strtok_r(NULL, ", \t\r\n", &save)) {
		struct smarthost sh;

		if (parse_item(&sh, item, tls, e) < 0) {
			smarthost_free_one(&sh);
			goto fail;
		}
		l.v = xreallocarray(l.v, l.n + 1, sizeof(*l.v));
		l.v[l.n++] = sh;
	}
	if (l.n == 0) {
		err_set(e, EX_CONFIG, _("no smarthost given; %s"), _(FORMS));
		goto fail;
	}
	out->v = xreallocarray(out->v, out->n + l.n, sizeof(*out->v));
	memcpy(out->v + out->n, l.v, l.n * sizeof(*l.v));
	out->n += l.n;
	rc = (int)l.n;
	free(l.v);
	free(copy);
	return rc;
fail:
	smarthost_list_free(&l);
	free(copy);
	return rc;
}

/* ---- resolution --------------------------------------------------------- */

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
	resolver_ntop((const struct sockaddr *)&a->ss, ep->addrstr, sizeof(ep->addrstr));
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
		return err_set(e, EX_NOHOST, _("smarthost %s: the address family "
		    "is not enabled"), sh->spec);
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
		return add_host(out, sh, origin, r, family, sh->host, NULL, e) < 0 ?
		    -1 : (int)(out->n - before);
	n = resolver_mx(r, sh->host, &ml, e);
	if (n < 0)
		return -1;
	if (n == 0)
		return add_host(out, sh, origin, r, family, sh->host, NULL, e) < 0 ?
		    -1 : (int)(out->n - before);
	sort_mx(&ml);
	err_clear(&first);
	for (size_t i = 0; i < ml.n; i++) {
		struct err one;

		if (add_host(out, sh, origin, r, family, ml.v[i].host, &ml.v[i],
		    &one) < 0 && (first.code == 0 || one.code == EX_TEMPFAIL))
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

		buf_printf(out, "%s[%s]:%u tls=%s from=%s", ep->host, ep->addrstr,
		    ep->port, smarthost_tls_name(ep->tls),
		    ep->origin < l->n ? l->v[ep->origin].spec : "?");
		if (ep->via_mx)
			buf_printf(out, " mx=%u", ep->mx_pref);
		buf_addc(out, '\n');
	}
}
