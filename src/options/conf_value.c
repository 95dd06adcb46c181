/* conf_value.c — value syntax shared by relayq.conf and the command
 * line: numbers, durations, domains, addresses (see conf.h). */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "lib/i18n.h"
#include "options/conf.h"

int
conf_long(const char *v, long min, long max, long *out)
{
	char *end;
	long n;

	if (!isdigit((unsigned char)v[0]))
		return -1;
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || *end || n < min || n > max)
		return -1;
	*out = n;
	return 0;
}

static long long
unit_seconds(char u)
{
	switch (u) {
	case 's':
		return 1;
	case 'm':
		return 60;
	case 'h':
		return 3600;
	case 'd':
		return 86400;
	case 'w':
		return 7 * 86400;
	default:
		return 0;
	}
}

int
conf_duration(const char *s, char default_unit, long long *secs, struct err *e)
{
	const char *p = s;
	long long total = 0, n, mul;

	if (*p == '\0')
		goto bad;
	while (*p) {
		if (!isdigit((unsigned char)*p))
			goto bad;
		for (n = 0; isdigit((unsigned char)*p); p++) {
			if (n > (LLONG_MAX - 9) / 10)
				goto bad;
			n = n * 10 + (*p - '0');
		}
		mul = unit_seconds(
		    *p ? (char)tolower((unsigned char)*p) : default_unit);
		if (mul == 0)
			goto bad;
		if (*p)
			p++;
		if (n > (LLONG_MAX - total) / mul)
			goto bad;
		total += n * mul;
	}
	*secs = total;
	return 0;
bad:
	/* -1 spelled out: every 0 above has set *secs (conf_set relies on it).
	 */
	err_set(e, EX_USAGE,
	    _("invalid duration \"%s\": write a number and a unit, e.g. 30m, 1h, 5d"),
	    s);
	return -1;
}

int
conf_valid_domain(const char *s)
{
	size_t i, label = 0;

	if (s[0] == '\0' || strlen(s) > 253)
		return 0;
	for (i = 0; s[i]; i++) {
		if (s[i] == '.') {
			if (label == 0 || s[i - 1] == '-')
				return 0;
			label = 0;
		} else if (isalnum((unsigned char)s[i]) ||
		    (s[i] == '-' && label > 0)) {
			if (++label > 63)
				return 0;
		} else {
			return 0;
		}
	}
	return label > 0 && s[i - 1] != '-';
}

int
conf_valid_address(const char *s)
{
	const char *at = strrchr(s, '@');
	size_t i;

	if (at == NULL || at == s || !conf_valid_domain(at + 1))
		return 0;
	for (i = 0; s + i < at; i++)
		if ((unsigned char)s[i] <= 0x20 || s[i] == 0x7f ||
		    strchr("<>()[],;:\\", s[i]))
			return 0;
	return 1;
}
