/* addr_format.c — addresses back to text (see addr.h): addr-specs with the
 * local part quoted when needed, mailboxes with display names, and lists
 * folded at ADDR_FOLD_COLUMN. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "message/addr.h"
#include "message/addr_int.h"

/* Atoms joined by single sep characters: a dot-atom with '.', a plain
 * phrase with ' '. */
static int
atoms_joined(const char *s, char sep)
{
	size_t i, n = strlen(s);

	if (n == 0 || s[0] == sep || s[n - 1] == sep)
		return 0;
	for (i = 0; i < n; i++) {
		if (s[i] == sep ? s[i + 1] == sep :
		                  !addr_is_atext((unsigned char)s[i]))
			return 0;
	}
	return 1;
}

static void
add_quoted(struct buf *b, const char *s)
{
	buf_addc(b, '"');
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			buf_addc(b, '\\');
		buf_addc(b, *s);
	}
	buf_addc(b, '"');
}

static void
add_spec(struct buf *b, const char *local, const char *domain)
{
	if (atoms_joined(local, '.'))
		buf_adds(b, local);
	else
		add_quoted(b, local);
	if (domain != NULL) {
		buf_addc(b, '@');
		buf_adds(b, domain);
	}
}

char *
addr_format_spec(const char *local, const char *domain)
{
	struct buf b = BUF_INIT;

	add_spec(&b, local, domain);
	return buf_steal(&b);
}

char *
addr_format_mailbox(const struct addr_mailbox *m)
{
	struct buf b = BUF_INIT;

	if (m->display == NULL || m->display[0] == '\0') {
		add_spec(&b, m->local, m->domain);
		return buf_steal(&b);
	}
	if (atoms_joined(m->display, ' '))
		buf_adds(&b, m->display);
	else
		add_quoted(&b, m->display);
	buf_adds(&b, " <");
	add_spec(&b, m->local, m->domain);
	buf_addc(&b, '>');
	return buf_steal(&b);
}

void
addr_format_list(struct buf *out, const struct addr_list *l, size_t col)
{
	size_t i, n;
	char *item;

	for (i = 0; i < l->n; i++) {
		item = addr_format_mailbox(&l->v[i]);
		n = strlen(item);
		if (i > 0) {
			buf_addc(out, ',');
			col++;
			/* room for " item" and, unless last, its trailing ','
			 */
			if (col + 1 + n + (i + 1 < l->n) > ADDR_FOLD_COLUMN) {
				buf_adds(out, "\n ");
				col = 1;
			} else {
				buf_addc(out, ' ');
				col++;
			}
		}
		buf_add(out, item, n);
		col += n;
		free(item);
	}
}
