/* oauth.h — the two OAuth 2.0 SASL client messages libgsasl lacks:
 * XOAUTH2 (Google/Microsoft) and OAUTHBEARER (RFC 7628).  Pure functions
 * over strings: no I/O, no logging.  The token is a bearer secret: every
 * buffer that held it is wiped before it is freed. */
#ifndef RELAYQ_OAUTH_H
#define RELAYQ_OAUTH_H

#include <stddef.h>

#include "lib/err.h"

/* Sets *out to the base64 of "user=USER\1auth=Bearer TOKEN\1\1" (allocated;
 * the caller wipe_free()s it).  Returns 0, or -1 (EX_DATAERR) when user or
 * token is empty or holds a control character. */
int oauth_xoauth2(const char *user, const char *token, char **out,
    struct err *e);

/* Sets *out to the base64 of the RFC 7628 initial client response
 * "n,a=USER,\1host=HOST\1port=PORT\1auth=Bearer TOKEN\1\1" (',' and '=' in
 * USER escaped as =2C and =3D; host=/port= left out when host is NULL or
 * port is 0).  Allocated; the caller wipe_free()s it.  Errors as above. */
int oauth_bearer(const char *user, const char *host, unsigned port,
    const char *token, char **out, struct err *e);

/* What a client sends after a 334 error challenge, to get the server's
 * final reply: "" for XOAUTH2, base64 of "\1" ("AQ==") for OAUTHBEARER. */
const char *oauth_error_reply(int bearer);

/* Decodes a 334 error challenge (base64 JSON such as
 * {"status":"invalid_token",...}) into dst (size n, always terminated),
 * control characters replaced by '?'.  Returns dst, or "" when the text is
 * not base64. */
char *oauth_describe_error(char *dst, size_t n, const char *b64);

/* Base64 (RFC 4648, padded) of n bytes at p; allocated, the caller frees. */
char *oauth_b64encode(const void *p, size_t n);

/* Decodes NUL-terminated base64 text into an allocated buffer (terminated
 * by an extra NUL, length in *outlen).  Returns NULL on invalid input. */
unsigned char *oauth_b64decode(const char *s, size_t *outlen);

#endif
