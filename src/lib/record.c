/* record.c — versioned state-file framing: first line, escaping, end
 * line, the line reader (see record.h). */
#include "config.h"

#include <stdint.h>
#include <string.h>
#include <sysexits.h>

#include "lib/i18n.h"
#include "lib/record.h"

void
record_begin(struct buf *out, const char *magic, unsigned version)
{
	buf_printf(out, "%s %u\n", magic, version);
}

void
record_end(struct buf *out)
{
	buf_adds(out, "end\n");
}

/* ---- escaping ------------------------------------------------------ */

void
record_escape(struct buf *out, const char *s, size_t n)
{
	size_t i;
	unsigned char c;

	for (i = 0; i < n; i++) {
		c = (unsigned char)s[i];
		if (c == '\\')
			buf_add(out, "\\\\", 2);
		else if (c == '\n')
			buf_add(out, "\\n", 2);
		else if (c == '\r')
			buf_add(out, "\\r", 2);
		else if (c == '\t')
			buf_add(out, "\\t", 2);
		else if (c < 0x20 || c >= 0x7f)
			buf_printf(out, "\\x%02X", c);
		else
			buf_addc(out, (char)c);
	}
}

static int
hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

int
record_unescape(const char *s, size_t n, char **res)
{
	struct buf b = BUF_INIT;
	size_t i;
	int hi, lo;

	buf_add(&b, "", 0);
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c >= 0x7f)
			goto fail;
		if (c != '\\') {
			buf_addc(&b, (char)c);
			continue;
		}
		if (++i == n)
			goto fail;
		switch (s[i]) {
		case '\\':
			buf_addc(&b, '\\');
			break;
		case 'n':
			buf_addc(&b, '\n');
			break;
		case 'r':
			buf_addc(&b, '\r');
			break;
		case 't':
			buf_addc(&b, '\t');
			break;
		case 'x':
			if (n - i < 3 || (hi = hexval(s[i + 1])) < 0 ||
			    (lo = hexval(s[i + 2])) < 0 || hi * 16 + lo == 0)
				goto fail;
			buf_addc(&b, (char)(hi * 16 + lo));
			i += 2;
			break;
		default:
			goto fail;
		}
	}
	*res = buf_steal(&b);
	return 0;
fail:
	buf_free(&b);
	return -1;
}

/* ---- reading ---------------------------------------------------------- */

/* Reads one line into r->buf.  1, 0 at the end of the input, -1 (e set). */
static int
read_line(struct record_reader *r, struct err *e)
{
	const char *nl;
	size_t n;

	if (r->p >= r->end)
		return 0;
	r->line++;
	nl = memchr(r->p, '\n', (size_t)(r->end - r->p));
	if (nl == NULL)
		return err_set(e, EX_DATAERR,
		    _("line %u: truncated (last line "
		      "has no end)"),
		    r->line);
	n = (size_t)(nl - r->p);
	if ((r->line_max > 0 && n > r->line_max) ||
	    memchr(r->p, '\0', n) != NULL)
		return err_set(e, EX_DATAERR, _("line %u: %s"), r->line,
		    _("line too long or contains NUL"));
	buf_reset(&r->buf);
	buf_add(&r->buf, "", 0); /* data is a string even when n is 0 */
	buf_add(&r->buf, r->p, n);
	r->p = nl + 1;
	return 1;
}

/* A decimal number without a leading zero, at most max. */
static int
parse_version(const char *s, unsigned long long *out)
{
	unsigned long long v = 0;

	if (*s == '\0' || (*s == '0' && s[1] != '\0'))
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' ||
		    v > (UINT32_MAX - (unsigned)(*s - '0')) / 10)
			return -1;
		v = v * 10 + (unsigned)(*s - '0');
	}
	*out = v;
	return 0;
}

int
record_open(struct record_reader *r, const char *p, size_t len, size_t line_max,
    const char *magic, unsigned long long *version, struct err *e)
{
	size_t ml = strlen(magic);
	int rc;

	memset(r, 0, sizeof(*r));
	r->p = p;
	r->end = p + len;
	r->line_max = line_max;
	if ((rc = read_line(r, e)) <= 0)
		return rc == 0 ? err_set(e, EX_DATAERR, _("empty file")) : -1;
	if (strncmp(r->buf.data, magic, ml) != 0 || r->buf.data[ml] != ' ')
		return RECORD_BAD_MAGIC;
	if (parse_version(r->buf.data + ml + 1, version) < 0)
		return RECORD_BAD_VERSION;
	return 0;
}

int
record_next(struct record_reader *r, char **line, struct err *e)
{
	int rc = read_line(r, e);

	if (rc < 0)
		return -1;
	if (rc == 0)
		return err_set(e, EX_DATAERR, _("truncated (no end line)"));
	if (strcmp(r->buf.data, "end") != 0) {
		*line = r->buf.data;
		return 1;
	}
	if ((rc = read_line(r, e)) < 0)
		return -1;
	if (rc > 0)
		return err_set(e, EX_DATAERR,
		    _("line %u: text after the end line"), r->line);
	return 0;
}

void
record_close(struct record_reader *r)
{
	buf_free(&r->buf);
}
