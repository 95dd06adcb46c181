/* fake_resolver.c — an in-memory resolver for tests (see
 * fake_resolver.h). */
#include "config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>

#include "fake_resolver.h"
#include "lib/xalloc.h"

struct fake_rec {
	char *name;
	enum { FAKE_MX, FAKE_ADDR, FAKE_FAIL } kind;
	enum fake_resolver_query q; /* FAKE_FAIL */
	int code;                   /* FAKE_FAIL */
	unsigned pref;              /* FAKE_MX */
	char *value;                /* MX host or numeric address */
};

struct fake_resolver {
	struct fake_rec *v;
	size_t n;
	unsigned count[2];
};

static struct fake_rec *
rec_add(struct fake_resolver *f, const char *name)
{
	struct fake_rec *rec;

	f->v = xreallocarray(f->v, f->n + 1, sizeof(*f->v));
	rec = &f->v[f->n++];
	memset(rec, 0, sizeof(*rec));
	rec->name = xstrdup(name);
	return rec;
}

static int
fake_failed(struct fake_resolver *f, const char *name,
    enum fake_resolver_query q, struct err *e)
{
	for (size_t i = 0; i < f->n; i++) {
		const struct fake_rec *rec = &f->v[i];

		if (rec->kind != FAKE_FAIL || rec->q != q ||
		    strcasecmp(rec->name, name) != 0)
			continue;
		if (rec->code == EX_NOHOST)
			return err_set(e, EX_NOHOST, "no such host: %s", name);
		return err_set(e, rec->code,
		    "cannot look up %s: the DNS "
		    "server failed or did not answer in time; will retry",
		    name);
	}
	return 0;
}

static int
fake_known(const struct fake_resolver *f, const char *name)
{
	for (size_t i = 0; i < f->n; i++)
		if (f->v[i].kind != FAKE_FAIL &&
		    strcasecmp(f->v[i].name, name) == 0)
			return 1;
	return 0;
}

static int
fake_mx(void *ctx, const char *name, struct resolver_mx_list *out,
    struct err *e)
{
	struct fake_resolver *f = ctx;

	f->count[FAKE_RESOLVER_MX]++;
	if (fake_failed(f, name, FAKE_RESOLVER_MX, e) < 0)
		return -1;
	if (!fake_known(f, name))
		return err_set(e, EX_NOHOST, "no such host: %s", name);
	for (size_t i = 0; i < f->n; i++)
		if (f->v[i].kind == FAKE_MX &&
		    strcasecmp(f->v[i].name, name) == 0)
			resolver_mx_add(out, f->v[i].pref, f->v[i].value);
	return resolver_mx_done(out, name, e);
}

static int
fake_addrs(void *ctx, const char *host, unsigned port, int family,
    struct resolver_addr_list *out, struct err *e)
{
	struct fake_resolver *f = ctx;

	f->count[FAKE_RESOLVER_ADDR]++;
	if (fake_failed(f, host, FAKE_RESOLVER_ADDR, e) < 0)
		return -1;
	for (size_t i = 0; i < f->n; i++) {
		struct sockaddr_in sin;
		struct sockaddr_in6 sin6;

		if (f->v[i].kind != FAKE_ADDR ||
		    strcasecmp(f->v[i].name, host) != 0)
			continue;
		memset(&sin, 0, sizeof(sin));
		memset(&sin6, 0, sizeof(sin6));
		if (family != AF_INET6 &&
		    inet_pton(AF_INET, f->v[i].value, &sin.sin_addr) == 1) {
			sin.sin_family = AF_INET;
			sin.sin_port = htons((unsigned short)port);
			resolver_addr_add(out, (struct sockaddr *)&sin,
			    sizeof(sin));
		} else if (family != AF_INET &&
		    inet_pton(AF_INET6, f->v[i].value, &sin6.sin6_addr) == 1) {
			sin6.sin6_family = AF_INET6;
			sin6.sin6_port = htons((unsigned short)port);
			resolver_addr_add(out, (struct sockaddr *)&sin6,
			    sizeof(sin6));
		}
	}
	if (out->n == 0)
		return err_set(e, EX_NOHOST, "no such host: %s", host);
	return (int)out->n;
}

static const struct resolver_ops fake_ops = { fake_mx, fake_addrs };

struct fake_resolver *
fake_resolver_new(struct resolver *r)
{
	struct fake_resolver *f = xcalloc(1, sizeof(*f));

	r->ops = &fake_ops;
	r->ctx = f;
	return f;
}

void
fake_resolver_mx(struct fake_resolver *f, const char *name, unsigned pref,
    const char *host)
{
	struct fake_rec *rec = rec_add(f, name);

	rec->kind = FAKE_MX;
	rec->pref = pref;
	rec->value = xstrdup(host);
}

void
fake_resolver_addr(struct fake_resolver *f, const char *host,
    const char *numeric)
{
	struct fake_rec *rec = rec_add(f, host);

	rec->kind = FAKE_ADDR;
	rec->value = xstrdup(numeric);
}

void
fake_resolver_fail(struct fake_resolver *f, const char *name,
    enum fake_resolver_query q, int code)
{
	struct fake_rec *rec = rec_add(f, name);

	rec->kind = FAKE_FAIL;
	rec->q = q;
	rec->code = code;
}

unsigned
fake_resolver_count(const struct fake_resolver *f, enum fake_resolver_query q)
{
	return f->count[q];
}

void
fake_resolver_free(struct fake_resolver *f)
{
	if (f == NULL)
		return;
	for (size_t i = 0; i < f->n; i++) {
		free(f->v[i].name);
		free(f->v[i].value);
	}
	free(f->v);
	free(f);
}
