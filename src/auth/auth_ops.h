/* auth_ops.h — the seam between the SMTP client (which speaks AUTH) and the
 * SASL engine (which builds the messages).  The client knows nothing of
 * mechanisms or secrets; the engine knows nothing of SMTP.  Responses and
 * challenges cross this seam base64-encoded, exactly as on the wire. */
#ifndef RELAYQ_AUTH_OPS_H
#define RELAYQ_AUTH_OPS_H

#include <stddef.h>

#include "lib/err.h"

/* What the connection is like when AUTH starts (borrowed by the engine for
 * the duration of one call). */
struct auth_conn {
	const char *host;    /* smarthost name, for messages and realm */
	int tls;             /* TLS is active */
	int tls_verified;    /* certificate verified (or pinned) */
	const char *cb_type; /* "tls-exporter", "tls-unique" or NULL */
	const unsigned char *cb_data; /* channel binding data, NULL if none */
	size_t cb_len;
};

struct auth_ops {
	/* Picks the strongest acceptable mechanism among server_mechs (the
	 * space-separated list from EHLO AUTH), not counting ones already
	 * tried in this session.  Returns 0 and sets *mech (borrowed, valid
	 * until the next call) and *initial (allocated base64 initial
	 * response for AUTH's second argument, "=" for an empty one, NULL to
	 * wait for a 334); 1 when no acceptable mechanism is left (e is set to
	 * say why, e.g. "PLAIN refused without TLS"); -1 on error. */
	int (*start)(void *ctx, const char *server_mechs,
	    const struct auth_conn *conn, const char **mech, char **initial,
	    struct err *e);
	/* Answers a 334 challenge (base64 text after "334 ").  Returns 0 and
	 * sets *response (allocated base64; "" allowed; the caller wipes and
	 * frees it), or -1 (the client then cancels with "*"). */
	int (*step)(void *ctx, const char *challenge, char **response,
	    struct err *e);
	/* Tells the engine how the exchange ended: code is the final reply
	 * (235 success; 4xx/5xx failure) and enhanced its status ("5.7.8") or
	 * NULL.  Returns 1 when another mechanism should be tried (the server
	 * cannot do this one: 504, 534 5.7.9, 538...), 0 when not (success,
	 * or a wrong password: 535 5.7.8 must never be retried blindly). */
	int (*finish)(void *ctx, int code, const char *enhanced);
};

#endif
