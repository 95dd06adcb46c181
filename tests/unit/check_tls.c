/* check_tls.c — TLS client against a GnuTLS server thread on a socketpair,
 * with a CA and certificates generated here: verification outcomes and
 * their messages, pinning, STARTTLS injection refusal, channel binding,
 * minimum version, record coalescing. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "lib/check_main.h"
#include "lib/clock.h"
#include "lib/tmpdir.h"
#include "tls/tls.h"

static char ca_pem[256], ca2_pem[256], srv_pem[256], srv_key[256];
static char exp_pem[256], self_pem[256], future_pem[256];
static char srv_fp[128], self_fp[128], exp_fp[128], future_fp[128];

/* ---- certificates ---------------------------------------------------- */

static void
write_datum(const char *path, const gnutls_datum_t *d)
{
	FILE *f = fopen(path, "w");

	ck_assert_ptr_nonnull(f);
	ck_assert_uint_eq(fwrite(d->data, 1, d->size, f), d->size);
	ck_assert_int_eq(fclose(f), 0);
}

static gnutls_x509_privkey_t
new_key(void)
{
	gnutls_x509_privkey_t k;

	ck_assert_int_eq(gnutls_x509_privkey_init(&k), 0);
	ck_assert_int_eq(gnutls_x509_privkey_generate(k, GNUTLS_PK_ECDSA,
	                     GNUTLS_CURVE_TO_BITS(GNUTLS_ECC_CURVE_SECP256R1),
	                     0),
	    0);
	return k;
}

/* A certificate for dn with key k, signed by (ica, ikey) or self-signed
 * when ica is NULL.  is_ca makes a CA; otherwise a "localhost" server. */
static gnutls_x509_crt_t
new_cert(const char *dn, gnutls_x509_privkey_t k, gnutls_x509_crt_t ica,
    gnutls_x509_privkey_t ikey, int is_ca, time_t from, time_t until,
    unsigned serial)
{
	gnutls_x509_crt_t c;
	unsigned char ser[2] = { (unsigned char)(serial >> 8),
		(unsigned char)serial };
	unsigned char lo[4] = { 127, 0, 0, 1 };

	ck_assert_int_eq(gnutls_x509_crt_init(&c), 0);
	ck_assert_int_eq(gnutls_x509_crt_set_version(c, 3), 0);
	ck_assert_int_eq(gnutls_x509_crt_set_serial(c, ser, 2), 0);
	ck_assert_int_eq(gnutls_x509_crt_set_activation_time(c, from), 0);
	ck_assert_int_eq(gnutls_x509_crt_set_expiration_time(c, until), 0);
	ck_assert_int_eq(gnutls_x509_crt_set_dn(c, dn, NULL), 0);
	ck_assert_int_eq(gnutls_x509_crt_set_key(c, k), 0);
	ck_assert_int_eq(gnutls_x509_crt_set_basic_constraints(c, is_ca, -1),
	    0);
	if (is_ca) {
		ck_assert_int_eq(gnutls_x509_crt_set_key_usage(c,
		                     GNUTLS_KEY_KEY_CERT_SIGN |
		                         GNUTLS_KEY_CRL_SIGN),
		    0);
	} else {
		ck_assert_int_eq(gnutls_x509_crt_set_subject_alt_name(c,
		                     GNUTLS_SAN_DNSNAME, "localhost", 9,
		                     GNUTLS_FSAN_APPEND),
		    0);
		ck_assert_int_eq(gnutls_x509_crt_set_subject_alt_name(c,
		                     GNUTLS_SAN_IPADDRESS, lo, 4,
		                     GNUTLS_FSAN_APPEND),
		    0);
		ck_assert_int_eq(gnutls_x509_crt_set_key_purpose_oid(c,
		                     GNUTLS_KP_TLS_WWW_SERVER, 0),
		    0);
		ck_assert_int_eq(gnutls_x509_crt_set_key_usage(c,
		                     GNUTLS_KEY_DIGITAL_SIGNATURE),
		    0);
	}
	ck_assert_int_eq(gnutls_x509_crt_sign2(c, ica ? ica : c, ica ? ikey : k,
	                     GNUTLS_DIG_SHA256, 0),
	    0);
	return c;
}

