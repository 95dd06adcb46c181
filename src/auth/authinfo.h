/* authinfo.h — sendmail's authinfo file in its text form (no makemap):
 *
 *   # comment
 *   AuthInfo:smtp.example.com:587 "U:alice" "P:secret" "M:LOGIN PLAIN"
 *   AuthInfo:smtp.example.com "I:bob" "P=c2VjcmV0"
 *   AuthInfo: "U:fallback" "P:pw"
 *
 * Items: U: authorization id, I: authentication id (the login name),
 * P: password (P= base64), R: realm, M: mechanisms (space separated).  As
 * in sendmail, when only one of U: and I: is given it is the login name;
 * when both are, I: is the login and U: the authorization id (sent only
 * when it differs).  An M: list that names only XOAUTH2 and/or OAUTHBEARER
 * marks P: as an OAuth2 access token.  Items may be quoted ("\"" and "\\"
 * escape inside quotes) or bare.  The most specific entry wins: host and
 * port, then host, then the default entry "AuthInfo:".
 *
 * The parser works on a buffer; authinfo_load() reads a file after checking
 * that it is private.  Nothing here logs.  Secrets are never put into error
 * messages and are wiped by authinfo_free(). */
#ifndef RELAYQ_AUTHINFO_H
#define RELAYQ_AUTHINFO_H

#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "lib/err.h"

struct authinfo_entry {
	char *host;    /* lower-case, brackets removed; NULL: default entry */
	unsigned port; /* 0: any port */
	char *login;   /* authentication id (I:, else U:) */
	char *authzid; /* U: when I: is given too and differs; else NULL */
	char *secret;  /* password or OAuth2 token */
	char *realm;   /* R: or NULL (kept for completeness; unused by SASL) */
	char *mechs;   /* M: upper-cased, space separated, or NULL */
	int oauth;     /* M: names only OAuth mechanisms */
	unsigned line; /* 1-based line of the entry */
};

struct authinfo {
	struct authinfo_entry *v;
	size_t n;
	char *path; /* as given to parse/load, for messages */
};

#define AUTHINFO_INIT \
	{ \
		NULL, 0, NULL \
	}

/* Parses len bytes of text (named path in messages) into ai, which must be
 * empty (AUTHINFO_INIT).  Returns 0, or -1 with e (EX_CONFIG) naming path
 * and line; ai is then empty again. */
int authinfo_parse(struct authinfo *ai, const char *path, const char *text,
    size_t len, struct err *e);

/* The most specific entry for host (case-insensitive) and port, or NULL.
 * The entry is borrowed from ai. */
const struct authinfo_entry *authinfo_find(const struct authinfo *ai,
    const char *host, unsigned port);

/* Decides whether a file with status st may hold secrets for a process
 * that requires owner uid: regular file, owned by owner, no permission
 * bits for group or others.  Returns 0, or -1 with e (EX_CONFIG) saying
 * how to fix it (chown, chmod 600). */
int authinfo_check_stat(const char *path, const struct stat *st, uid_t owner,
    struct err *e);

/* Opens path (not following a final symlink), checks it with
 * authinfo_check_stat() against owner, reads and parses it.  Returns 0,
 * 1 when the file does not exist (ai untouched), or -1 with e. */
int authinfo_load(struct authinfo *ai, const char *path, uid_t owner,
    struct err *e);

/* Opens path (not following a final symlink), checks it with
 * authinfo_check_stat() against owner and appends its content (at most
 * 1 MiB) to b, which should be a secret buffer (BUF_SECRET_INIT).
 * Returns 0, 1 when the file does not exist, or -1 with e.  Shared by
 * every file that holds secrets (authinfo, the OAuth2 token file). */
struct buf;
int authinfo_read_private(const char *path, uid_t owner, struct buf *b,
    struct err *e);

/* Wipes the secrets and frees everything; ai is empty afterwards. */
void authinfo_free(struct authinfo *ai);

#endif
