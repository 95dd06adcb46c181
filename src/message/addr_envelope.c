/* addr_envelope.c — whether an address can be used in the SMTP envelope
 * (see addr_check_envelope in addr.h): octets, UTF-8, local-part and
 * domain syntax, RFC 5321 length limits. */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "lib/i18n.h"
#include "lib/log.h"
#include "lib/utf8.h"
#include "message/addr.h"

/* No controls, valid UTF-8; sets *utf8 when non-ASCII is present. */
static const char *
check_octets(const char *s, int *utf8)
{
	size_t i = 0, n = strlen(s);
	long cp;

	while (i < n) {
		i += utf8_next(s + i, n - i, &cp);
		if (cp < 0)
			return _("invalid UTF-8");
		if (cp < 0x20 || cp == 0x7f)
			return _("control character");
		if (cp >= 0x80)
			*utf8 = 1;
	}
	return NULL;
}

static const char *
check_domain(const char *d)
{
	size_t i, n = strlen(d), label = 0;

	if (n == 0)
		return _("empty domain");
	if (d[0] == '[')
		return d[n - 1] == ']' && n > 2 &&
		        strcspn(d + 1, "[]\\ ") == n - 2 ?
		    NULL :
		    _("bad address literal");
	for (i = 0; i <= n; i++) {
		unsigned char c = (unsigned char)d[i];

		if (c == '.' || c == '\0') {
			if (label == 0 || label > 63)
				return _(
				    "domain label empty or longer than 63 octets");
			if (d[i - 1] == '-' || d[i - label] == '-')
				return _(
				    "domain label starts or ends with '-'");
			label = 0;
			continue;
		}
		if (!(c >= 0x80 || c == '-' || (c >= '0' && c <= '9') ||
		        ((c | 0x20) >= 'a' && (c | 0x20) <= 'z')))
			return _("character not allowed in a domain");
		label++;
	}
	return NULL;
}

int
addr_check_envelope(const char *local, const char *domain, int *smtputf8,
    struct err *e)
{
	const char *why = NULL;
	char *spec = addr_format_spec(local, domain);
	char snip[160];
	int utf8 = 0;

	if (local[0] == '\0')
		why = _("empty local part");
	else if ((why = check_octets(local, &utf8)) != NULL ||
	    (domain != NULL && (why = check_octets(domain, &utf8)) != NULL))
		;
	else if (strlen(local) > ADDR_MAX_LOCAL)
		why = _("local part longer than 64 octets");
	else if (domain != NULL && (why = check_domain(domain)) != NULL)
		;
	else if (strlen(local) + (domain ? strlen(domain) + 1 : 0) >
	    ADDR_MAX_ADDRESS)
		why = _("address longer than 254 octets");
	if (smtputf8 != NULL)
		*smtputf8 = utf8;
	if (why != NULL) {
		log_sanitize_utf8(snip, sizeof(snip), spec, strlen(spec));
		err_set(e, EX_DATAERR,
		    _("address <%s> cannot be used in SMTP: %s"), snip, why);
	}
	free(spec);
	return why ? -1 : 0;
}