static void
save_cert(gnutls_x509_crt_t c, const char *path, char *fp)
{
	gnutls_datum_t d;
	unsigned char md[32];
	size_t len = sizeof(md);

	ck_assert_int_eq(gnutls_x509_crt_export2(c, GNUTLS_X509_FMT_PEM, &d),
	    0);
	write_datum(path, &d);
	gnutls_free(d.data);
	if (fp != NULL) {
		ck_assert_int_eq(gnutls_x509_crt_get_fingerprint(c,
		                     GNUTLS_DIG_SHA256, md, &len),
		    0);
		fp += sprintf(fp, "SHA256:");
		for (size_t i = 0; i < len; i++)
			fp += sprintf(fp, i ? ":%02X" : "%02X", md[i]);
	}
}

/* All server certificates share one key (srv.key). */
static void
make_pki(void)
{
	time_t now = time(NULL);
	gnutls_x509_privkey_t cak = new_key(), ca2k = new_key(), sk = new_key();
	gnutls_x509_crt_t ca, ca2, c;
	gnutls_datum_t d;

	test_tmpdir_setup();
	snprintf(ca_pem, sizeof(ca_pem), "%s/ca.pem", test_dir);
	snprintf(ca2_pem, sizeof(ca2_pem), "%s/ca2.pem", test_dir);
	snprintf(srv_pem, sizeof(srv_pem), "%s/srv.pem", test_dir);
	snprintf(srv_key, sizeof(srv_key), "%s/srv.key", test_dir);
	snprintf(exp_pem, sizeof(exp_pem), "%s/exp.pem", test_dir);
	snprintf(self_pem, sizeof(self_pem), "%s/self.pem", test_dir);
	snprintf(future_pem, sizeof(future_pem), "%s/future.pem", test_dir);
	ca = new_cert("CN=relayq test CA", cak, NULL, NULL, 1, now - 3600,
	    now + 86400, 1);
	ca2 = new_cert("CN=other CA", ca2k, NULL, NULL, 1, now - 3600,
	    now + 86400, 2);
	save_cert(ca, ca_pem, NULL);
	save_cert(ca2, ca2_pem, NULL);
	c = new_cert("CN=localhost", sk, ca, cak, 0, now - 3600, now + 86400,
	    3);
	save_cert(c, srv_pem, srv_fp);
	gnutls_x509_crt_deinit(c);
	c = new_cert("CN=localhost", sk, ca, cak, 0, 1577836800, 1609459200, 4);
	save_cert(c, exp_pem, exp_fp); /* 2020-01-01 .. 2021-01-01 */
	gnutls_x509_crt_deinit(c);
	c = new_cert("CN=localhost", sk, ca, cak, 0, 4102444800, 4133980800, 5);
	save_cert(c, future_pem, future_fp); /* 2100-01-01 .. 2101-01-01 */
	gnutls_x509_crt_deinit(c);
	c = new_cert("CN=localhost", sk, NULL, NULL, 0, now - 3600, now + 86400,
	    6);
	save_cert(c, self_pem, self_fp);
	gnutls_x509_crt_deinit(c);
	ck_assert_int_eq(gnutls_x509_privkey_export2(sk, GNUTLS_X509_FMT_PEM,
	                     &d),
	    0);
	write_datum(srv_key, &d);
	gnutls_free(d.data);
	gnutls_x509_crt_deinit(ca);
	gnutls_x509_crt_deinit(ca2);
	gnutls_x509_privkey_deinit(cak);
	gnutls_x509_privkey_deinit(ca2k);
	gnutls_x509_privkey_deinit(sk);
}

static void
setup_once(void)
{
	ck_assert_int_eq(tls_global_init(NULL), 0);
	make_pki();
}

static void
teardown_once(void)
{
	test_tmpdir_teardown();
	tls_global_deinit();
}

/* ---- the server thread ---------------------------------------------- */

struct server {
	int fd;
	const char *cert;
	const char *priority;
	int want_client_cert;
	unsigned client_certs; /* certificates the client presented */
	pthread_t thread;
	int handshake_rc;
	unsigned long long bytes; /* application bytes received */
	unsigned char cb[128];
	size_t cblen;
};

