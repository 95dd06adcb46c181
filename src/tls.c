/* tls.c — GnuTLS client session as a stream transport (see tls.h). */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <time.h>

#include "i18n.h"
#include "tls.h"
#include "xalloc.h"

#define FP_LEN (7 + 32 * 3)       /* "SHA256:" + "AB:" * 32 - 1 + NUL */

struct tls {
	gnutls_session_t session;
	gnutls_certificate_credentials_t cred;
	const struct stream_ops *inner_ops;
	void *inner_ctx;
	int inner_fd;             /* for pull_timeout; -1 if not an fd stream */
	int inner_errno;          /* errno of the last failed inner read/write */
	char *pushbuf;            /* records collected during tls_write */
	size_t pushlen, pushcap;
	int collecting;           /* vec_push appends to pushbuf instead of writing */
	enum tls_trust trust;
	char fp[FP_LEN];
	char peer[256];           /* the stream's name, for messages */
};

/* ---- global ------------------------------------------------------------- */

int
tls_global_init(struct err *e)
{
	int r = gnutls_global_init();

	if (r < 0)
		return err_set(e, EX_SOFTWARE, _("cannot initialise GnuTLS: %s"),
		    gnutls_strerror(r));
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

/* ---- transport callbacks (below TLS: the inner stream ops) ---------------- */

static ssize_t
pull(gnutls_transport_ptr_t ptr, void *p, size_t n)
{
	struct tls *t = ptr;
	ssize_t r = t->inner_ops->read(t->inner_ctx, p, n);

	if (r < 0) {
		t->inner_errno = errno;
		gnutls_transport_set_errno(t->session, errno);
	}
	return r;
}

static int
pull_timeout(gnutls_transport_ptr_t ptr, unsigned int ms)
{
	struct tls *t = ptr;
	struct pollfd p = { t->inner_fd, POLLIN, 0 };
	int r;

	if (t->inner_fd < 0)
		return 1;    /* the inner read enforces its own timeout */
	do
		r = poll(&p, 1, ms == GNUTLS_INDEFINITE_TIMEOUT ? -1 : (int)ms);
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
		memcpy(t->pushbuf + t->pushlen, iov[i].iov_base, iov[i].iov_len);
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

/* ---- stream ops (above TLS) ----------------------------------------------- */

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
		    r == GNUTLS_E_REHANDSHAKE || r == GNUTLS_E_WARNING_ALERT_RECEIVED)
			continue;
		if (r == GNUTLS_E_PREMATURE_TERMINATION)
			return 0;   /* closed without close_notify: plain EOF */
		errno = r == GNUTLS_E_PULL_ERROR && t->inner_errno ? t->inner_errno : EPROTO;
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
		r = gnutls_record_send(t->session, (const char *)p + off, n - off);
		if (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED)
			continue;
		if (r < 0)
			break;
		off += (size_t)r;
		if (t->pushlen >= STREAM_WBUF_SIZE) {   /* bound the memory */
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

static const struct stream_ops tls_ops = { tls_read, tls_write, tls_stream_close };

void
tls_close(struct tls *t)
{
	int r;

	do
		r = gnutls_bye(t->session, GNUTLS_SHUT_WR);
	while (r == GNUTLS_E_AGAIN || r == GNUTLS_E_INTERRUPTED);
}

/* ---- fingerprints ------------------------------------------------------- */

static int
peer_der(struct tls *t, gnutls_datum_t *der)
{
	unsigned n = 0;
	const gnutls_datum_t *list = gnutls_certificate_get_peers(t->session, &n);

	if (list == NULL || n == 0)
		return -1;
	*der = list[0];
	return 0;
}

static void
set_fingerprint(struct tls *t, const gnutls_datum_t *der)
{
	unsigned char md[32];
	size_t len = sizeof(md);
	char *p = t->fp;

	t->fp[0] = '\0';
	if (gnutls_fingerprint(GNUTLS_DIG_SHA256, der, md, &len) < 0 || len != 32)
		return;
	p += sprintf(p, "SHA256:");
	for (size_t i = 0; i < len; i++)
		p += sprintf(p, i ? ":%02X" : "%02X", md[i]);
}

/* Normalises a configured pin to "SHA256:AB:CD:…"; -1 if malformed. */
static int
normalise_pin(const char *in, char *out)
{
	char hex[65];
	size_t n = 0;

	if (strncasecmp(in, "SHA256:", 7) == 0)
		in += 7;
	for (; *in; in++) {
		if (*in == ':' || *in == ' ')
			continue;
		if (!isxdigit((unsigned char)*in) || n >= 64)
			return -1;
		hex[n++] = (char)toupper((unsigned char)*in);
	}
	if (n != 64)
		return -1;
	out += sprintf(out, "SHA256:");
	for (size_t i = 0; i < 64; i += 2)
		out += sprintf(out, i ? ":%c%c" : "%c%c", hex[i], hex[i + 1]);
	return 0;
}

const char *
tls_peer_fingerprint(const struct tls *t)
{
	return t->fp;
}

/* ---- verification messages ------------------------------------------------ */

static void
format_time(time_t when, char *dst, size_t n)
{
	struct tm tm;

	if (gmtime_r(&when, &tm) == NULL || strftime(dst, n, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
		snprintf(dst, n, "?");
}

/* The DNS/IP names in crt (SANs, else the CN), comma separated. */
static void
cert_names(gnutls_x509_crt_t crt, char *dst, size_t n)
{
	size_t used = 0;

	dst[0] = '\0';
	for (unsigned seq = 0;; seq++) {
		char name[256], ip[INET6_ADDRSTRLEN];
		size_t size = sizeof(name) - 1;
		int type = gnutls_x509_crt_get_subject_alt_name(crt, seq, name, &size, NULL);
		const char *show = NULL;

		if (type == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
			break;
		if (type == GNUTLS_SAN_DNSNAME) {
			name[size] = '\0';
			show = name;
		} else if (type == GNUTLS_SAN_IPADDRESS && (size == 4 || size == 16))
			show = inet_ntop(size == 4 ? AF_INET : AF_INET6, name, ip, sizeof(ip));
		if (show != NULL && used < n)
			used += (size_t)snprintf(dst + used, n - used, "%s%s",
			    used ? ", " : "", show);
		if (type < 0 && type != GNUTLS_E_SHORT_MEMORY_BUFFER)
			break;
	}
	if (used == 0) {
		size_t size = n;

		if (gnutls_x509_crt_get_dn_by_oid(crt, GNUTLS_OID_X520_COMMON_NAME,
		    0, 0, dst, &size) < 0)
			snprintf(dst, n, "(no names)");
	}
}

static int
explain(struct tls *t, gnutls_x509_crt_t crt, unsigned status,
    const char *server_name, struct err *e)
{
	char when[64], names[512];
	gnutls_datum_t dn = { NULL, 0 };
	int rc;

	if (status & GNUTLS_CERT_REVOKED)
		return err_set(e, EX_PROTOCOL, _("TLS: the certificate of %s has been "
		    "revoked by its issuer; the server's admin must replace it "
		    "(certificate %s)"), t->peer, t->fp);
	if (status & GNUTLS_CERT_SIGNER_NOT_FOUND) {
		if (gnutls_x509_crt_check_issuer(crt, crt))
			return err_set(e, EX_PROTOCOL, _("TLS: the certificate of %s is "
			    "self-signed; set tls_trust_file to that certificate, or pin "
			    "its fingerprint %s"), t->peer, t->fp);
		gnutls_x509_crt_get_issuer_dn2(crt, &dn);
		rc = err_set(e, EX_PROTOCOL, _("TLS: the certificate of %s was issued "
		    "by an unknown issuer (%s); set tls_trust_file to the CA that "
		    "signed it, or pin its fingerprint %s"), t->peer,
		    dn.data ? (const char *)dn.data : "?", t->fp);
		gnutls_free(dn.data);
		return rc;
	}
	if (status & GNUTLS_CERT_EXPIRED) {
		format_time(gnutls_x509_crt_get_expiration_time(crt), when, sizeof(when));
		return err_set(e, EX_PROTOCOL, _("TLS: the certificate of %s expired "
		    "on %s; the server's admin must renew it (certificate %s)"),
		    t->peer, when, t->fp);
	}
	if (status & GNUTLS_CERT_NOT_ACTIVATED) {
		format_time(gnutls_x509_crt_get_activation_time(crt), when, sizeof(when));
		return err_set(e, EX_PROTOCOL, _("TLS: the certificate of %s is not "
		    "valid before %s; check this machine's clock (certificate %s)"),
		    t->peer, when, t->fp);
	}
	if (status & GNUTLS_CERT_UNEXPECTED_OWNER) {
		cert_names(crt, names, sizeof(names));
		return err_set(e, EX_PROTOCOL, _("TLS: the certificate of %s is for "
		    "%s, not %s; configure the smarthost by one of the names in the "
		    "certificate, or pin its fingerprint %s"), t->peer, names,
		    server_name, t->fp);
	}
	gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509, &dn, 0);
	rc = err_set(e, EX_PROTOCOL, _("TLS: the certificate of %s is not trusted: "
	    "%s (certificate %s)"), t->peer, dn.data ? (const char *)dn.data : "?",
	    t->fp);
	gnutls_free(dn.data);
	return rc;
}

static int
verify(struct tls *t, const struct tls_config *cfg, const char *server_name,
    struct err *e)
{
	gnutls_datum_t der;
	gnutls_x509_crt_t crt = NULL;
	char pin[FP_LEN];
	unsigned status = 0;
	int r, rc = -1;

	t->trust = TLS_TRUST_UNVERIFIED;
	if (peer_der(t, &der) < 0) {
		if (!cfg->verify)
			return 0;
		return err_set(e, EX_PROTOCOL, _("TLS: %s sent no certificate"), t->peer);
	}
	set_fingerprint(t, &der);
	if (!cfg->verify)
		return 0;
	if (cfg->fingerprint != NULL) {
		normalise_pin(cfg->fingerprint, pin);   /* checked in tls_start */
		if (strcmp(pin, t->fp) != 0)
			return err_set(e, EX_PROTOCOL, _("TLS: the certificate of %s "
			    "does not match the pinned fingerprint: it is %s, "
			    "tls_fingerprint is %s"), t->peer, t->fp, pin);
		t->trust = TLS_TRUST_PINNED;
		return 0;
	}
	r = gnutls_certificate_verify_peers3(t->session, server_name, &status);
	if (r < 0)
		return err_set(e, EX_PROTOCOL, _("TLS: cannot verify the certificate "
		    "of %s: %s"), t->peer, gnutls_strerror(r));
	if (status == 0) {
		t->trust = TLS_TRUST_VERIFIED;
		return 0;
	}
	if (gnutls_x509_crt_init(&crt) < 0 ||
	    gnutls_x509_crt_import(crt, &der, GNUTLS_X509_FMT_DER) < 0) {
		err_set(e, EX_PROTOCOL, _("TLS: %s sent a certificate that cannot be "
		    "parsed"), t->peer);
		goto done;
	}
	explain(t, crt, status, server_name, e);
done:
	if (crt != NULL)
		gnutls_x509_crt_deinit(crt);
	return rc;
}

/* ---- setup and handshake ------------------------------------------------- */

static int
load_credentials(struct tls *t, const struct tls_config *cfg, struct err *e)
{
	int r;

	if (gnutls_certificate_allocate_credentials(&t->cred) < 0)
		return err_set(e, EX_SOFTWARE, _("TLS: out of memory"));
	if (cfg->trust_file != NULL) {
		r = gnutls_certificate_set_x509_trust_file(t->cred, cfg->trust_file,
		    GNUTLS_X509_FMT_PEM);
		if (r <= 0)
			return err_set(e, EX_CONFIG, _("tls_trust_file %s: %s"),
			    cfg->trust_file, r < 0 ? gnutls_strerror(r) :
			    _("no certificates found in it"));
	} else if (cfg->verify && cfg->fingerprint == NULL)
		(void)gnutls_certificate_set_x509_system_trust(t->cred);
	if (cfg->crl_file != NULL && (r = gnutls_certificate_set_x509_crl_file(
	    t->cred, cfg->crl_file, GNUTLS_X509_FMT_PEM)) < 0)
		return err_set(e, EX_CONFIG, _("tls_crl_file %s: %s"), cfg->crl_file,
		    gnutls_strerror(r));
	if ((cfg->cert_file != NULL) != (cfg->key_file != NULL))
		return err_set(e, EX_CONFIG, _("TLS client certificate: set both "
		    "tls_cert_file and tls_key_file, or neither"));
	if (cfg->cert_file != NULL && (r = gnutls_certificate_set_x509_key_file(
	    t->cred, cfg->cert_file, cfg->key_file, GNUTLS_X509_FMT_PEM)) < 0)
		return err_set(e, EX_CONFIG, _("tls_cert_file %s / tls_key_file %s: %s"),
		    cfg->cert_file, cfg->key_file, gnutls_strerror(r));
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
		    cfg->priority ? cfg->priority : "NORMAL", gnutls_strerror(r));
	if (gnutls_credentials_set(t->session, GNUTLS_CRD_CERTIFICATE, t->cred) < 0)
		return err_set(e, EX_SOFTWARE, _("TLS: cannot set credentials"));
	if (inet_pton(AF_INET, server_name, addr) != 1 &&
	    inet_pton(AF_INET6, server_name, addr) != 1)
		gnutls_server_name_set(t->session, GNUTLS_NAME_DNS, server_name,
		    strlen(server_name));
	gnutls_transport_set_ptr(t->session, t);
	gnutls_transport_set_pull_function(t->session, pull);
	gnutls_transport_set_pull_timeout_function(t->session, pull_timeout);
	gnutls_transport_set_vec_push_function(t->session, vec_push);
	gnutls_handshake_set_timeout(t->session, 0);   /* the inner stream times out */
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
	if ((r == GNUTLS_E_PULL_ERROR || r == GNUTLS_E_PUSH_ERROR) && t->inner_errno)
		return err_sys(e, EX_TEMPFAIL, t->inner_errno, _("TLS handshake with "
		    "%s failed"), t->peer);
	if (r == GNUTLS_E_FATAL_ALERT_RECEIVED)
		return err_set(e, EX_TEMPFAIL, _("TLS handshake with %s failed: the "
		    "server sent the alert \"%s\""), t->peer,
		    gnutls_alert_get_name(gnutls_alert_get(t->session)));
	return err_set(e, EX_TEMPFAIL, _("TLS handshake with %s failed: %s"),
	    t->peer, gnutls_strerror(r));
}

int
tls_start(struct stream *s, const struct tls_config *cfg,
    const char *server_name, struct tls **out, struct err *e)
{
	struct tls *t;
	char pin[FP_LEN];

	if (cfg->fingerprint != NULL && normalise_pin(cfg->fingerprint, pin) < 0)
		return err_set(e, EX_CONFIG, _("tls_fingerprint '%s' is not a SHA-256 "
		    "fingerprint (64 hex digits, colons allowed, e.g. SHA256:AB:CD:...)"),
		    cfg->fingerprint);
	t = xcalloc(1, sizeof(*t));
	t->inner_ops = s->ops;
	t->inner_ctx = s->ctx;
	t->inner_fd = stream_fd(s);
	snprintf(t->peer, sizeof(t->peer), "%s", s->name);
	/* Swap first: this refuses bytes the peer sent ahead of the handshake. */
	if (stream_replace(s, &tls_ops, t, e) < 0) {
		free(t);
		return -1;
	}
	if (load_credentials(t, cfg, e) < 0 || setup_session(t, cfg, server_name, e) < 0 ||
	    handshake(t, e) < 0 || verify(t, cfg, server_name, e) < 0)
		goto fail;
	*out = t;
	return 0;
fail:
	stream_replace(s, t->inner_ops, t->inner_ctx, NULL);
	tls_free(t, 0);
	return -1;
}

/* ---- session information -------------------------------------------------- */

int
tls_channel_binding(struct tls *t, const char **type, unsigned char **data,
    size_t *len, struct err *e)
{
	int tls13 = gnutls_protocol_get_version(t->session) == GNUTLS_TLS1_3;
	gnutls_datum_t cb = { NULL, 0 };
	int r = gnutls_session_channel_binding(t->session,
	    tls13 ? GNUTLS_CB_TLS_EXPORTER : GNUTLS_CB_TLS_UNIQUE, &cb);

	if (r < 0)
		return err_set(e, EX_SOFTWARE, _("TLS: no channel binding data: %s"),
		    gnutls_strerror(r));
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
	const char *v = gnutls_protocol_get_name(gnutls_protocol_get_version(t->session));

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
	static const char *const names[] = { "verified", "pinned", "unverified" };

	snprintf(dst, n, "%s %s %s", tls_version(t), tls_cipher(t), names[t->trust]);
	return dst;
}
