/* utf8.c — one UTF-8 sequence at a time (see utf8.h). */
#include "config.h"

#include "lib/utf8.h"

size_t
utf8_next(const char *p, size_t n, long *cp)
{
	const unsigned char *s = (const unsigned char *)p;
	unsigned char lo = 0x80, hi = 0xbf;
	size_t len, i;
	long v;

	*cp = -1;
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	}
	if (s[0] < 0xc2 || s[0] > 0xf4)
		return 1;
	len = s[0] < 0xe0 ? 2 : s[0] < 0xf0 ? 3 : 4;
	/* The second byte's range rules out overlong forms (E0, F0),
	 * surrogates (ED) and code points past U+10FFFF (F4). */
	if (s[0] == 0xe0)
		lo = 0xa0;
	else if (s[0] == 0xed)
		hi = 0x9f;
	else if (s[0] == 0xf0)
		lo = 0x90;
	else if (s[0] == 0xf4)
		hi = 0x8f;
	v = s[0] & (0x7f >> len);
	for (i = 1; i < len; i++) {
		if (i >= n || s[i] < lo || s[i] > hi)
			return i; /* the maximal subpart: lead + valid so far */
		v = v << 6 | (s[i] & 0x3f);
		lo = 0x80;
		hi = 0xbf;
	}
	*cp = v;
	return len;
}

size_t
utf8_whole(const char *p, size_t n)
{
	const unsigned char *s = (const unsigned char *)p;
	size_t i = n;
	long cp;

	/* back over at most three continuation bytes to their lead */
	while (i > 0 && n - i < 3 && (s[i - 1] & 0xc0) == 0x80)
		i--;
	if (i == 0 || s[i - 1] < 0xc2)
		return n;
	/* a lead byte: cut short when what follows it does not complete
	 * it (utf8_next stops at n) */
	return utf8_next(p + i - 1, n - i + 1, &cp) == n - i + 1 && cp < 0 ?
	    i - 1 :
	    n;
}

int
utf8_any_8bit(const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if ((unsigned char)p[i] >= 0x80)
			return 1;
	return 0;
}