static void *
serve(void *arg)
{
	struct server *sv = arg;
	gnutls_certificate_credentials_t cred;
	gnutls_session_t s;
	gnutls_datum_t cb = { NULL, 0 };
	char buf[65536];
	ssize_t r;
	int tls13;

	gnutls_certificate_allocate_credentials(&cred);
	gnutls_certificate_set_x509_key_file(cred, sv->cert, srv_key,
	    GNUTLS_X509_FMT_PEM);
	gnutls_init(&s, GNUTLS_SERVER);
	gnutls_priority_set_direct(s, sv->priority ? sv->priority : "NORMAL",
	    NULL);
	gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, cred);
	if (sv->want_client_cert)
		gnutls_certificate_server_set_request(s, GNUTLS_CERT_REQUEST);
	gnutls_transport_set_int(s, sv->fd);
	gnutls_handshake_set_timeout(s, 5000);
	do
		sv->handshake_rc = gnutls_handshake(s);
	while (
	    sv->handshake_rc < 0 && !gnutls_error_is_fatal(sv->handshake_rc));
	if (sv->handshake_rc < 0)
		goto done;
	gnutls_certificate_get_peers(s, &sv->client_certs);
	tls13 = gnutls_protocol_get_version(s) == GNUTLS_TLS1_3;
	if (gnutls_session_channel_binding(s,
	        tls13 ? GNUTLS_CB_TLS_EXPORTER : GNUTLS_CB_TLS_UNIQUE,
	        &cb) == 0 &&
	    cb.size <= sizeof(sv->cb)) {
		memcpy(sv->cb, cb.data, cb.size);
		sv->cblen = cb.size;
	}
	gnutls_free(cb.data);
	/* Echo each chunk's first line back as "250 <line>"; count bytes. */
	while ((r = gnutls_record_recv(s, buf, sizeof(buf))) > 0) {
		char *nl = memchr(buf, '\n', (size_t)r);

		sv->bytes += (unsigned long long)r;
		if (nl != NULL && strncmp(buf, "EHLO", 4) == 0) {
			char reply[300];
			int n = snprintf(reply, sizeof(reply), "250 %.*s\r\n",
			    (int)(nl - buf > 200 ? 200 : nl - buf - 1), buf);

			gnutls_record_send(s, reply, (size_t)n);
		}
	}
done:
	gnutls_deinit(s);
	gnutls_certificate_free_credentials(cred);
	close(sv->fd);
	return NULL;
}

/* Starts a server on one end of a socketpair; returns the client end.
 * sv->want_client_cert is kept. */
static int
start_server(struct server *sv, const char *cert, const char *priority)
{
	int sp[2], want = sv->want_client_cert;

	memset(sv, 0, sizeof(*sv));
	sv->want_client_cert = want;
	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sp),
	    0);
	sv->fd = sp[1];
	sv->cert = cert;
	sv->priority = priority;
	ck_assert_int_eq(pthread_create(&sv->thread, NULL, serve, sv), 0);
	return sp[0];
}

static const char *prio_for_client_cert[] = { NULL, "NORMAL:-VERS-TLS1.3",
	NULL };

/* ---- verification table ------------------------------------------------ */

enum pin { NOPIN, PIN_SRV, PIN_SELF, PIN_WRONG };

