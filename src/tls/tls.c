/* tls.c — GnuTLS client session as a stream transport (see tls.h):
 * credentials, handshake, the push/pull callbacks over the inner stream
 * and session information.  The peer certificate is checked in
 * tls_verify.c. */
#include "config.h"

#include <arpa/inet.h>
#include <errno.h>
#include <gnutls/gnutls.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "lib/i18n.h"
#include "lib/xalloc.h"
#include "tls/tls.h"
#include "tls/tls_int.h"

/* ---- global ------------------------------------------------------------- */

int
tls_global_init(struct err *e)
{
	int r = gnutls_global_init();

	if (r < 0)
		return err_set(e, EX_SOFTWARE,
		    _("cannot initialise GnuTLS: %s"), gnutls_strerror(r));
	return 0;
}

void
tls_global_deinit(void)
{
	gnutls_global_deinit();
}

void
tls_config_init(struct tls_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->verify = 1;
	cfg->min_version = TLS_MIN_1_2;
}

/* ---- transport callbacks (below TLS: the inner stream ops) --------------- */

static ssize_t
pull(gnutls_transport_ptr_t ptr, void *p, size_t n)
{
	struct tls *t = ptr;
	ssize_t r = t->inner_ops->read(t->inner_ctx, p, n);

	if (r < 0) {
		t->inner_errno = errno;
		gnutls_transport_set_errno(t->session, errno);
	}
	while (r > 0 && t->nfirst < sizeof(t->first) && t->nfirst < (size_t)r) {
		t->first[t->nfirst] = ((const char *)p)[t->nfirst];
		t->nfirst++;
	}
	return r;
}

/* 1 when the peer's first bytes are an SMTP reply ("220 ", "220-"),
 * not a TLS record. */
static int
plain_smtp(const struct tls *t)
{
	return t->nfirst == sizeof(t->first) && t->first[0] >= '2' &&
	    t->first[0] <= '5' && t->first[1] >= '0' && t->first[1] <= '9' &&
	    t->first[2] >= '0' && t->first[2] <= '9' &&
	    (t->first[3] == ' ' || t->first[3] == '-');
}

static int
pull_timeout(gnutls_transport_ptr_t ptr, unsigned int ms)
{
	struct tls *t = ptr;
	struct pollfd p = { t->inner_fd, POLLIN, 0 };
	int r;

	/* The inner read enforces its own timeout and the stream's deadline:
	 * an indefinite wait here would bypass both. */
	if (t->inner_fd < 0 || ms == GNUTLS_INDEFINITE_TIMEOUT)
		return 1;
	do
		r = poll(&p, 1, (int)ms);
	while (r < 0 && errno == EINTR);
	return r;
}

static int
inner_write_all(struct tls *t, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t r = t->inner_ops->write(t->inner_ctx, p, n);

		if (r <= 0) {
			t->inner_errno = r < 0 ? errno : EPIPE;
			return -1;
		}
		p += r;
		n -= (size_t)r;
	}
	return 0;
}

/* While tls_write encrypts, records are collected in pushbuf and written
 * to the inner transport at once afterwards: a 64 KiB stream write becomes
 * one inner write of four full records, not four writes.  Otherwise
 * (handshake, close_notify) records go straight through. */
static ssize_t
vec_push(gnutls_transport_ptr_t ptr, const giovec_t *iov, int iovcnt)
{
	struct tls *t = ptr;
	size_t total = 0;

	for (int i = 0; i < iovcnt; i++)
		total += iov[i].iov_len;
	if (t->pushlen + total > t->pushcap) {
		t->pushcap = t->pushlen + total;
		t->pushbuf = xrealloc(t->pushbuf, t->pushcap);
	}
	for (int i = 0; i < iovcnt; i++) {
		memcpy(t->pushbuf + t->pushlen, iov[i].iov_base,
		    iov[i].iov_len);
		t->pushlen += iov[i].iov_len;
	}
	if (!t->collecting) {
		size_t n = t->pushlen;

		t->pushlen = 0;
		if (inner_write_all(t, t->pushbuf, n) < 0) {
			gnutls_transport_set_errno(t->session, t->inner_errno);
			return -1;
		}
	}
	return (ssize_t)total;
}

/* ---- stream ops (above TLS) ---------------------------------------------- */

static ssize_t
tls_read(void *ctx, void *p, size_t n)
{
	struct tls *t = ctx;
	ssize_t r;

	for (;;) {
		r = gnutls_record_recv(t->session, p, n);
		if (r >= 0)
			return r;
		if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED ||
		    r == GNUTLS_E_REHANDSHAKE ||
		    r == GNUTLS_E_WARNING_ALERT_RECEIVED)
			continue;
		if (r == GNUTLS_E_PREMATURE_TERMINATION)
			return 0; /* closed without close_notify: plain EOF */
		errno = r == GNUTLS_E_PULL_ERROR && t->inner_errno ?
		    t->inner_errno :
		    EPROTO;
		return -1;
	}
}

