/* aliases_lex.c — the lexical layer of aliases(5) (see aliases_int.h):
 * physical lines, blanks and comments, quoted strings, the address shape.
 * Touches no file descriptor. */
#include "config.h"

#include <string.h>
#include <sysexits.h>

#include "lib/i18n.h"
#include "rewrite/aliases_int.h"

int
aliases_is_blank(int c)
{
	return c == ' ' || c == '\t';
}

void
aliases_lower(char *s)
{
	for (; *s; s++)
		if (*s >= 'A' && *s <= 'Z')
			*s = (char)(*s - 'A' + 'a');
}

/* If s[0..n) is exactly one quoted string, returns its content with the
 * backslash escapes undone (caller frees); else NULL. */
char *
aliases_unquote(const char *s, size_t n)
{
	struct buf b = BUF_INIT;
	size_t i;

	if (n < 2 || s[0] != '"')
		return NULL;
	for (i = 1; i < n; i++) {
		if (s[i] == '\\' && i + 1 < n) {
			buf_addc(&b, s[++i]);
		} else if (s[i] == '"') {
			if (i + 1 != n)
				break;
			return buf_steal(&b);
		} else {
			buf_addc(&b, s[i]);
		}
	}
	buf_free(&b);
	return NULL;
}

/* 0 when s looks like "local" or "local@domain": no blank, comma, angle
 * bracket or parenthesis outside quotes, non-empty parts. */
int
aliases_check_address(const char *s)
{
	const char *at = NULL;
	int inq = 0;

	if (*s == '\0' || *s == '@')
		return -1;
	for (; *s; s++) {
		if (inq && *s == '\\' && s[1] != '\0')
			s++;
		else if (*s == '"')
			inq = !inq;
		else if (!inq && strchr(" \t,<>()", *s) != NULL)
			return -1;
		else if (!inq && *s == '@')
			at = s;
	}
	if (inq || (at != NULL && at[1] == '\0'))
		return -1;
	return 0;
}

static int
check_line(const char *s, size_t n, const char *file, unsigned line,
    struct err *e)
{
	size_t i;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if ((c < 0x20 && c != '\t') || c == 0x7f)
			return err_set(e, EX_CONFIG,
			    _("%s:%u: control character 0x%02x in line; remove it"),
			    file, line, c);
	}
	return 0;
}

int
aliases_each_line(const char *text, size_t len, const char *file,
    aliases_line_fn fn, void *st, struct err *e)
{
	size_t pos = 0, raw, n;
	unsigned line = 0;
	const char *nl;

	while (pos < len) {
		nl = memchr(text + pos, '\n', len - pos);
		raw = nl ? (size_t)(nl - (text + pos)) : len - pos;
		n = raw;
		line++;
		if (n > 0 && text[pos + n - 1] == '\r')
			n--;
		if (n > ALIASES_LINE_MAX)
			return err_set(e, EX_CONFIG,
			    _("%s:%u: line longer than %u bytes"), file, line,
			    ALIASES_LINE_MAX);
		if (check_line(text + pos, n, file, line, e) < 0 ||
		    fn(st, text + pos, n, line, e) < 0)
			return -1;
		pos += raw + (nl != NULL);
	}
	return 0;
}

/* 1 when the line is empty, blank or a comment. */
int
aliases_ignored(const char *s, size_t n)
{
	size_t i = 0;

	while (i < n && aliases_is_blank(s[i]))
		i++;
	return i == n || s[i] == '#';
}