static const struct vcase {
	const char *what;
	int cert;  /* 0 srv, 1 expired, 2 self, 3 not yet valid */
	int trust; /* 0 system, 1 ca.pem, 2 ca2.pem */
	const char *name;
	enum pin pin;
	int verify;
	int rc, code;
	const char *msg; /* fragments joined by '|' */
	enum tls_trust how;
	/* clang-format off */
} vcases[] = {
	{ "ok with CA", 0, 1, "localhost", NOPIN, 1, 0, 0, NULL, TLS_TRUST_VERIFIED },
	{ "ok by IP SAN", 0, 1, "127.0.0.1", NOPIN, 1, 0, 0, NULL, TLS_TRUST_VERIFIED },
	{ "unknown issuer", 0, 2, "localhost", NOPIN, 1, -1, EX_PROTOCOL,
	  "was issued by an unknown issuer (CN=relayq test CA); set tls_trust_file "
	  "to the CA that signed it, or pin its fingerprint SHA256:", 0 },
	{ "system trust", 0, 0, "localhost", NOPIN, 1, -1, EX_PROTOCOL,
	  "unknown issuer", 0 },
	{ "wrong name", 0, 1, "mail.example.org", NOPIN, 1, -1, EX_PROTOCOL,
	  "is for localhost, 127.0.0.1, not mail.example.org", 0 },
	{ "expired", 1, 1, "localhost", NOPIN, 1, -1, EX_PROTOCOL,
	  "expired on 2021-01-01 00:00:00 UTC", 0 },
	{ "not yet valid", 3, 1, "localhost", NOPIN, 1, -1, EX_PROTOCOL,
	  "is not valid before 2100-01-01 00:00:00 UTC", 0 },
	{ "self-signed", 2, 1, "localhost", NOPIN, 1, -1, EX_PROTOCOL,
	  "is self-signed; set tls_trust_file to that certificate, or pin its "
	  "fingerprint SHA256:", 0 },
	{ "pin without CA", 2, 0, "localhost", PIN_SELF, 1, 0, 0, NULL, TLS_TRUST_PINNED },
	{ "pin accepts wrong name", 0, 2, "other.example", PIN_SRV, 1, 0, 0, NULL,
	  TLS_TRUST_PINNED },
	{ "pin mismatch", 0, 1, "localhost", PIN_WRONG, 1, -1, EX_PROTOCOL,
	  "does not match the pinned fingerprint: it is SHA256:", 0 },
	{ "verify off", 2, 2, "whatever", NOPIN, 0, 0, 0, NULL, TLS_TRUST_UNVERIFIED },
};
/* clang-format on */

START_TEST(test_verify)
{
	const struct vcase *c = &vcases[_i];
	const char *certs[] = { srv_pem, exp_pem, self_pem, future_pem };
	const char *trusts[] = { NULL, ca_pem, ca2_pem };
	const char *fps[] = { srv_fp, exp_fp, self_fp, future_fp };
	struct server sv;
	struct tls_config cfg;
	struct stream s;
	struct tls *t = NULL;
	struct buf line = BUF_INIT;
	struct err e;
	int fd;

	sv.want_client_cert = 0;
	fd = start_server(&sv, certs[c->cert], NULL);

	tls_config_init(&cfg);
	cfg.trust_file = trusts[c->trust];
	cfg.verify = c->verify;
	if (c->pin == PIN_SRV)
		cfg.fingerprint = srv_fp;
	else if (c->pin == PIN_SELF)
		cfg.fingerprint = self_fp + 7; /* without the SHA256: prefix */
	else if (c->pin == PIN_WRONG)
		cfg.fingerprint = self_fp;
	stream_init_fd(&s, fd, 5000, "localhost[127.0.0.1]:465");
	err_clear(&e);
	ck_assert_msg(tls_start(&s, &cfg, c->name, &t, &e) == c->rc, "%s: %s",
	    c->what, e.msg);
	if (c->rc == 0) {
		ck_assert_int_eq(tls_trust(t), c->how);
		ck_assert_str_eq(tls_peer_fingerprint(t), fps[c->cert]);
		ck_assert_int_eq(stream_puts(&s, "EHLO client.test\r\n", &e),
		    0);
		ck_assert_int_eq(stream_flush(&s, &e), 0);
		ck_assert_int_eq(stream_getline(&s, &line, 1000, &e), 1);
		ck_assert_str_eq(line.data, "250 EHLO client.test");
		tls_close(t);
	} else {
		ck_assert_int_eq(e.code, c->code);
		ck_assert_msg(strstr(e.msg, c->msg) != NULL,
		    "%s: '%s' lacks '%s'", c->what, e.msg, c->msg);
		ck_assert_msg(strstr(e.msg, "localhost[127.0.0.1]:465") != NULL,
		    "%s", e.msg);
		if (c->pin == NOPIN) /* the fingerprint is there to be pinned */
			ck_assert_msg(strstr(e.msg, fps[c->cert]) != NULL, "%s",
			    e.msg);
		/* the stream still has its plain transport */
		ck_assert_int_ge(stream_fd(&s), 0);
	}
	stream_close(&s);
	pthread_join(sv.thread, NULL);
	buf_free(&line);
}
END_TEST