static ssize_t
tls_write(void *ctx, const void *p, size_t n)
{
	struct tls *t = ctx;
	size_t off = 0, len;
	ssize_t r = 0;

	t->collecting = 1;
	while (off < n) {
		r = gnutls_record_send(t->session, (const char *)p + off,
		    n - off);
		if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED)
			continue;
		if (r < 0)
			break;
		off += (size_t)r;
		if (t->pushlen >= STREAM_WBUF_SIZE) { /* bound the memory */
			len = t->pushlen;
			t->pushlen = 0;
			if (inner_write_all(t, t->pushbuf, len) < 0) {
				t->collecting = 0;
				errno = t->inner_errno;
				return -1;
			}
		}
	}
	t->collecting = 0;
	len = t->pushlen;
	t->pushlen = 0;
	if (r < 0) {
		errno = EPROTO;
		return -1;
	}
	if (inner_write_all(t, t->pushbuf, len) < 0) {
		errno = t->inner_errno;
		return -1;
	}
	return (ssize_t)n;
}

static void
tls_free(struct tls *t, int close_inner)
{
	if (t->session != NULL)
		gnutls_deinit(t->session);
	if (t->cred != NULL)
		gnutls_certificate_free_credentials(t->cred);
	if (close_inner && t->inner_ops->close != NULL)
		t->inner_ops->close(t->inner_ctx);
	free(t->pushbuf);
	free(t);
}

static void
tls_stream_close(void *ctx)
{
	tls_free(ctx, 1);
}

static const struct stream_ops tls_ops = { tls_read, tls_write,
	tls_stream_close };

void
tls_close(struct tls *t)
{
	int r;

	do
		r = gnutls_bye(t->session, GNUTLS_SHUT_WR);
	while (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED);
}

/* ---- setup and handshake ------------------------------------------------- */

static int
load_credentials(struct tls *t, const struct tls_config *cfg, struct err *e)
{
	int r;

	if (gnutls_certificate_allocate_credentials(&t->cred) < 0)
		return err_set(e, EX_SOFTWARE, _("TLS: out of memory"));
	if (cfg->trust_file != NULL) {
		r = gnutls_certificate_set_x509_trust_file(t->cred,
		    cfg->trust_file, GNUTLS_X509_FMT_PEM);
		if (r <= 0)
			return err_set(e, EX_CONFIG, _("tls_trust_file %s: %s"),
			    cfg->trust_file,
			    r < 0 ? gnutls_strerror(r) :
			            _("no certificates found in it"));
	} else if (cfg->verify && cfg->fingerprint == NULL)
		(void)gnutls_certificate_set_x509_system_trust(t->cred);
	if (cfg->crl_file != NULL &&
	    (r = gnutls_certificate_set_x509_crl_file(t->cred, cfg->crl_file,
	         GNUTLS_X509_FMT_PEM)) < 0)
		return err_set(e, EX_CONFIG, _("tls_crl_file %s: %s"),
		    cfg->crl_file, gnutls_strerror(r));
	if ((cfg->cert_file != NULL) != (cfg->key_file != NULL))
		return err_set(e, EX_CONFIG,
		    _("TLS client certificate: set both "
		      "tls_cert_file and tls_key_file, or neither"));
	if (cfg->cert_file != NULL &&
	    (r = gnutls_certificate_set_x509_key_file(t->cred, cfg->cert_file,
	         cfg->key_file, GNUTLS_X509_FMT_PEM)) < 0)
		return err_set(e, EX_CONFIG,
		    _("tls_cert_file %s / tls_key_file %s: %s"), cfg->cert_file,
		    cfg->key_file, gnutls_strerror(r));
	return 0;
}

static int
setup_session(struct tls *t, const struct tls_config *cfg,
    const char *server_name, struct err *e)
{
	unsigned char addr[16];
	const char *errpos = NULL;
	char *prio;
	int r;

	if (gnutls_init(&t->session, GNUTLS_CLIENT) < 0)
		return err_set(e, EX_SOFTWARE, _("TLS: out of memory"));
	prio = xasprintf("%s:-VERS-SSL3.0:-VERS-TLS1.0:-VERS-TLS1.1%s",
	    cfg->priority ? cfg->priority : "NORMAL",
	    cfg->min_version == TLS_MIN_1_3 ? ":-VERS-TLS1.2" : "");
	r = gnutls_priority_set_direct(t->session, prio, &errpos);
	free(prio);
	if (r < 0)
		return err_set(e, EX_CONFIG, _("tls_priorities '%s': %s"),
		    cfg->priority ? cfg->priority : "NORMAL",
		    gnutls_strerror(r));
	if (gnutls_credentials_set(t->session, GNUTLS_CRD_CERTIFICATE,
	        t->cred) < 0)
		return err_set(e, EX_SOFTWARE,
		    _("TLS: cannot set credentials"));
	if (inet_pton(AF_INET, server_name, addr) != 1 &&
	    inet_pton(AF_INET6, server_name, addr) != 1)
		gnutls_server_name_set(t->session, GNUTLS_NAME_DNS, server_name,
		    strlen(server_name));
	gnutls_transport_set_ptr(t->session, t);
	gnutls_transport_set_pull_function(t->session, pull);
	gnutls_transport_set_pull_timeout_function(t->session, pull_timeout);
	gnutls_transport_set_vec_push_function(t->session, vec_push);
	gnutls_handshake_set_timeout(t->session,
	    0); /* the inner stream times out */
	return 0;
}

