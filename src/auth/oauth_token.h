/* oauth_token.h — the OAuth2 token file and its refresh at delivery time.
 *
 * The token file (default QUEUE/oauth-token, beside hoststat, where the
 * shipped systemd units may write) holds the refresh token, the cached
 * access token and when it expires:
 *
 *   # relayq OAuth2 tokens: secret, mode 600; written by relayq-flush
 *   version 1
 *   refresh_token 1//0gAbC...
 *   access_token ya29.a0Af...
 *   expires 1790000000
 *   refreshed 1789996400
 *   refused 1790100000          (only after an invalid_grant)
 *
 * It is read like an authinfo file (owner and mode 600 checked, no
 * symlink) and replaced atomically with the durable recipe (durable.h);
 * a refresh holds PATH.lock (oauth_tokens_lock) from reading the refresh
 * token to storing the rotated one.
 * The store functions are libc-only; oauth_refresh() (libcurl, json-c)
 * exists only when configure found them (HAVE_OAUTH).  Nothing here logs,
 * and no error message ever holds a token or the client secret. */
#ifndef RELAYQ_OAUTH_TOKEN_H
#define RELAYQ_OAUTH_TOKEN_H

#include <sys/types.h>
#include <time.h>

#include "lib/err.h"
#include "options/conf.h"

struct oauth_tokens {
	char *refresh;    /* refresh token, or NULL (allocated, wiped) */
	char *access;     /* cached access token, or NULL (allocated, wiped) */
	time_t expires;   /* when access expires; 0 unknown */
	time_t refreshed; /* last successful refresh; 0 never */
	time_t refused;   /* when the provider refused the refresh token
	                   * for good (on_failure ran then); 0 not */
};

#define OAUTH_TOKENS_INIT \
	{ \
		NULL, NULL, 0, 0, 0 \
	}

/* Seconds before its expiry from which a cached access token is refreshed. */
#define OAUTH_REFRESH_MARGIN 60

/* Parses len bytes of token-file text (named path in messages) into t,
 * which must be empty.  Returns 0, or -1 with e (EX_CONFIG, naming the
 * line, never its value); t is then empty again. */
int oauth_tokens_parse(struct oauth_tokens *t, const char *path,
    const char *text, size_t len, struct err *e);

/* Reads path (private: owner uid, mode 600, no symlink) into t, which must
 * be empty.  Returns 0, 1 when the file does not exist, or -1 with e. */
int oauth_tokens_load(struct oauth_tokens *t, const char *path, uid_t owner,
    struct err *e);

/* Writes t to path atomically, mode 600 (temporary in path's directory).
 * Returns 0 or -1 with e; on failure path is unchanged. */
int oauth_tokens_save(const char *path, const struct oauth_tokens *t,
    struct err *e);

/* Waits for and takes an exclusive lock on PATH.lock (created mode 600
 * beside the token file), so that one refresh at a time reads, rotates
 * and stores the tokens: a delivery run, root's --all-users run and
 * relayq check may meet.  Returns the descriptor (close() releases the
 * lock), or -1 with e (EX_CANTCREAT: the directory is not writable). */
int oauth_tokens_lock(const char *path, struct err *e);

/* Whether t's access token is missing or expires within margin seconds
 * of now. */
int oauth_tokens_stale(const struct oauth_tokens *t, time_t now, int margin);

/* Wipes and frees t's tokens; t is empty afterwards. */
void oauth_tokens_free(struct oauth_tokens *t);

/* The token file's default path in the queue directory (allocated). */
char *oauth_token_default_path(const char *queue_dir);

/* Where to get tokens from (all borrowed). */
struct oauth_client {
	const char *token_endpoint; /* https URL (http only on loopback) */
	const char *client_id;
	const char *client_secret; /* or NULL: a public client */
	const char *scope;         /* or NULL: not sent */
	long timeout_ms;           /* whole request, 0: 60 s */
	const char *ca_file;       /* CA certificates for https endpoints,
	                            * or NULL: the system's */
};

/* The provider's token endpoint and scope for relayq.conf's
 * oauth_provider (google, microsoft); NULL for the others. */
const char *oauth_provider_endpoint(enum conf_oauth_provider provider);
const char *oauth_provider_scope(enum conf_oauth_provider provider);

/* Refreshes t's access token with its refresh token (grant_type
 * refresh_token, RFC 6749 section 6) at c's token endpoint: on success
 * sets t->access, t->expires, t->refreshed = now and, when the server
 * rotated it, t->refresh; returns 0.  On failure returns -1 with e:
 * EX_CONFIG when the grant is gone for good (invalid_grant, or the client
 * is refused: run relayq oauth setup again / fix the client), else
 * EX_TEMPFAIL (network, server error: try again later).  Only with
 * HAVE_OAUTH. */
int oauth_refresh(const struct oauth_client *c, struct oauth_tokens *t,
    time_t now, struct err *e);

/* A device authorization in progress (RFC 8628). */
struct oauth_device {
	char *device_code;  /* secret while it lasts (wiped) */
	char *user_code;    /* what the admin types in */
	char *uri;          /* where */
	char *uri_complete; /* with the code in it, or NULL */
	int interval;       /* seconds between polls */
	int expires_in;     /* seconds the codes live */
};

/* Starts a device authorization at endpoint (client_id and scope from c).
 * Returns 0 with d filled (oauth_device_free() it), or -1 with e.  Only
 * with HAVE_OAUTH. */
int oauth_device_start(const struct oauth_client *c, const char *endpoint,
    struct oauth_device *d, struct err *e);

/* Asks c's token endpoint once whether d was authorized: 0 with t's
 * tokens set (refresh token required), 1 still pending (d->interval may
 * have grown: slow_down), -1 with e (denied, expired, refused).  Only
 * with HAVE_OAUTH. */
int oauth_device_poll(const struct oauth_client *c, struct oauth_device *d,
    struct oauth_tokens *t, time_t now, struct err *e);

void oauth_device_free(struct oauth_device *d);

/* The provider's device authorization endpoint (microsoft), else NULL:
 * Google does not allow the device flow for the Gmail scope. */
const char *oauth_provider_device_endpoint(enum conf_oauth_provider provider);

/* The authorization-code flow with PKCE (RFC 7636), for a browser on any
 * machine: the authorization URL to open (allocated), with state and the
 * S256 challenge, access_type=offline and prompt=consent.  Only with
 * HAVE_OAUTH. */
char *oauth_auth_url(const struct oauth_client *c, const char *endpoint,
    const char *redirect_uri, const char *state, const char *challenge);

/* The URL-decoded value of query parameter name in url (allocated; the
 * caller wipe_free()s it), or NULL.  Only with HAVE_OAUTH. */
char *oauth_url_param(const char *url, const char *name);

/* Exchanges the authorization code (with the PKCE verifier) for tokens:
 * 0 with t set (a refresh token required), -1 with e (EX_NOPERM when the
 * server refuses the code).  Only with HAVE_OAUTH. */
int oauth_code_exchange(const struct oauth_client *c, const char *code,
    const char *verifier, const char *redirect_uri, struct oauth_tokens *t,
    time_t now, struct err *e);

/* The provider's authorization endpoint (google, microsoft), else
 * NULL. */
const char *oauth_provider_auth_endpoint(enum conf_oauth_provider provider);

#endif