/* ---- STARTTLS, channel binding, versions, records ------------------------ */

START_TEST(test_starttls_injection_refused)
{
	int sp[2];
	struct stream s;
	struct tls_config cfg;
	struct tls *t = NULL;
	struct buf line = BUF_INIT;
	struct err e;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
	ck_assert_int_eq(write(sp[1],
	                     "220 ready to start TLS\r\nMAIL FROM:<evil>\r\n",
	                     42),
	    42);
	stream_init_fd(&s, sp[0], 2000, "mx.test[192.0.2.1]:587");
	ck_assert_int_eq(stream_getline(&s, &line, 1000, &e), 1);
	ck_assert_str_eq(line.data, "220 ready to start TLS");
	tls_config_init(&cfg);
	cfg.trust_file = ca_pem;
	ck_assert_int_eq(tls_start(&s, &cfg, "mx.test", &t, &e), -1);
	ck_assert_int_eq(e.code, EX_PROTOCOL);
	ck_assert_str_eq(e.msg,
	    "mx.test[192.0.2.1]:587 sent data ahead of the TLS "
	    "handshake; refusing it as a possible injection attack");
	ck_assert_ptr_null(t);
	/* nothing was consumed or sent: the plain stream is intact */
	ck_assert_int_eq(stream_getline(&s, &line, 1000, &e), 1);
	ck_assert_str_eq(line.data, "MAIL FROM:<evil>");
	stream_close(&s);
	close(sp[1]);
	buf_free(&line);
}
END_TEST

/* Implicit TLS against a port that speaks plain SMTP: the greeting
 * arrives where the TLS handshake was expected; the error names it and
 * the setting that fixes it. */
START_TEST(test_plain_greeting_where_tls_expected)
{
	static const char greeting[] = "220 mx.test ESMTP Postfix\r\n";
	int sp[2];
	struct stream s;
	struct tls_config cfg;
	struct tls *t = NULL;
	struct err e;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
	ck_assert_int_eq(write(sp[1], greeting, sizeof(greeting) - 1),
	    (ssize_t)sizeof(greeting) - 1);
	stream_init_fd(&s, sp[0], 2000, "mx.test[192.0.2.1]:2525");
	tls_config_init(&cfg);
	cfg.trust_file = ca_pem;
	ck_assert_int_eq(tls_start(&s, &cfg, "mx.test", &t, &e), -1);
	ck_assert_int_eq(e.code, EX_TEMPFAIL);
	ck_assert_str_eq(e.msg,
	    "mx.test[192.0.2.1]:2525 sent a plain SMTP "
	    "greeting (\"220 ...\") where a TLS handshake was expected: it speaks "
	    "SMTP with STARTTLS, not implicit TLS; set \"tls starttls\" "
	    "(\"tls auto\" uses implicit TLS on port 465 only)");
	ck_assert_ptr_null(t);
	stream_close(&s);
	close(sp[1]);
}
END_TEST

/* Under TLS a reply is bounded by the stream's deadline too: a server
 * that sends nothing after the handshake is given up at the deadline
 * (0.5 s), not at the per-read timeout (3 s). */
START_TEST(test_deadline_under_tls)
{
	struct server sv;
	struct tls_config cfg;
	struct stream s;
	struct tls *t = NULL;
	struct buf line = BUF_INIT;
	struct err e;
	long long t0, took;
	int fd;

	sv.want_client_cert = 0;
	fd = start_server(&sv, srv_pem, NULL);
	tls_config_init(&cfg);
	cfg.trust_file = ca_pem;
	stream_init_fd(&s, fd, 3000, "localhost[127.0.0.1]:465");
	ck_assert_msg(tls_start(&s, &cfg, "localhost", &t, &e) == 0, "%s",
	    e.msg);
	t0 = clock_mono_ms(NULL);
	stream_set_deadline(&s, 500);
	ck_assert_int_eq(stream_getline(&s, &line, 1000, &e), -1);
	took = clock_mono_ms(NULL) - t0;
	ck_assert_int_ge(took, 400);
	ck_assert_int_lt(took, 2000);
	ck_assert_ptr_nonnull(strstr(e.msg, "no complete reply within 1 s"));
	stream_set_deadline(&s, 0);
	tls_close(t);
	stream_close(&s);
	pthread_join(sv.thread, NULL);
	buf_free(&line);
}
END_TEST