static int
handshake(struct tls *t, struct err *e)
{
	int r;

	do
		r = gnutls_handshake(t->session);
	while (r < 0 && !gnutls_error_is_fatal(r));
	if (r >= 0)
		return 0;
	if (plain_smtp(t))
		return err_set(e, EX_TEMPFAIL,
		    _("%s sent a plain SMTP greeting "
		      "(\"%.3s ...\") where a TLS handshake was expected: it speaks "
		      "SMTP with STARTTLS, not implicit TLS; set \"tls starttls\" "
		      "(\"tls auto\" uses implicit TLS on port 465 only)"),
		    t->peer, t->first);
	if ((r == GNUTLS_E_PULL_ERROR || r == GNUTLS_E_PUSH_ERROR) &&
	    t->inner_errno)
		return err_sys(e, EX_TEMPFAIL, t->inner_errno,
		    _("TLS handshake with "
		      "%s failed"),
		    t->peer);
	if (r == GNUTLS_E_FATAL_ALERT_RECEIVED)
		return err_set(e, EX_TEMPFAIL,
		    _("TLS handshake with %s failed: the "
		      "server sent the alert \"%s\""),
		    t->peer,
		    gnutls_alert_get_name(gnutls_alert_get(t->session)));
	return err_set(e, EX_TEMPFAIL, _("TLS handshake with %s failed: %s"),
	    t->peer, gnutls_strerror(r));
}

int
tls_start(struct stream *s, const struct tls_config *cfg,
    const char *server_name, struct tls **out, struct err *e)
{
	struct tls *t;
	char pin[TLS_FP_LEN];

	if (cfg->fingerprint != NULL &&
	    tls_pin_normalise(cfg->fingerprint, pin) < 0)
		return err_set(e, EX_CONFIG,
		    _("tls_fingerprint '%s' is not a SHA-256 "
		      "fingerprint (64 hex digits, colons allowed, e.g. SHA256:AB:CD:...)"),
		    cfg->fingerprint);
	t = xcalloc(1, sizeof(*t));
	t->inner_ops = s->ops;
	t->inner_ctx = s->ctx;
	t->inner_fd = stream_fd(s);
	snprintf(t->peer, sizeof(t->peer), "%s", s->name);
	/* Swap first: this refuses bytes the peer sent ahead of the handshake.
	 */
	if (stream_replace(s, &tls_ops, t, e) < 0) {
		free(t);
		return -1;
	}
	if (load_credentials(t, cfg, e) < 0 ||
	    setup_session(t, cfg, server_name, e) < 0 || handshake(t, e) < 0 ||
	    tls_verify_peer(t, cfg, server_name, e) < 0)
		goto fail;
	*out = t;
	return 0;
fail:
	stream_replace(s, t->inner_ops, t->inner_ctx, NULL);
	tls_free(t, 0);
	return -1;
}

/* ---- session information ------------------------------------------------- */

int
tls_channel_binding(struct tls *t, const char **type, unsigned char **data,
    size_t *len, struct err *e)
{
	int tls13 = gnutls_protocol_get_version(t->session) == GNUTLS_TLS1_3;
	gnutls_datum_t cb = { NULL, 0 };
	int r = gnutls_session_channel_binding(t->session,
	    tls13 ? GNUTLS_CB_TLS_EXPORTER : GNUTLS_CB_TLS_UNIQUE, &cb);

	if (r < 0)
		return err_set(e, EX_SOFTWARE,
		    _("TLS: no channel binding data: %s"), gnutls_strerror(r));
	*type = tls13 ? "tls-exporter" : "tls-unique";
	*data = xmalloc(cb.size ? cb.size : 1);
	memcpy(*data, cb.data, cb.size);
	*len = cb.size;
	gnutls_free(cb.data);
	return 0;
}

const char *
tls_version(const struct tls *t)
{
	const char *v =
	    gnutls_protocol_get_name(gnutls_protocol_get_version(t->session));

	return v ? v : "?";
}

const char *
tls_cipher(const struct tls *t)
{
	const char *c = gnutls_cipher_get_name(gnutls_cipher_get(t->session));

	return c ? c : "?";
}

enum tls_trust
tls_trust(const struct tls *t)
{
	return t->trust;
}

char *
tls_describe(const struct tls *t, char *dst, size_t n)
{
	static const char *const names[] = { "verified", "pinned",
		"unverified" };

	snprintf(dst, n, "%s %s %s", tls_version(t), tls_cipher(t),
	    names[t->trust]);
	return dst;
}
