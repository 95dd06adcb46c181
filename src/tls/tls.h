/* tls.h — a GnuTLS client session as a stream transport.
 *
 * tls_start() runs the handshake over the stream's current transport and
 * then installs TLS ops on the same struct stream (stream_replace), so the
 * SMTP client keeps reading lines and writing bytes as before.  Use it right
 * after net_connect() for implicit TLS (port 465) or after the server's 220
 * reply to STARTTLS.  If the server sent bytes after that reply (possible
 * plaintext injection) the stream refuses before any handshake byte.
 *
 * Verification (on unless cfg->verify is 0):
 *   - the chain must lead to a CA in tls_trust_file, or in the system trust
 *     store when no trust file is set;
 *   - the certificate must name server_name (DNS or IP SAN; CN fallback as
 *     GnuTLS does); server_name is also sent as SNI unless it is an address;
 *   - it must be within its validity period and not revoked (tls_crl_file).
 * Pinning: when cfg->fingerprint is set, the server certificate's SHA-256
 * fingerprint must equal it and nothing else is checked: a matching pin
 * accepts a self-signed, expired or differently-named certificate (the
 * admin vouched for exactly this certificate), and a different certificate
 * is refused even when a CA vouches for it.
 *
 * Writes: struct stream hands over up to 64 KiB at once; they are encrypted
 * into full-size records (16 KiB) and handed to the inner transport in as
 * few writes as GnuTLS allows (the records are corked, then flushed). */
#ifndef RELAYQ_TLS_H
#define RELAYQ_TLS_H

#include <stddef.h>
#include <time.h>

#include "lib/err.h"
#include "lib/stream.h"

enum tls_min_version { TLS_MIN_1_2 = 0, TLS_MIN_1_3 = 1 };

struct tls_config {
	const char *trust_file; /* PEM CA bundle; NULL = system trust store */
	const char *crl_file;   /* PEM CRLs; NULL = none */
	const char *cert_file;  /* client certificate (PEM), with key_file */
	const char *key_file;
	const char *priority; /* GnuTLS priority string; NULL = "NORMAL" */
	const char
	    *fingerprint; /* "SHA256:AB:CD:…" or 64 hex digits; NULL = none */
	enum tls_min_version min_version;
	int verify; /* 1 (default); 0 only when explicitly configured */
};

/* How the server certificate was accepted. */
enum tls_trust { TLS_TRUST_VERIFIED, TLS_TRUST_PINNED, TLS_TRUST_UNVERIFIED };

struct tls;

/* Once per process, before any other tls_ call; returns 0 or -1
 * (EX_SOFTWARE).  tls_global_deinit() at exit. */
int tls_global_init(struct err *e);
void tls_global_deinit(void);

/* Defaults: verify on, TLS 1.2 minimum, priority "NORMAL". */
void tls_config_init(struct tls_config *cfg);

/* Handshakes with the peer of s and switches s to TLS.  server_name
 * (borrowed) is the name to verify and send as SNI.  On success *out is a
 * handle owned by the stream (freed by stream_close; do not free it).
 * Errors: EX_PROTOCOL for data ahead of the handshake or a failed
 * verification (the message says why, shows the certificate's
 * "SHA256:…" fingerprint and what to configure), EX_TEMPFAIL for a
 * handshake failure or I/O error, EX_CONFIG for unreadable trust/CRL/
 * client certificate files or a bad priority string or fingerprint.  On
 * failure s still has its previous transport.  Does not log. */
int tls_start(struct stream *s, const struct tls_config *cfg,
    const char *server_name, struct tls **out, struct err *e);

/* Sends close_notify, best effort (does not wait for the peer's).  Flush
 * the stream first.  The session itself is freed by stream_close(). */
void tls_close(struct tls *t);

/* Channel binding for SCRAM-*-PLUS: "tls-exporter" (TLS 1.3) or
 * "tls-unique" (TLS 1.2).  *type is static; *data is allocated for the
 * caller to free.  Returns 0 or -1 (EX_SOFTWARE). */
int tls_channel_binding(struct tls *t, const char **type, unsigned char **data,
    size_t *len, struct err *e);

/* For logs: "TLS1.3", "AES-256-GCM", how the certificate was accepted. */
const char *tls_version(const struct tls *t);
const char *tls_cipher(const struct tls *t);
enum tls_trust tls_trust(const struct tls *t);
/* "TLS1.3 AES-256-GCM verified" (or "pinned", "unverified") into dst. */
char *tls_describe(const struct tls *t, char *dst, size_t n);

/* The SHA-256 fingerprint of the server certificate as
 * "SHA256:AB:CD:…" (static per session). */
const char *tls_peer_fingerprint(const struct tls *t);

/* The server certificate as shown by relayq check --connect: subject and
 * issuer (RFC 4514, control characters as GnuTLS escapes them), the
 * names it is valid for, its expiry. */
struct tls_cert_info {
	char subject[512];
	char issuer[512];
	char names[512];
	time_t expires;
	char expires_text[64]; /* "2027-01-01 00:00:00 UTC" */
};

/* Fills ci from the peer's certificate; 0, or -1 when there is none or
 * it does not parse (ci is then zeroed).  Does not log. */
int tls_peer_cert(struct tls *t, struct tls_cert_info *ci);

#endif
