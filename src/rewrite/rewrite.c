/* rewrite.c — alias expansion, qualification, masquerading, catch-all and
 * sender override (see rewrite.h for the rules). */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>

#include "lib/i18n.h"
#include "lib/log.h"
#include "lib/xalloc.h"
#include "rewrite/rewrite.h"

/* One expansion in progress. */
struct xstate {
	const struct rewrite_ctx *c;
	struct strv *out;
	struct buf *trace;
	const struct alias_entry
	    *path[REWRITE_DEPTH_MAX + 1]; /* names being expanded */
	int depth;
};

static const char *const always_local[] = { "localhost",
	"localhost.localdomain", NULL };

int
rewrite_check_text(const char *s, const char *what, struct err *e)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f)
			return err_set(e, EX_DATAERR,
			    _("%s contains a control character (CR, LF or other); refused"),
			    what);
	return 0;
}

/* The '@' that starts the domain (the last one outside quotes), or NULL. */
static const char *
find_at(const char *addr)
{
	const char *at = NULL;
	int inq = 0;

	for (; *addr; addr++) {
		if (inq && *addr == '\\' && addr[1] != '\0')
			addr++;
		else if (*addr == '"')
			inq = !inq;
		else if (!inq && *addr == '@')
			at = addr;
	}
	return at;
}

static int
validate(const char *addr, struct err *e)
{
	const char *at;
	char shown[256];

	if (rewrite_check_text(addr, _("address"), e) < 0)
		return -1;
	at = find_at(addr);
	if (*addr == '\0' || at == addr || (at != NULL && at[1] == '\0'))
		return err_set(e, EX_DATAERR,
		    _("invalid address \"%s\": empty user or domain part"),
		    log_sanitize_utf8(shown, sizeof(shown), addr,
		        strlen(addr)));
	return 0;
}

static int
name_in(const char *const *names, const char *dom, size_t n)
{
	for (; names != NULL && *names != NULL; names++)
		if (strlen(*names) == n && strncasecmp(*names, dom, n) == 0)
			return 1;
	return 0;
}

int
rewrite_is_local(const struct rewrite_ctx *ctx, const char *addr)
{
	const char *at = find_at(addr);
	size_t n;

	if (at == NULL)
		return 1;
	n = strlen(at + 1);
	if (n > 0 && at[n] == '.')
		n--;
	return name_in(always_local, at + 1, n) ||
	    name_in(ctx->local_names, at + 1, n);
}

/* local@domain for a local address (the local part as written). */
static char *
qualify(const struct rewrite_ctx *ctx, const char *addr)
{
	const char *at = find_at(addr);
	int n = at ? (int)(at - addr) : (int)strlen(addr);

	return xasprintf("%.*s@%s", n, addr,
	    ctx->masquerade ? ctx->masquerade : ctx->qualify_domain);
}

/* A configured address (catch-all, sender override), qualified if local. */
static char *
configured(const struct rewrite_ctx *ctx, const char *addr)
{
	return rewrite_is_local(ctx, addr) ? qualify(ctx, addr) : xstrdup(addr);
}

/* Adds result (taking it) unless already there, with a trace line. */
static void
emit(struct xstate *xs, int depth, const char *shown, const char *note,
    char *result)
{
	int dup = strv_contains(xs->out, result, 1);

	if (xs->trace != NULL)
		buf_printf(xs->trace, "%*s%s: %s -> %s%s\n", depth * 2, "",
		    shown, note, result, dup ? _(" (duplicate, dropped)") : "");
	if (dup)
		free(result);
	else
		strv_take(xs->out, result);
}

static void
trace_alias(struct xstate *xs, const char *shown, const struct alias_entry *en)
{
	size_t i;

	if (xs->trace == NULL)
		return;
	buf_printf(xs->trace, "%*s%s: ", xs->depth * 2, "", shown);
	buf_printf(xs->trace, _("local, alias (%s:%u)"), en->file, en->line);
	buf_adds(xs->trace, " ->");
	for (i = 0; i < en->n; i++) {
		const struct alias_target *t = &en->t[i];
		buf_printf(xs->trace, "%s %s%s", i ? "," : "",
		    t->kind == ALIAS_NOALIAS  ? "\\" :
		        t->kind == ALIAS_PIPE ? "|" :
		                                "",
		    t->kind == ALIAS_BROKEN ? ":include:" : t->value);
	}
	buf_addc(xs->trace, '\n');
}

static int
refuse(struct xstate *xs, const struct alias_entry *en,
    const struct alias_target *t, struct err *e)
{
	if (xs->trace != NULL)
		buf_printf(xs->trace, "%*s%s%s: %s\n", xs->depth * 2, "",
		    t->kind == ALIAS_PIPE ? "|" : "",
		    t->kind == ALIAS_BROKEN ? ":include:" : t->value,
		    _("refused"));
	if (t->kind == ALIAS_PIPE)
		return err_set(e, EX_UNAVAILABLE,
		    _("alias \"%s\" (%s:%u): delivery to the program \"|%s\" is not "
		      "supported by relayq; point the alias to an address"),
		    en->name, t->file, t->line, t->value);
	if (t->kind == ALIAS_FILE)
		return err_set(e, EX_UNAVAILABLE,
		    _("alias \"%s\" (%s:%u): delivery to the file \"%s\" is not "
		      "supported by relayq; point the alias to an address"),
		    en->name, t->file, t->line, t->value);
	return err_set(e, EX_CONFIG, _("alias \"%s\": %s"), en->name, t->value);
}

static int expand(struct xstate *xs, const char *addr, struct err *e);

