/* conf.h — relayq.conf(5): configuration files → struct conf.
 *
 * (The module is called conf, not config: a src/config.h would shadow
 * autoconf's config.h for every file in src/.)
 *
 * Files, in order, each overriding the previous one key by key:
 *   1. SYSCONFDIR "/relayq.conf"              (missing: fine)
 *   2. $XDG_CONFIG_HOME/relayq/config, else ~/.config/relayq/config
 *                                             (missing: fine)
 * or only the file given with -C (missing: EX_CONFIG).
 *
 * Syntax (decided here, documented in relayq.conf(5)):
 *   - one "key value" per line; the key is [a-z0-9_]+, then blanks, then
 *     the value, which runs to the end of the line with surrounding blanks
 *     trimmed;
 *   - a line whose first non-blank character is '#' is a comment, blank
 *     lines are ignored; '#' later in a line is part of the value;
 *   - a value may be written in double quotes to keep leading or trailing
 *     blanks; inside quotes \" and \\ stand for " and \;
 *   - control characters (other than tab) are refused, lines are capped at
 *     CONF_LINE_MAX bytes, a key given twice in one file is an error;
 *   - an unknown key, a missing or invalid value is an error naming the
 *     file, the line and the key (EX_CONFIG).
 *
 * Keys are one table in conf.c (name, type, offset, default, validator,
 * words): a key is one line there and one field here; an enum key also
 * gets an enum below, its words in conf.c and its mapping to the type its
 * consumer uses in conf_map.c.  conf_load.c finds and reads the files,
 * conf_value.c holds the value syntax shared with the command line.
 * Nothing in this module logs. */
#ifndef RELAYQ_CONF_H
#define RELAYQ_CONF_H

#include <stddef.h>

#include "lib/err.h"
#include "lib/strv.h"

#define CONF_LINE_MAX 4096

/* How the front end delivers after queueing (sendmail's DeliveryMode).
 * UNSET only appears in struct cli_options (not given on the command
 * line); a loaded struct conf always holds one of the others. */
enum conf_delivery {
	CONF_DELIVERY_UNSET = 0,
	CONF_DELIVERY_BACKGROUND,  /* -odb: queue, start a detached flush
	                              (default) */
	CONF_DELIVERY_INTERACTIVE, /* -odi: queue, flush in the foreground, wait
	                            */
	CONF_DELIVERY_QUEUE,   /* -odq: queue only; the timer or relayq flush
	                          sends */
	CONF_DELIVERY_DEFERRED /* -odd: as queue */
};

/* How errors found while reading a message are reported (ErrorMode). */
enum conf_errmode {
	CONF_ERRMODE_UNSET = 0,
	CONF_ERRMODE_MAIL,  /* -oem: mail a report back to the sender (and print
	                       it) */
	CONF_ERRMODE_PRINT, /* -oep: print on stderr, exit non-zero (default) */
	CONF_ERRMODE_QUIET, /* -oeq: exit status only */
	CONF_ERRMODE_WRITE, /* -oew: as print (no terminal writing), else mail
	                     */
	CONF_ERRMODE_MAIL_EXIT0 /* -oee: mail back and exit 0 */
};

/* The delivery keys' words (relayq.conf(5)), each value named; conf.c's
 * word tables are the one place a word becomes one of these, conf_map.h
 * the one place each becomes the type of the module that uses it.  Zero
 * is never a loaded value. */
enum conf_ip_family {
	CONF_FAMILY_ANY = 1, /* "any" (default) */
	CONF_FAMILY_IPV4,    /* "ipv4" */
	CONF_FAMILY_IPV6     /* "ipv6" */
};

enum conf_tls {
	CONF_TLS_AUTO =
	    1, /* "auto": port 465 implicit, else STARTTLS (default) */
	CONF_TLS_STARTTLS, /* "starttls" */
	CONF_TLS_IMPLICIT, /* "implicit" */
	CONF_TLS_NONE      /* "none" */
};

enum conf_tls_min {
	CONF_TLS_MIN_1_2 = 1, /* "1.2" (default) */
	CONF_TLS_MIN_1_3      /* "1.3" */
};

