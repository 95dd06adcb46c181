/* smarthost.c — SMART_HOST forms (see smarthost.h; resolution is in
 * smarthost_resolve.c). */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>

#include "lib/i18n.h"
#include "lib/xalloc.h"
#include "transport/smarthost.h"

#define FORMS \
	N_("write it as host, host:port, [host]:port, " \
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
	    tls_names[t] :
	    "?";
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
		if (strlen(mailers[i]) == n &&
		    strncasecmp(item, mailers[i], n) == 0) {
			*rest = colon + 1;
			return 0;
		}
	if (strchr(colon + 1, ':') != NULL)
		return 0; /* a bare IPv6 address: the host check complains */
	for (size_t i = 0; i < n; i++)
		if (!isalpha((unsigned char)item[i]))
			return 0; /* not a mailer word: the host check complains
			           */
	return err_set(e, EX_CONFIG,
	    _("smarthost '%s': unknown mailer '%.*s' "
	      "(use smtp:, esmtp:, smtp8: or relay:, or none)"),
	    item, (int)n, item);
}

static int
parse_port(const char *item, const char *s, unsigned *port, struct err *e)
{
	unsigned long v;

	if (!all_digits(s) || strlen(s) > 5 || (v = strtoul(s, NULL, 10)) < 1 ||
	    v > 65535)
		return err_set(e, EX_CONFIG,
		    _("smarthost '%s': port '%s' is not "
		      "a number from 1 to 65535"),
		    item, s);
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
			rc = err_set(e, EX_CONFIG,
			    _("smarthost '%s': '%s' is not "
			      "an IPv6 address"),
			    sh->spec, s);
		sh->literal = 1;
	} else if (inet_pton(AF_INET6, s, a) == 1 ||
	    inet_pton(AF_INET, s, a) == 1) {
		sh->literal = 1;
	} else if (!valid_hostname(s)) {
		rc = err_set(e, EX_CONFIG,
		    _("smarthost '%s': '%s' is not a valid "
		      "host name; %s"),
		    sh->spec, s, _(FORMS));
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
		return err_set(e, EX_CONFIG,
		    _("smarthost '%s': an IPv6 address "
		      "must be written in brackets, as [IPv6:%s]"),
		    sh->spec, s);
	sh->host = xstrndup(s, n);
	if (n > 1 && sh->host[n - 1] == '.')
		sh->host[n - 1] = '\0';
	if (inet_pton(AF_INET, sh->host, a) == 1) {
		sh->literal = 1;
		sh->bracketed = 1;
	} else if (!valid_hostname(sh->host))
		return err_set(e, EX_CONFIG,
		    _("smarthost '%s': '%s' is not a "
		      "valid host name; %s"),
		    sh->spec, sh->host, _(FORMS));
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
		return err_set(e, EX_CONFIG,
		    _("smarthost '%s': no host name; %s"), item, _(FORMS));
	if (*s == '[') {
		close = strchr(s, ']');
		if (close == NULL)
			return err_set(e, EX_CONFIG,
			    _("smarthost '%s': missing "
			      "']'; %s"),
			    item, _(FORMS));
		sh->bracketed = 1;
		if (parse_bracketed(sh, s + 1, (size_t)(close - s - 1), e) < 0)
			return -1;
		if (close[1] == ':') {
			if (parse_port(item, close + 2, &sh->port, e) < 0)
				return -1;
		} else if (close[1] != '\0')
			return err_set(e, EX_CONFIG,
			    _("smarthost '%s': unexpected "
			      "'%s' after ']'; %s"),
			    item, close + 1, _(FORMS));
	} else if (parse_plain(sh, s, e) < 0)
		return -1;
	if (tls == SMARTHOST_TLS_AUTO)
		tls = sh->port == SMARTHOST_IMPLICIT_TLS_PORT ?
		    SMARTHOST_TLS_IMPLICIT :
		    SMARTHOST_TLS_STARTTLS;
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