/* Expands the targets of en, one level deeper. */
static int
expand_entry(struct xstate *xs, const char *shown, const struct alias_entry *en,
    struct err *e)
{
	size_t i;
	int rc = 0;

	if (xs->depth >= REWRITE_DEPTH_MAX)
		return err_set(e, EX_CONFIG,
		    _("alias \"%s\" (%s:%u): aliases nested more than %d deep; "
		      "check for a chain of aliases"),
		    en->name, en->file, en->line, REWRITE_DEPTH_MAX);
	trace_alias(xs, shown, en);
	xs->path[xs->depth++] = en;
	for (i = 0; i < en->n && rc == 0; i++) {
		const struct alias_target *t = &en->t[i];
		char *shown_t;

		switch (t->kind) {
		case ALIAS_ADDRESS:
			rc = expand(xs, t->value, e);
			break;
		case ALIAS_NOALIAS:
			rc = validate(t->value, e);
			if (rc < 0)
				break;
			shown_t = xasprintf("\\%s", t->value);
			emit(xs, xs->depth, shown_t, _("no aliasing (\\)"),
			    rewrite_is_local(xs->c, t->value) ?
			        qualify(xs->c, t->value) :
			        xstrdup(t->value));
			free(shown_t);
			break;
		case ALIAS_PIPE:
		case ALIAS_FILE:
		case ALIAS_BROKEN:
			rc = refuse(xs, en, t, e);
			break;
		}
	}
	xs->depth--;
	return rc;
}

static int
on_path(const struct xstate *xs, const struct alias_entry *en)
{
	int i;

	for (i = 0; i < xs->depth; i++)
		if (xs->path[i] == en)
			return 1;
	return 0;
}

static int
expand(struct xstate *xs, const char *addr, struct err *e)
{
	const struct rewrite_ctx *c = xs->c;
	const struct alias_entry *en = NULL;
	const char *at;
	char *user;
	int rc = 0;

	if (validate(addr, e) < 0)
		return -1;
	if (!rewrite_is_local(c, addr)) {
		emit(xs, xs->depth, addr, _("not local"), xstrdup(addr));
		return 0;
	}
	at = find_at(addr);
	user = at ? xstrndup(addr, (size_t)(at - addr)) : xstrdup(addr);
	if (!c->no_alias && c->aliases != NULL)
		en = aliases_lookup(c->aliases, user);
	if (c->no_alias)
		emit(xs, xs->depth, addr, _("local, aliasing disabled (-n)"),
		    qualify(c, addr));
	else if (en != NULL && on_path(xs, en))
		emit(xs, xs->depth, addr, _("local, alias loop"),
		    qualify(c, addr));
	else if (en != NULL)
		rc = expand_entry(xs, addr, en, e);
	else if (c->catch_all != NULL)
		emit(xs, xs->depth, addr, _("local, no alias, catch-all"),
		    configured(c, c->catch_all));
	else
		emit(xs, xs->depth, addr, _("local, no alias"),
		    qualify(c, addr));
	free(user);
	return rc;
}

int
rewrite_recipient(const struct rewrite_ctx *ctx, const char *addr,
    struct strv *out, struct buf *trace, struct err *e)
{
	struct xstate xs;

	memset(&xs, 0, sizeof(xs));
	xs.c = ctx;
	xs.out = out;
	xs.trace = trace;
	return expand(&xs, addr, e);
}

int
rewrite_recipients(const struct rewrite_ctx *ctx, const struct strv *in,
    struct strv *out, struct buf *trace, struct err *e)
{
	char shown[256];
	size_t i;

	for (i = 0; i < in->n; i++)
		if (rewrite_recipient(ctx, in->v[i], out, trace, e) < 0)
			return err_wrap(e, _("recipient %s"),
			    log_sanitize_utf8(shown, sizeof(shown), in->v[i],
			        strlen(in->v[i])));
	return 0;
}

int
rewrite_verify(const struct rewrite_ctx *ctx, const char *addr, struct buf *out)
{
	struct strv res = STRV_INIT;
	struct err e;
	char shown[256];
	size_t i;

	err_clear(&e);
	log_sanitize_utf8(shown, sizeof(shown), addr, strlen(addr));
	if (rewrite_recipient(ctx, addr, &res, NULL, &e) < 0)
		buf_printf(out, "%s... undeliverable: %s\n", shown, e.msg);
	else
		for (i = 0; i < res.n; i++)
			buf_printf(out,
			    "%s... deliverable: mailer smtp, user %s\n", shown,
			    res.v[i]);
	strv_free(&res);
	return e.code;
}

char *
rewrite_header_recipient(const struct rewrite_ctx *ctx, const char *addr,
    struct err *e)
{
	struct strv res = STRV_INIT;
	struct err ignored;
	char *out;

	if (validate(addr, e) < 0)
		return NULL;
	if (!rewrite_is_local(ctx, addr))
		return xstrdup(addr);
	if (rewrite_recipient(ctx, addr, &res, NULL, &ignored) == 0 &&
	    res.n == 1) {
		out = res.v[0];
		res.v[0] = NULL;
		res.n = 0;
	} else {
		out = qualify(ctx, addr);
	}
	strv_free(&res);
	return out;
}

char *
rewrite_sender(const struct rewrite_ctx *ctx, const char *addr, struct err *e)
{
	if (*addr == '\0')
		return xstrdup("");
	if (validate(addr, e) < 0)
		return NULL;
	if (!rewrite_is_local(ctx, addr))
		return xstrdup(addr);
	if (ctx->sender_address != NULL)
		return configured(ctx, ctx->sender_address);
	return qualify(ctx, addr);
}