START_TEST(test_channel_binding)
{
	static const char *prio[] = { NULL, "NORMAL:-VERS-TLS1.3" };
	static const char *want_type[] = { "tls-exporter", "tls-unique" };
	static const char *want_ver[] = { "TLS1.3", "TLS1.2" };
	struct server sv;
	struct tls_config cfg;
	struct stream s;
	struct tls *t = NULL;
	const char *type = NULL;
	unsigned char *data = NULL;
	size_t len = 0;
	char desc[128], want[128];
	struct err e;
	int fd;

	sv.want_client_cert = 0;
	fd = start_server(&sv, srv_pem, prio[_i]);

	tls_config_init(&cfg);
	cfg.trust_file = ca_pem;
	stream_init_fd(&s, fd, 5000, "localhost[127.0.0.1]:465");
	ck_assert_msg(tls_start(&s, &cfg, "localhost", &t, &e) == 0, "%s",
	    e.msg);
	ck_assert_int_eq(tls_channel_binding(t, &type, &data, &len, &e), 0);
	ck_assert_str_eq(type, want_type[_i]);
	ck_assert_str_eq(tls_version(t), want_ver[_i]);
	snprintf(want, sizeof(want), "%s %s verified", want_ver[_i],
	    tls_cipher(t));
	ck_assert_str_eq(tls_describe(t, desc, sizeof(desc)), want);
	ck_assert_uint_gt(len, 0);
	tls_close(t);
	stream_close(&s);
	pthread_join(sv.thread, NULL);
	ck_assert_uint_eq(len, sv.cblen);
	ck_assert_int_eq(memcmp(data, sv.cb, len), 0);
	free(data);
}
END_TEST

START_TEST(test_min_version)
{
	struct server sv;
	struct tls_config cfg;
	struct stream s;
	struct tls *t = NULL;
	struct err e;
	int fd;

	sv.want_client_cert = 0;
	fd = start_server(&sv, srv_pem, "NORMAL:-VERS-TLS1.3");

	tls_config_init(&cfg);
	cfg.trust_file = ca_pem;
	cfg.min_version = TLS_MIN_1_3;
	stream_init_fd(&s, fd, 5000, "localhost[127.0.0.1]:465");
	ck_assert_int_eq(tls_start(&s, &cfg, "localhost", &t, &e), -1);
	ck_assert_int_eq(e.code, EX_TEMPFAIL);
	ck_assert_msg(strstr(e.msg,
	                  "TLS handshake with localhost[127.0.0.1]:465 "
	                  "failed") != NULL,
	    "%s", e.msg);
	stream_close(&s);
	pthread_join(sv.thread, NULL);
}
END_TEST

START_TEST(test_client_certificate)
{
	struct server sv;
	struct tls_config cfg;
	struct stream s;
	struct tls *t = NULL;
	struct err e;
	int fd;

	sv.want_client_cert = 1;
	fd = start_server(&sv, srv_pem, prio_for_client_cert[_i]);
	tls_config_init(&cfg);
	cfg.trust_file = ca_pem;
	if (_i < 2) {
		cfg.cert_file = self_pem;
		cfg.key_file = srv_key;
	}
	stream_init_fd(&s, fd, 5000, "localhost[127.0.0.1]:465");
	ck_assert_msg(tls_start(&s, &cfg, "localhost", &t, &e) == 0, "%s",
	    e.msg);
	tls_close(t);
	stream_close(&s);
	pthread_join(sv.thread, NULL);
	ck_assert_uint_eq(sv.client_certs, _i < 2 ? 1 : 0);
}
END_TEST

