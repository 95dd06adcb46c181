/* rewrite.h — address rewriting for a null client: alias expansion,
 * qualification, masquerading, catch-all and sender override.  Pure
 * functions over a loaded alias table and a context: no files, no logging.
 *
 * Addresses come in as bare addr-specs ("root", "root@localhost",
 * "a@example.com"), already taken out of headers or argv by the address
 * parser; display names and comments stay with the caller.  The domain is
 * what follows the last '@' outside double quotes.
 *
 * Rules (the decisions this module makes):
 * - Local: an address without a domain, or whose domain (case-insensitive,
 *   one trailing dot ignored) is one of ctx.local_names, "localhost" or
 *   "localhost.localdomain".  The qualifying domain is not local by itself
 *   (example.com may be a real mailbox domain elsewhere); pass it in
 *   local_names when it is the host's own name.
 * - Out domain: a local address leaves as user@masquerade when masquerade
 *   is set, else as user@qualify_domain (local part kept as written).
 * - Recipients: a non-local address is kept unchanged.  A local one is
 *   looked up in the aliases (case-insensitive local part) and expanded
 *   recursively; targets that are local are expanded in turn, every result
 *   leaves qualified.  A local user with no alias goes to catch_all when it
 *   is set, else to user@domain.  The catch-all is the implicit alias of
 *   unknown users: it does not apply to aliased names, to "\user" targets,
 *   or with no_alias (-n), which all give user@domain.
 * - Loops: when a name comes back while it is being expanded (a: b, b: a;
 *   or a: a, b) it is delivered as the plain user a@domain, not expanded
 *   again and not lost, as sendmail's self-reference rule does.  Chains
 *   deeper than REWRITE_DEPTH_MAX fail with EX_CONFIG.
 * - Duplicates: a result already in the output list (case-insensitive) is
 *   dropped, also across the recipients of one message.
 * - "|command" and "/file" targets are refused with EX_UNAVAILABLE and a
 *   message naming the alias, the file and the line: the alias exists (so
 *   not EX_NOUSER), but local delivery to programs and files is a service a
 *   null client does not offer.  Nothing is ever executed or written.  A
 *   broken :include: fails with EX_CONFIG.
 * - MeToo (sendmail -om) is irrelevant: a null client has no local mailbox
 *   to keep a copy in, so the sender is never added back or removed.
 * - Headers (To:, Cc:): the same mapping, decided by
 *   rewrite_header_recipient().  An alias that expands to exactly one
 *   address is replaced by it; one that expands to several (or fails) keeps
 *   the qualified original name: headers are for humans, and a header must
 *   not disclose an alias's member list.
 * - Senders (envelope sender, From:): no aliasing.  A local sender becomes
 *   sender_address when that is set, else user@domain; a non-local one is
 *   unchanged; the empty (null) sender stays empty.
 * - Any control character (CR, LF, NUL, DEL, ...) in an address is refused
 *   with EX_DATAERR, as is an empty local part or domain. */
#ifndef RELAYQ_REWRITE_H
#define RELAYQ_REWRITE_H

#include "lib/buf.h"
#include "lib/err.h"
#include "lib/strv.h"
#include "rewrite/aliases.h"

#define REWRITE_DEPTH_MAX 16

struct rewrite_ctx {
	const char
	    *qualify_domain; /* config's, else the host's FQDN; required */
	const char *const *local_names; /* NULL-terminated: short name, FQDN,
	                                   ...; may be NULL */
	const char *masquerade;         /* NULL: none */
	const char *catch_all;      /* NULL: none; qualified if unqualified */
	const char *sender_address; /* NULL: none; qualified if unqualified */
	const struct aliases *aliases; /* NULL: no table */
	int no_alias;                  /* sendmail -n */
};

/* All pointers in ctx are borrowed; ctx is never modified. */

/* 1 when addr is local (see above), 0 when not.  addr is not validated. */
int rewrite_is_local(const struct rewrite_ctx *ctx, const char *addr);

/* Expands one envelope recipient, appending each result not already in out
 * (allocated strings owned by out).  When trace is not NULL, appends the
 * human-readable steps for sendmail -bt, one line each, indented two
 * spaces per alias level, e.g.
 *   root: local, alias (/etc/aliases:3) -> admin, bob@example.org
 *     admin: local, no alias -> admin@example.com
 *     bob@example.org: not local -> bob@example.org
 * Returns 0, or -1 with e set (EX_DATAERR bad address, EX_UNAVAILABLE
 * program/file target, EX_CONFIG broken include or too deep); on failure
 * out may hold part of the results and the caller should discard them. */
int rewrite_recipient(const struct rewrite_ctx *ctx, const char *addr,
    struct strv *out, struct buf *trace, struct err *e);

/* rewrite_recipient for every element of in, into out; stops at the first
 * failure (e names the recipient). */
int rewrite_recipients(const struct rewrite_ctx *ctx, const struct strv *in,
    struct strv *out, struct buf *trace, struct err *e);

/* sendmail -bv: appends to out one line per resulting address,
 *   root... deliverable: mailer smtp, user admin@example.com
 * or, when expansion fails, one line
 *   root... undeliverable: <the translated error>
 * The left side is addr as given (control characters shown as '?'); the
 * words "deliverable: mailer smtp, user" are fixed, untranslated, for
 * scripts.  Returns 0 when deliverable, else the EX_* code of the error. */
int rewrite_verify(const struct rewrite_ctx *ctx, const char *addr,
    struct buf *out);

/* The To:/Cc: form of addr (see above); caller frees.  NULL with e set
 * (EX_DATAERR) only for an invalid address. */
char *rewrite_header_recipient(const struct rewrite_ctx *ctx, const char *addr,
    struct err *e);

/* The envelope-sender / From: form of addr (see above); caller frees.
 * NULL with e set (EX_DATAERR) for an invalid address. */
char *rewrite_sender(const struct rewrite_ctx *ctx, const char *addr,
    struct err *e);

/* 0 when s has no control character, else -1 with e set (EX_DATAERR,
 * naming what, e.g. "recipient"). */
int rewrite_check_text(const char *s, const char *what, struct err *e);

#endif
