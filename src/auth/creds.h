/* creds.h — where the SMTP secret comes from, in a configured order.
 *
 * Sources (default order, first that has credentials wins):
 *   credential  systemd credential $CREDENTIALS_DIRECTORY/<name>
 *               (default name relayq-password), when that variable is set
 *   authinfo    the sendmail-style authinfo file (authinfo.h)
 *   command     a password command run with /bin/sh -c (no tty, stdin
 *               /dev/null, own session, timeout); its first output line
 *   keyring     the Secret Service keyring (secret.h), by host/smtp/user
 * The most explicit, headless sources come first; the keyring last because
 * it needs a D-Bus session.  A source that is not set up is skipped; a
 * source that is set up but broken (loose authinfo permissions, a failing
 * command) stops the lookup with its error rather than silently falling
 * through.  Nothing here logs and no message ever holds a secret. */
#ifndef RELAYQ_CREDS_H
#define RELAYQ_CREDS_H

#include <stddef.h>
#include <sys/types.h>

#include "lib/err.h"

enum creds_source {
	CREDS_CREDENTIAL,
	CREDS_AUTHINFO,
	CREDS_COMMAND,
	CREDS_KEYRING,
	CREDS_NSOURCES
};

struct creds_config {
	enum creds_source order[CREDS_NSOURCES];
	size_t norder;
	const char *user;       /* login for credential/command/keyring; NULL:
	                           the keyring item's user attribute */
	const char *mechs;      /* mechanism restriction, NULL = any */
	int oauth;              /* secrets from credential/command/keyring are
	                           OAuth2 access tokens */
	const char *authinfo;   /* path, or NULL: not used */
	uid_t authinfo_owner;   /* required owner of the authinfo file */
	const char *credential; /* systemd credential name */
	const char *command;    /* /bin/sh -c string, or NULL: not used */
	int command_timeout_ms;
};

/* What was found (all allocated; creds_free() wipes the secret). */
struct creds {
	char *user;    /* login (authentication id) */
	char *secret;  /* password or OAuth2 access token */
	char *authzid; /* or NULL */
	char *realm;   /* or NULL */
	char *mechs;   /* mechanism restriction or NULL */
	int oauth;
	char *source; /* for -v: "password from authinfo FILE line 3" */
};

#define CREDS_DEFAULT_CREDENTIAL "relayq-password"
#define CREDS_DEFAULT_TIMEOUT_MS 30000

/* Fills cfg with the defaults: order credential, authinfo, command,
 * keyring; credential CREDS_DEFAULT_CREDENTIAL; timeout 30 s; owner
 * geteuid(); nothing else set. */
void creds_config_init(struct creds_config *cfg);

/* Parses an order such as "authinfo, keyring" (names separated by spaces
 * or commas, each at most once) into cfg.  Returns 0 or -1 (EX_CONFIG). */
int creds_parse_order(struct creds_config *cfg, const char *s, struct err *e);

/* Looks up credentials for host:port (port 0: any).  Returns 0 with c
 * filled, 1 when no source had any (e says what was looked at and, for the
 * keyring, why it was unavailable), or -1 with e when a source failed. */
int creds_get(const struct creds_config *cfg, const char *host, unsigned port,
    struct creds *c, struct err *e);

/* Wipes and frees c's fields; c is zeroed. */
void creds_free(struct creds *c);

/* Credentials looked up ahead, one entry per smarthost (relayq-flush
 * --all-users: root reads them once, then each child that runs as a spool
 * user uses them without reading any file itself). */
struct creds_entry {
	char *host; /* the smarthost's name (owned) */
	unsigned port;
	int found;       /* 1: cr holds them; 0: none (why says
	                  * what was looked at) */
	struct creds cr; /* secret wiped by creds_set_free */
	char *why;       /* owned, or NULL */
};

struct creds_set {
	struct creds_entry *v; /* owned */
	size_t n;
};

/* Looks up the credentials of every host of hosts with cfg, as a session
 * would (creds_get).  Returns 0 with cs filled (an entry with found 0 for
 * a host without any), or -1 with e when a source that is set up fails;
 * then cs is empty.  Free with creds_set_free. */
struct smarthost_list;
int creds_prefetch(const struct creds_config *cfg,
    const struct smarthost_list *hosts, struct creds_set *cs, struct err *e);

/* The prefetched credentials for host:port: 0 with *out (borrowed from
 * cs), 1 with e (EX_CONFIG) saying why there are none. */
int creds_set_lookup(const struct creds_set *cs, const char *host,
    unsigned port, const struct creds **out, struct err *e);

/* Wipes every secret and frees cs; cs is zeroed. */
void creds_set_free(struct creds_set *cs);

/* Reads $CREDENTIALS_DIRECTORY/name: 0 with *secret (its first line;
 * allocated, wipe_free() it) and *path (allocated), 1 when the variable is
 * unset or the file absent, -1 with e. */
int creds_read_credential(const char *name, char **secret, char **path,
    struct err *e);

/* Runs cmd with /bin/sh -c, stdin on /dev/null, in a new session (no
 * controlling tty), killing its process group after timeout_ms.  Returns
 * 0 with *out (first line of its output; allocated, wipe_free() it), or
 * -1 with e giving the exit status and the first line of its stderr
 * (sanitised) — never its output. */
int creds_run_command(const char *cmd, int timeout_ms, char **out,
    struct err *e);

#endif
