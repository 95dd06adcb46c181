/* sasl.h — the SASL engine behind auth_ops.h: picks the strongest
 * mechanism both sides support, builds the messages (libgsasl for SCRAM,
 * CRAM-MD5, PLAIN and LOGIN; oauth.c for XOAUTH2 and OAUTHBEARER) and says
 * when a failure means "try the next mechanism".
 *
 * Preference, strongest first: SCRAM-SHA-256-PLUS, SCRAM-SHA-256,
 * SCRAM-SHA-1-PLUS, SCRAM-SHA-1, CRAM-MD5, PLAIN, LOGIN; with an OAuth2
 * token only OAUTHBEARER, then XOAUTH2.  -PLUS needs channel binding data
 * from the connection.  Mechanisms that send the secret itself (PLAIN,
 * LOGIN, XOAUTH2, OAUTHBEARER) need TLS with a verified certificate unless
 * the policy allows less.  The engine never logs and never prints a
 * secret; its copy of the secret is wiped by sasl_free(). */
#ifndef RELAYQ_SASL_H
#define RELAYQ_SASL_H

#include "auth/auth_ops.h"
#include "lib/err.h"

/* When may a mechanism that sends the secret itself be used? */
enum sasl_clear {
	SASL_CLEAR_VERIFIED = 0, /* TLS with a verified certificate (default) */
	SASL_CLEAR_TLS,          /* any TLS */
	SASL_CLEAR_ALWAYS /* even without TLS (admin's explicit choice) */
};

/* What the engine needs (all borrowed for the duration of sasl_new). */
struct sasl_params {
	const char *user;    /* authentication id (login name), required */
	const char *secret;  /* password or OAuth2 access token, required */
	const char *authzid; /* authorization id or NULL */
	const char *mechs;   /* restriction: names separated by spaces or
	                        commas, case-insensitive; NULL = any */
	int oauth;           /* secret is an OAuth2 access token */
	unsigned port;       /* smarthost port, for OAUTHBEARER */
	enum sasl_clear clear;
};

struct sasl_ctx;

/* Copies p into a new engine context (one per SMTP session).  Returns
 * NULL with e (EX_CONFIG when user or secret is missing, EX_SOFTWARE when
 * libgsasl cannot start). */
struct sasl_ctx *sasl_new(const struct sasl_params *p, struct err *e);

/* Wipes the secret, frees ctx.  NULL is fine. */
void sasl_free(struct sasl_ctx *ctx);

/* The mechanism of the last start(), or NULL (borrowed). */
const char *sasl_mechanism(const struct sasl_ctx *ctx);

/* The auth_ops the SMTP client calls with a struct sasl_ctx * as ctx.
 * Beyond auth_ops.h:
 * - start() returns 1 with EX_CONFIG when a cleartext mechanism or the
 *   credentials' mechanism list was the obstacle (the admin can fix it),
 *   EX_UNAVAILABLE when the server offers nothing usable.
 * - step() under XOAUTH2/OAUTHBEARER answers the server's error challenge
 *   (returns 0 with the required reply) and leaves the decoded,
 *   sanitised server error in e for the caller to report after the 535.
 * - finish() returns 1 for 504, 534, 538 and enhanced 5.7.9, 5.7.11,
 *   5.5.4, 5.5.1 (not with 535); never after step() failed on our side
 *   (e.g. a SCRAM server signature that does not verify), so a
 *   tampering server cannot push us down to a weaker mechanism that way.
 * - A 235 that arrives before a SCRAM server-final message was verified
 *   is accepted (RFC 4954 sends it in a 334, which step() verifies). */
extern const struct auth_ops sasl_auth_ops;

#endif
