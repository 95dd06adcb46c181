/* tls_verify.c — the peer certificate after the handshake: SHA-256
 * fingerprint, pinning, verification against the trust store, and a
 * plain-words message for each way it can fail (see tls.h). */
#include "config.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>
#include <time.h>

#include "lib/i18n.h"
#include "tls/tls.h"
#include "tls/tls_int.h"

/* ---- fingerprints ------------------------------------------------------- */

static int
peer_der(struct tls *t, gnutls_datum_t *der)
{
	unsigned n = 0;
	const gnutls_datum_t *list =
	    gnutls_certificate_get_peers(t->session, &n);

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
	if (gnutls_fingerprint(GNUTLS_DIG_SHA256, der, md, &len) < 0 ||
	    len != 32)
		return;
	p += sprintf(p, "SHA256:");
	for (size_t i = 0; i < len; i++)
		p += sprintf(p, i ? ":%02X" : "%02X", md[i]);
}

int
tls_pin_normalise(const char *in, char *out)
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

/* ---- verification messages ----------------------------------------------- */

static void
format_time(time_t when, char *dst, size_t n)
{
	struct tm tm;

	if (gmtime_r(&when, &tm) == NULL ||
	    strftime(dst, n, "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
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
		int type = gnutls_x509_crt_get_subject_alt_name(crt, seq, name,
		    &size, NULL);
		const char *show = NULL;

		if (type == GNUTLS_E_REQUESTED_DATA_NOT_AVAILABLE)
			break;
		if (type == GNUTLS_SAN_DNSNAME) {
			name[size] = '\0';
			show = name;
		} else if (type == GNUTLS_SAN_IPADDRESS &&
		    (size == 4 || size == 16))
			show = inet_ntop(size == 4 ? AF_INET : AF_INET6, name,
			    ip, sizeof(ip));
		if (show != NULL && used < n)
			used += (size_t)snprintf(dst + used, n - used, "%s%s",
			    used ? ", " : "", show);
		if (type < 0 && type != GNUTLS_E_SHORT_MEMORY_BUFFER)
			break;
	}
	if (used == 0) {
		size_t size = n;

		if (gnutls_x509_crt_get_dn_by_oid(crt,
		        GNUTLS_OID_X520_COMMON_NAME, 0, 0, dst, &size) < 0)
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
		return err_set(e, EX_PROTOCOL,
		    _("TLS: the certificate of %s has been "
		      "revoked by its issuer; the server's admin must replace it "
		      "(certificate %s)"),
		    t->peer, t->fp);
	if (status & GNUTLS_CERT_SIGNER_NOT_FOUND) {
		if (gnutls_x509_crt_check_issuer(crt, crt))
			return err_set(e, EX_PROTOCOL,
			    _("TLS: the certificate of %s is "
			      "self-signed; set tls_trust_file to that certificate, or pin "
			      "its fingerprint %s"),
			    t->peer, t->fp);
		gnutls_x509_crt_get_issuer_dn2(crt, &dn);
		rc = err_set(e, EX_PROTOCOL,
		    _("TLS: the certificate of %s was issued "
		      "by an unknown issuer (%s); set tls_trust_file to the CA that "
		      "signed it, or pin its fingerprint %s"),
		    t->peer, dn.data ? (const char *)dn.data : "?", t->fp);
		gnutls_free(dn.data);
		return rc;
	}
	if (status & GNUTLS_CERT_EXPIRED) {
		format_time(gnutls_x509_crt_get_expiration_time(crt), when,
		    sizeof(when));
		return err_set(e, EX_PROTOCOL,
		    _("TLS: the certificate of %s expired "
		      "on %s; the server's admin must renew it (certificate %s)"),
		    t->peer, when, t->fp);
	}
	if (status & GNUTLS_CERT_NOT_ACTIVATED) {
		format_time(gnutls_x509_crt_get_activation_time(crt), when,
		    sizeof(when));
		return err_set(e, EX_PROTOCOL,
		    _("TLS: the certificate of %s is not "
		      "valid before %s; check this machine's clock (certificate %s)"),
		    t->peer, when, t->fp);
	}
	if (status & GNUTLS_CERT_UNEXPECTED_OWNER) {
		cert_names(crt, names, sizeof(names));
		return err_set(e, EX_PROTOCOL,
		    _("TLS: the certificate of %s is for "
		      "%s, not %s; configure the smarthost by one of the names in the "
		      "certificate, or pin its fingerprint %s"),
		    t->peer, names, server_name, t->fp);
	}
	gnutls_certificate_verification_status_print(status, GNUTLS_CRT_X509,
	    &dn, 0);
	rc = err_set(e, EX_PROTOCOL,
	    _("TLS: the certificate of %s is not trusted: "
	      "%s (certificate %s)"),
	    t->peer, dn.data ? (const char *)dn.data : "?", t->fp);
	gnutls_free(dn.data);
	return rc;
}

int
tls_verify_peer(struct tls *t, const struct tls_config *cfg,
    const char *server_name, struct err *e)
{
	gnutls_datum_t der;
	gnutls_x509_crt_t crt = NULL;
	char pin[TLS_FP_LEN];
	unsigned status = 0;
	int r, rc = -1;

	t->trust = TLS_TRUST_UNVERIFIED;
	if (peer_der(t, &der) < 0) {
		if (!cfg->verify)
			return 0;
		return err_set(e, EX_PROTOCOL, _("TLS: %s sent no certificate"),
		    t->peer);
	}
	set_fingerprint(t, &der);
	if (!cfg->verify)
		return 0;
	if (cfg->fingerprint != NULL) {
		tls_pin_normalise(cfg->fingerprint,
		    pin); /* checked in tls_start */
		if (strcmp(pin, t->fp) != 0)
			return err_set(e, EX_PROTOCOL,
			    _("TLS: the certificate of %s "
			      "does not match the pinned fingerprint: it is %s, "
			      "tls_fingerprint is %s"),
			    t->peer, t->fp, pin);
		t->trust = TLS_TRUST_PINNED;
		return 0;
	}
	r = gnutls_certificate_verify_peers3(t->session, server_name, &status);
	if (r < 0)
		return err_set(e, EX_PROTOCOL,
		    _("TLS: cannot verify the certificate "
		      "of %s: %s"),
		    t->peer, gnutls_strerror(r));
	if (status == 0) {
		t->trust = TLS_TRUST_VERIFIED;
		return 0;
	}
	if (gnutls_x509_crt_init(&crt) < 0 ||
	    gnutls_x509_crt_import(crt, &der, GNUTLS_X509_FMT_DER) < 0) {
		err_set(e, EX_PROTOCOL,
		    _("TLS: %s sent a certificate that cannot be "
		      "parsed"),
		    t->peer);
		goto done;
	}
	explain(t, crt, status, server_name, e);
done:
	if (crt != NULL)
		gnutls_x509_crt_deinit(crt);
	return rc;
}

/* ---- certificate details (relayq check --connect) ------------------------ */

int
tls_peer_cert(struct tls *t, struct tls_cert_info *ci)
{
	gnutls_x509_crt_t crt;
	gnutls_datum_t der, dn;
	time_t until;

	memset(ci, 0, sizeof(*ci));
	if (peer_der(t, &der) < 0 || gnutls_x509_crt_init(&crt) < 0)
		return -1;
	if (gnutls_x509_crt_import(crt, &der, GNUTLS_X509_FMT_DER) < 0) {
		gnutls_x509_crt_deinit(crt);
		return -1;
	}
	if (gnutls_x509_crt_get_dn3(crt, &dn, 0) >= 0) {
		snprintf(ci->subject, sizeof(ci->subject), "%.*s", (int)dn.size,
		    (const char *)dn.data);
		gnutls_free(dn.data);
	}
	if (gnutls_x509_crt_get_issuer_dn3(crt, &dn, 0) >= 0) {
		snprintf(ci->issuer, sizeof(ci->issuer), "%.*s", (int)dn.size,
		    (const char *)dn.data);
		gnutls_free(dn.data);
	}
	cert_names(crt, ci->names, sizeof(ci->names));
	until = gnutls_x509_crt_get_expiration_time(crt);
	ci->expires = until;
	format_time(until, ci->expires_text, sizeof(ci->expires_text));
	gnutls_x509_crt_deinit(crt);
	return 0;
}
