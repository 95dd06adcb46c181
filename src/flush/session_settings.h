/* session_settings.h — struct conf → what one delivery session needs:
 * the smarthosts, the address family, the TLS configuration, the
 * credential sources, the SASL and SMTP policies and the timeouts.
 *
 * Pure translation: nothing here connects, reads a credential, logs or
 * touches GnuTLS state; conf_map.h maps each enum.  flush_session.c opens
 * sessions with these settings, creds.c looks credentials up with them. */
#ifndef RELAYQ_SESSION_SETTINGS_H
#define RELAYQ_SESSION_SETTINGS_H

#include "auth/creds.h"
#include "auth/sasl.h"
#include "lib/err.h"
#include "options/conf.h"
#include "smtp/smtp_client.h"
#include "tls/tls.h"
#include "transport/smarthost.h"

struct session_settings {
	struct smarthost_list hosts; /* smarthost, tls as the default mode
	                              * (owned) */
	int family;                /* ip_family: AF_UNSPEC, AF_INET, AF_INET6 */
	struct tls_config tls;     /* tls_* (strings borrowed from conf) */
	struct creds_config creds; /* auth_*, authinfo (borrowed from conf
	                            * or user_authinfo) */
	char *user_authinfo;       /* the default authinfo file when conf
	                            * names none (owned), or NULL */
	int auth_required;         /* auth_user, auth_sources or
	                            * auth_password_command is set: no
	                            * credentials is an error, not "send
	                            * without AUTH" */
	enum sasl_clear clear;     /* auth_plaintext */
	int oauth_refresh;         /* oauth_provider is set: relayq-flush
	                            * keeps the OAuth2 token itself */
	enum smtp_eightbit eightbit; /* eightbit_mode */
	const char *helo;            /* helo_name, else the fqdn given */
	int connect_timeout_ms;      /* connect_timeout */
	int command_timeout_ms;      /* command_timeout: each reply, the TLS
	                              * handshake */
};

/* Fills s from c; fqdn (borrowed, may be NULL) is the EHLO name when c
 * sets no helo_name.  s borrows c's strings: c outlives s.  Returns 0, or
 * -1 with e (EX_CONFIG): no smarthost, a bad smarthost or auth_sources
 * value (the message names the key).  Free s with session_settings_free
 * either way. */
int session_settings_from_conf(const struct conf *c, const char *fqdn,
    struct session_settings *s, struct err *e);
void session_settings_free(struct session_settings *s);

/* The SMTP client's STARTTLS policy for an endpoint's TLS mode: required
 * for STARTTLS; none for implicit TLS (already on) and for none. */
enum smtp_tls_mode session_smtp_tls(enum smarthost_tls mode);

#endif