/* When PLAIN/LOGIN may send the password. */
enum conf_plaintext {
	CONF_PLAINTEXT_VERIFIED_TLS = 1, /* "verified-tls" (default) */
	CONF_PLAINTEXT_TLS,              /* "tls" */
	CONF_PLAINTEXT_ALWAYS            /* "always" */
};

/* Who refreshes OAuth2 tokens: NONE leaves it to the credential sources. */
enum conf_oauth_provider {
	CONF_OAUTH_NONE = 1,  /* "none" (default) */
	CONF_OAUTH_GOOGLE,    /* "google" */
	CONF_OAUTH_MICROSOFT, /* "microsoft" */
	CONF_OAUTH_CUSTOM     /* "custom": the oauth_*_endpoint keys */
};

/* An 8-bit body to a server without 8BITMIME. */
enum conf_eightbit {
	CONF_EIGHTBIT_PASS = 1, /* "pass" (default) */
	CONF_EIGHTBIT_STRICT    /* "strict" */
};

struct conf {
	char *domain;   /* qualifying domain; NULL: the host's FQDN (conf_fqdn),
	                   never the smarthost's */
	char *aliases;  /* alias file; default "/etc/aliases" */
	char *catchall; /* where mail for local users without alias goes; NULL:
	                   none */
	char *sender_address;   /* envelope sender and From: address of local
	                           mail; NULL: unchanged */
	char *from_address;     /* envelope sender and From: of all mail
	                           (from_policy.h); NULL: none */
	struct strv masquerade; /* domains rewritten to @domain (user@host.local
	                           → user@domain); empty */
	char *queue_dir;        /* NULL: $XDG_STATE_HOME/relayq, else
	                           ~/.local/state/relayq */
	char *spool_dir; /* system spool for users without a home; default
	                    SPOOLDIR */
	enum conf_delivery delivery_mode; /* default BACKGROUND */
	long hop_limit; /* Received: headers before a message is refused;
	                   default 25 */
	enum conf_errmode error_mode; /* default PRINT */
	/* Delivery (relayq-flush). */
	char *smarthost; /* SMART_HOST forms, several for failover; required to
	                    deliver */
	char *helo_name; /* EHLO name; NULL: the host's FQDN */
	enum conf_ip_family ip_family;
	long long connect_timeout; /* seconds; default 300 (RFC 5321) */
	long long command_timeout; /* seconds; default 300 (RFC 5321) */
	enum conf_tls tls;
	int tls_verify;       /* default 1 */
	char *tls_trust_file; /* CA bundle; NULL: the system's */
	char *tls_crl_file;
	char *tls_fingerprint; /* SHA256 pin of the server certificate */
	char *tls_cert_file;   /* client certificate */
	char *tls_key_file;
	char *tls_priorities; /* GnuTLS priority string */
	enum conf_tls_min tls_min_version;
	char *authinfo;  /* sendmail authinfo file; NULL: the default place */
	char *auth_user; /* login for keyring/credential/command secrets */
	char *auth_sources;    /* order of credential sources */
	char *auth_mechanisms; /* restriction, like authinfo's M: */
	char *auth_password_command;
	char *auth_credential; /* systemd credential name */
	int auth_oauth;        /* the secret is an OAuth2 access token */
	enum conf_plaintext auth_plaintext;
	/* OAuth2 refresh by relayq-flush (oauth_token.h): off while
	 * oauth_provider is CONF_OAUTH_NONE. */
	enum conf_oauth_provider oauth_provider;
	char *oauth_token_endpoint;  /* NULL: the provider's */
	char *oauth_device_endpoint; /* RFC 8628; NULL: the provider's */
	char *oauth_auth_endpoint;   /* code flow; NULL: the provider's */
	char *oauth_redirect_uri;    /* code flow */
	char *oauth_client_id;
	char *oauth_client_secret_file; /* NULL: credential or public client */
	char *oauth_scope;              /* NULL: the provider's */
	char *oauth_token_file;         /* NULL: QUEUE/oauth-token */
	char *oauth_ca_file;            /* NULL: the system's CA certificates */
	enum conf_eightbit eightbit_mode;
	long max_per_connection;  /* messages per connection; 0 = no limit */
	long max_recipients;      /* recipients per transaction (RCPT
	                           * commands between MAIL and DATA); 0 = no
	                           * limit; default 50 */
	long messages_per_minute; /* pace of the flusher; 0 = no limit */
	long max_connections;     /* delivery sessions per queue at once
	                           * (runlock slots); default 1 */
	/* Queue life. */
	long long retry_min, retry_max, queue_lifetime,
	    queue_warn;   /* seconds */
	char *on_failure; /* admin's command (run by /bin/sh -c); NULL: none */
	long long on_failure_timeout;  /* seconds; default 30 */
	long long spool_queue_timeout; /* --all-users: seconds one spool
	                                * queue's flush may take; default 600 */
	char *log_target;              /* logtarget.h words; default "syslog" */
	/* Set by conf_load, not a key: the user's own file (or -C FILE)
	 * sets smarthost (route.h). */
	int own_smarthost;
};

