/* aliases.h — the /etc/aliases table: parse text into a table, load a file,
 * look a name up.  Expansion (recursion, loops, qualification) is rewrite.c's
 * job; this module only says what a name maps to and where that was written.
 *
 * Syntax (as Postfix's aliases(5) and sendmail's newaliases read it):
 *   name: value, value, ...
 * - A logical line starts with non-blank text; a physical line that starts
 *   with a space or tab continues it.  Empty lines, blank lines and lines
 *   whose first non-blank character is '#' are ignored wherever they are
 *   (they do not end a logical line).  A continuation line with no alias
 *   before it is a syntax error.  A trailing CR (CRLF files) is dropped;
 *   any other control character except TAB is a syntax error.
 * - Names are case-insensitive (stored lower-case).  A name may be a quoted
 *   string ("two words": x); unquoted, it has no blank, ',', '@' or '"'.
 *   A name defined twice is a syntax error naming both lines.
 * - Values are separated by commas outside double quotes.  A value that is
 *   entirely one quoted string is unquoted first ("|cmd, arg" is one value).
 *   Empty values between commas are skipped; a name with no value is an
 *   error.  A value in angle brackets <a@b> is taken without them.
 * - Value kinds: "|command" (ALIAS_PIPE), "/path" (ALIAS_FILE), "\user"
 *   (ALIAS_NOALIAS: deliver to user without further aliasing),
 *   ":include:path" (replaced by the addresses listed in that file, see
 *   below) and anything else is an address, "user" or "user@domain"
 *   (ALIAS_ADDRESS; no blanks outside quotes).
 * - An include file lists values separated by commas or newlines, with '#'
 *   comment lines; it may include further files.  A relative path is taken
 *   relative to the directory of the file that names it.  Includes nest at
 *   most ALIASES_INCLUDE_MAX deep.  A failure inside an include (unreadable,
 *   loop, too deep, bad syntax) does not fail the load: it becomes one
 *   ALIAS_BROKEN target carrying the message, so only mail to that alias
 *   fails (and aliases_problems() lists it for newaliases / relayq check).
 *
 * Limits: a file larger than ALIASES_FILE_MAX bytes or a logical line longer
 * than ALIASES_LINE_MAX bytes is refused.  One aliases_parse() call reads at
 * most ALIASES_INCLUDE_READS include files and ALIASES_FILE_MAX bytes of
 * them in all (an include file may be named many times over, so nesting
 * alone would let a few lines of include files multiply into millions of
 * reads); an include beyond that is ALIAS_BROKEN.  Nothing here logs. */
#ifndef RELAYQ_ALIASES_H
#define RELAYQ_ALIASES_H

#include <stddef.h>

#include "lib/buf.h"
#include "lib/err.h"
#include "lib/strv.h"

#define ALIASES_INCLUDE_MAX 8
#define ALIASES_FILE_MAX (4u * 1024 * 1024)
#define ALIASES_LINE_MAX (64u * 1024)
#define ALIASES_INCLUDE_READS 1000

enum alias_kind {
	ALIAS_ADDRESS, /* "user" or "user@domain" */
	ALIAS_NOALIAS, /* "\user": value is "user" without the backslash */
	ALIAS_PIPE,    /* "|cmd": value is "cmd" */
	ALIAS_FILE,    /* "/path": value is "/path" */
	ALIAS_BROKEN   /* a failed :include:, value is the translated message */
};

struct alias_target {
	enum alias_kind kind;
	char *value; /* owned by the table */
	const char *
	    file; /* where written: the aliases or include file (table-owned) */
	unsigned line;
};

struct alias_entry {
	char *name;             /* lower-case, unquoted; owned */
	struct alias_target *t; /* owned array of n targets, n >= 1 */
	size_t n;
	const char *file; /* table-owned */
	unsigned line;    /* first line of the logical line */
};

struct aliases {
	struct alias_entry *v; /* sorted by name after each parse */
	size_t n, cap;
	struct strv files; /* every file name the targets point into */
};

#define ALIASES_INIT \
	{ \
		NULL, 0, 0, STRV_INIT \
	}

/* Reads the whole file at path into out (appending); returns 0, or -1 with
 * e set (the message names the path) and out as it was.  Used for
 * :include: files; a test passes an in-memory one. */
typedef int (*aliases_read_fn)(void *arg, const char *path, struct buf *out,
    struct err *e);

/* Parses len bytes of text, written in file (a name for messages and for
 * relative includes), adding the aliases to a.  Include files are read with
 * rd(arg, ...); rd may be NULL, and then every :include: is ALIAS_BROKEN.
 * Returns 0, or -1 with e set (EX_CONFIG, "FILE:LINE: what is wrong"); on
 * failure a keeps what it had before this call. */
int aliases_parse(struct aliases *a, const char *file, const char *text,
    size_t len, aliases_read_fn rd, void *arg, struct err *e);

/* aliases_file.c: the only part that opens files. */

/* The file reader: a regular file of at most ALIASES_FILE_MAX bytes.
 * arg is unused.  Errors: EX_NOINPUT (cannot open/read), EX_CONFIG (not a
 * regular file, too large). */
int aliases_read_file(void *arg, const char *path, struct buf *out,
    struct err *e);

/* Loads the aliases file at path into a (which may already hold entries).
 * A missing file is not an error (returns 0, a unchanged); an unreadable
 * one is (EX_NOINPUT naming it), and so is a syntax error (EX_CONFIG). */
int aliases_load(struct aliases *a, const char *path, struct err *e);

/* The entry for name (case-insensitive, a quoted "name" is unquoted), or
 * NULL.  Borrowed from a. */
const struct alias_entry *aliases_lookup(const struct aliases *a,
    const char *name);

/* Appends one translated line per ALIAS_BROKEN target to out ("alias
 * "staff": /etc/aliases:3: cannot open /etc/staff.list: ...", the place
 * being where the :include: is written).  Returns how many it appended. */
size_t aliases_problems(const struct aliases *a, struct strv *out);

void aliases_free(struct aliases *a);

#endif