static const struct ccase {
	struct tls_config cfg;
	const char *msg;
	/* clang-format off */
} ccases[] = {
	{ { .fingerprint = "SHA256:12:34", .verify = 1 }, "tls_fingerprint 'SHA256:12:34' is not a SHA-256 fingerprint" },
	{ { .trust_file = "/nonexistent/ca.pem", .verify = 1 }, "tls_trust_file /nonexistent/ca.pem: " },
	{ { .priority = "NORMAL:+NONSENSE", .verify = 1 }, "tls_priorities 'NORMAL:+NONSENSE': " },
	{ { .cert_file = "/x.pem", .verify = 1 }, "set both tls_cert_file and tls_key_file, or neither" },
};
/* clang-format on */

START_TEST(test_config_errors)
{
	int sp[2];
	struct stream s;
	struct tls *t = NULL;
	struct err e;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sp), 0);
	stream_init_fd(&s, sp[0], 2000, "mx.test[192.0.2.1]:465");
	ck_assert_int_eq(tls_start(&s, &ccases[_i].cfg, "mx.test", &t, &e), -1);
	ck_assert_int_eq(e.code, EX_CONFIG);
	ck_assert_msg(strstr(e.msg, ccases[_i].msg) != NULL, "%s", e.msg);
	ck_assert_int_eq(stream_fd(&s), sp[0]);
	stream_close(&s);
	close(sp[1]);
}
END_TEST

/* Counts writes on the inner transport. */
struct counted {
	int fd;
	unsigned long writes;
};

static ssize_t
c_read(void *ctx, void *p, size_t n)
{
	return read(((struct counted *)ctx)->fd, p, n);
}

static ssize_t
c_write(void *ctx, const void *p, size_t n)
{
	struct counted *c = ctx;

	c->writes++;
	return write(c->fd, p, n);
}

static const struct stream_ops counted_ops = { c_read, c_write, NULL };

START_TEST(test_large_records)
{
	struct server sv;
	struct tls_config cfg;
	struct stream s;
	struct tls *t = NULL;
	struct counted cnt;
	struct err e;
	char *body = malloc(1 << 20);
	unsigned long before;

	memset(body, 'x', 1 << 20);
	sv.want_client_cert = 0;
	cnt.fd = start_server(&sv, srv_pem, NULL);
	cnt.writes = 0;
	tls_config_init(&cfg);
	cfg.trust_file = ca_pem;
	stream_init(&s, &counted_ops, &cnt, "localhost[127.0.0.1]:465");
	ck_assert_msg(tls_start(&s, &cfg, "localhost", &t, &e) == 0, "%s",
	    e.msg);
	before = cnt.writes;
	for (int i = 0; i < 16; i++) /* 16 MiB through 64 KiB stream writes */
		ck_assert_int_eq(stream_write(&s, body, 1 << 20, &e), 0);
	ck_assert_int_eq(stream_flush(&s, &e), 0);
	tls_close(t);
	/* 16 MiB in 16 KiB records is 1024 records; one inner write per
	 * 64 KiB stream write would be 256. */
	ck_assert_msg(cnt.writes - before <= 260, "%lu inner writes",
	    cnt.writes - before);
	stream_close(&s);
	close(cnt.fd);
	pthread_join(sv.thread, NULL);
	ck_assert_uint_eq(sv.bytes, 16ULL << 20);
	free(body);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("tls");
	TCase *tc = tcase_create("core");

	tcase_add_unchecked_fixture(tc, setup_once, teardown_once);
	tcase_set_timeout(tc, 30);
	tcase_add_loop_test(tc, test_verify, 0, TEST_NELEM(vcases));
	tcase_add_test(tc, test_starttls_injection_refused);
	tcase_add_test(tc, test_plain_greeting_where_tls_expected);
	tcase_add_loop_test(tc, test_channel_binding, 0, 2);
	tcase_add_test(tc, test_deadline_under_tls);
	tcase_add_test(tc, test_min_version);
	tcase_add_loop_test(tc, test_client_certificate, 0, 3);
	tcase_add_loop_test(tc, test_config_errors, 0, TEST_NELEM(ccases));
	tcase_add_test(tc, test_large_records);
	suite_add_tcase(s, tc);
	return check_main(s);
}
