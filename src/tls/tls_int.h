/* tls_int.h — shared between tls.c (session, transport, handshake) and
 * tls_verify.c (the peer certificate); not for other modules. */
#ifndef RELAYQ_TLS_INT_H
#define RELAYQ_TLS_INT_H

#include <gnutls/gnutls.h>
#include <stddef.h>

#include "lib/err.h"
#include "lib/stream.h"
#include "tls/tls.h"

#define TLS_FP_LEN (7 + 32 * 3) /* "SHA256:" + "AB:" * 32 - 1 + NUL */

struct tls {
	gnutls_session_t session;
	gnutls_certificate_credentials_t cred;
	const struct stream_ops *inner_ops;
	void *inner_ctx;
	int inner_fd;    /* for pull_timeout; -1 if not an fd stream */
	int inner_errno; /* errno of the last failed inner read/write */
	char first[4];   /* the peer's first bytes, to name a plain
	                  * SMTP greeting where TLS was expected */
	size_t nfirst;
	char *pushbuf; /* records collected during tls_write */
	size_t pushlen, pushcap;
	int collecting; /* vec_push appends to pushbuf instead of writing */
	enum tls_trust trust;
	char fp[TLS_FP_LEN];
	char peer[256]; /* the stream's name, for messages */
};

/* Normalises a configured pin to "SHA256:AB:CD:…" in out (TLS_FP_LEN
 * bytes); -1 if in is not 64 hex digits (an optional "SHA256:" prefix,
 * colons and spaces allowed). */
int tls_pin_normalise(const char *in, char *out);

/* After the handshake: records the peer's fingerprint in t->fp and sets
 * t->trust.  With cfg->verify off anything is accepted (unverified); with
 * cfg->fingerprint the certificate must match that pin (which tls_start
 * has already checked for form); otherwise it must verify for server_name
 * against the session's trust store.  Returns -1 with EX_PROTOCOL and a
 * message naming the cause and the fix.  Does not log. */
int tls_verify_peer(struct tls *t, const struct tls_config *cfg,
    const char *server_name, struct err *e);

#endif
