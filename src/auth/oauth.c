/* oauth.c — XOAUTH2 and OAUTHBEARER client messages (see oauth.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "auth/oauth.h"
#include "lib/buf.h"
#include "lib/i18n.h"
#include "lib/xalloc.h"

static const char b64chars[] =
    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

char *
oauth_b64encode(const void *p, size_t n)
{
	const unsigned char *s = p;
	char *out = xmalloc(4 * ((n + 2) / 3) + 1), *o = out;
	size_t i;

	for (i = 0; i + 2 < n; i += 3) {
		*o++ = b64chars[s[i] >> 2];
		*o++ = b64chars[((s[i] & 3) << 4) | (s[i + 1] >> 4)];
		*o++ = b64chars[((s[i + 1] & 15) << 2) | (s[i + 2] >> 6)];
		*o++ = b64chars[s[i + 2] & 63];
	}
	if (i < n) {
		*o++ = b64chars[s[i] >> 2];
		if (i + 1 < n) {
			*o++ = b64chars[((s[i] & 3) << 4) | (s[i + 1] >> 4)];
			*o++ = b64chars[(s[i + 1] & 15) << 2];
		} else {
			*o++ = b64chars[(s[i] & 3) << 4];
			*o++ = '=';
		}
		*o++ = '=';
	}
	*o = '\0';
	return out;
}

static int
b64val(char c)
{
	const char *p = c ? strchr(b64chars, c) : NULL;

	return p ? (int)(p - b64chars) : -1;
}

unsigned char *
oauth_b64decode(const char *s, size_t *outlen)
{
	size_t len = strlen(s), i, o = 0;
	unsigned char *out;
	int v[4], k;

	if (len % 4 != 0)
		return NULL;
	out = xmalloc(len / 4 * 3 + 1);
	for (i = 0; i < len; i += 4) {
		int pad = 0;

		for (k = 0; k < 4; k++) {
			if (s[i + k] == '=' && i + 4 == len && k >= 2 &&
			    (k == 3 || s[i + 3] == '=')) {
				v[k] = 0;
				pad++;
			} else if ((v[k] = b64val(s[i + k])) < 0)
				goto fail;
		}
		out[o++] = (unsigned char)(v[0] << 2 | v[1] >> 4);
		if (pad < 2)
			out[o++] =
			    (unsigned char)((v[1] & 15) << 4 | v[2] >> 2);
		if (pad < 1)
			out[o++] = (unsigned char)((v[2] & 3) << 6 | v[3]);
	}
	out[o] = '\0';
	*outlen = o;
	return out;
fail:
	wipe(out, len / 4 * 3 + 1);
	free(out);
	return NULL;
}

static int
check_text(const char *what, const char *s, struct err *e)
{
	const unsigned char *p;

	if (s == NULL || *s == '\0')
		return err_set(e, EX_DATAERR, _("OAuth2: the %s is empty"),
		    what);
	for (p = (const unsigned char *)s; *p; p++)
		if (*p < 0x20 || *p == 0x7f)
			return err_set(e, EX_DATAERR,
			    _("OAuth2: the %s contains a control character"),
			    what);
	return 0;
}

/* Encodes b (which held a token), wipes it, hands the result out. */
static int
finish_msg(struct buf *b, char **out)
{
	*out = oauth_b64encode(b->data, b->len);
	wipe(b->data, b->len);
	buf_free(b);
	return 0;
}

int
oauth_xoauth2(const char *user, const char *token, char **out, struct err *e)
{
	struct buf b = BUF_SECRET_INIT;

	if (check_text(_("user name"), user, e) < 0 ||
	    check_text(_("access token"), token, e) < 0)
		return -1;
	buf_printf(&b, "user=%s\001auth=Bearer %s\001\001", user, token);
	return finish_msg(&b, out);
}

int
oauth_bearer(const char *user, const char *host, unsigned port,
    const char *token, char **out, struct err *e)
{
	struct buf b = BUF_SECRET_INIT;
	const char *p;

	if (check_text(_("user name"), user, e) < 0 ||
	    check_text(_("access token"), token, e) < 0)
		return -1;
	if (host != NULL && check_text(_("host name"), host, e) < 0)
		return -1;
	buf_adds(&b, "n,a=");
	for (p = user; *p; p++) {
		if (*p == ',')
			buf_adds(&b, "=2C");
		else if (*p == '=')
			buf_adds(&b, "=3D");
		else
			buf_addc(&b, *p);
	}
	buf_adds(&b, ",\001");
	if (host != NULL)
		buf_printf(&b, "host=%s\001", host);
	if (port != 0)
		buf_printf(&b, "port=%u\001", port);
	buf_printf(&b, "auth=Bearer %s\001\001", token);
	return finish_msg(&b, out);
}

const char *
oauth_error_reply(int bearer)
{
	return bearer ? "AQ==" : "";
}

char *
oauth_describe_error(char *dst, size_t n, const char *b64)
{
	unsigned char *raw;
	size_t len, i;

	if (n == 0)
		return dst;
	dst[0] = '\0';
	raw = oauth_b64decode(b64, &len);
	if (raw == NULL)
		return dst;
	for (i = 0; i < len && i + 1 < n; i++)
		dst[i] = (raw[i] < 0x20 || raw[i] >= 0x7f) ? '?' : (char)raw[i];
	dst[i] = '\0';
	free(raw);
	return dst;
}
