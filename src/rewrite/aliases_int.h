/* aliases_int.h — internals shared by the aliases module's files:
 * aliases.c (entries, the table, look-up), aliases_value.c (the values of
 * one alias, include files), aliases_lex.c (lines, blanks, quoting).
 * Not for use outside src/aliases*.c. */
#ifndef RELAYQ_ALIASES_INT_H
#define RELAYQ_ALIASES_INT_H

#include <stddef.h>

#include "rewrite/aliases.h"

/* The targets of one alias while it is being parsed. */
struct aliases_tlist {
	struct alias_target *t;
	size_t n, cap;
};

/* What the parser carries through nested includes. */
struct aliases_pstate {
	struct aliases *a; /* owns the interned file names */
	aliases_read_fn rd;
	void *arg;
	const char *stack[ALIASES_INCLUDE_MAX + 1];
	int depth;      /* includes open below the aliases file */
	unsigned reads; /* include files read so far */
	size_t bytes;   /* and their bytes */
};

/* ---- aliases_lex.c ------------------------------------------------------ */

int aliases_is_blank(int c);
/* Lower-cases ASCII letters in place. */
void aliases_lower(char *s);
/* If s[0..n) is exactly one quoted string, returns its content with the
 * backslash escapes undone (caller frees); else NULL. */
char *aliases_unquote(const char *s, size_t n);
/* 0 when s looks like "local" or "local@domain", else -1. */
int aliases_check_address(const char *s);

/* Called for each physical line; returns 0 or -1 with e. */
typedef int (*aliases_line_fn)(void *st, const char *s, size_t n, unsigned line,
    struct err *e);
/* Calls fn for every physical line of text (file names it in messages)
 * with its number, the trailing CR dropped; refuses a line longer than
 * ALIASES_LINE_MAX or with a control character.  Stops at and returns
 * fn's first -1. */
int aliases_each_line(const char *text, size_t len, const char *file,
    aliases_line_fn fn, void *st, struct err *e);
/* 1 when the line is empty, blank or a comment. */
int aliases_ignored(const char *s, size_t n);

/* ---- aliases_value.c ---------------------------------------------------- */

/* Returns a table-owned copy of name, shared by every target from it. */
const char *aliases_intern(struct aliases *a, const char *name);
void aliases_tlist_free(struct aliases_tlist *tl);
/* Splits s[0..len) (of file:line) at commas outside quotes and adds each
 * value to tl; an include that cannot be read becomes an ALIAS_BROKEN
 * target.  Returns 0 or -1 with e (EX_CONFIG). */
int aliases_parse_values(struct aliases_pstate *ps, struct aliases_tlist *tl,
    const char *s, size_t len, const char *file, unsigned line, struct err *e);

#endif