/* Fills c with every key's default.  Free with conf_free. */
void conf_init(struct conf *c);
void conf_free(struct conf *c);

/* Parses one file's text (len bytes, need not be NUL-terminated) into c,
 * overriding the keys it sets.  name is used in messages only.  Returns 0,
 * or -1 with EX_CONFIG and "NAME:LINE: ..." naming the key.  On failure c
 * may hold keys from lines before the bad one. */
int conf_parse(struct conf *c, const char *name, const char *text, size_t len,
    struct err *e);

/* Reads and parses one file.  When must_exist is 0 a missing file
 * (ENOENT) is not an error and returns 0 with c unchanged.  Other read
 * errors and a path that is not a regular file: EX_CONFIG. */
int conf_load_file(struct conf *c, const char *path, int must_exist,
    struct err *e);

/* The user's file: $XDG_CONFIG_HOME/relayq/config when XDG_CONFIG_HOME is
 * an absolute path, else $HOME/.config/relayq/config (HOME, else the
 * password database).  Allocated for the caller; NULL when no home. */
char *conf_user_path(void);
/* Another file in the user's relayq config directory (e.g. "authinfo",
 * the default authinfo file).  Allocated; NULL when no home. */
char *conf_user_file(const char *name);
/* The system file, SYSCONFDIR "/relayq.conf" (a static string). */
const char *conf_system_path(void);

/* Loads system_path then user_path (either may be NULL or missing) into
 * an initialised c, the second overriding the first key by key.  This is
 * what conf_load does with the real paths.  Returns 0 or -1 (EX_CONFIG). */
int conf_load_layers(struct conf *c, const char *system_path,
    const char *user_path, struct err *e);

/* Initialises c and loads the configuration: only cli_path when it is
 * not NULL (it must exist), else the system file then the user file.
 * Returns 0 or -1 (EX_CONFIG); on failure c is still to be freed. */
int conf_load(struct conf *c, const char *cli_path, struct err *e);

/* Parses a duration: digits followed by a unit (s, m, h, d, w), several
 * such parts may follow one another ("1h30m"); a bare number takes
 * default_unit (one of "smhdw").  Stores seconds.  Returns 0, or -1 with
 * EX_USAGE for a malformed, empty, negative or overflowing value. */
int conf_duration(const char *s, char default_unit, long long *secs,
    struct err *e);

/* Parses a decimal number of digits only (no sign, no blanks) within
 * [min, max].  Returns 0, or -1 (no error set: callers name the key or
 * flag). */
int conf_long(const char *s, long min, long max, long *out);

/* Validators shared with cli.c; each returns 1 when s is acceptable. */
int conf_valid_domain(
    const char *s); /* host name: labels of [A-Za-z0-9-], dots between */
int conf_valid_address(
    const char *s); /* local@domain without blanks, <>, controls */

/* The host's fully qualified name: gethostname(), and when it has no dot
 * the canonical name from getaddrinfo(AI_CANONNAME) (/etc/hosts or DNS).
 * Allocated for the caller.  NULL with EX_CONFIG (telling the admin to
 * set "domain") when no dotted name is found. */
char *conf_fqdn(struct err *e);

#endif
