/* check_session_settings.c — relayq.conf → the settings of a delivery
 * session (session_settings.h) and each enum's mapping (conf_map.h):
 * smarthosts and their TLS mode, address family, TLS configuration,
 * credential sources, SASL and SMTP policies, EHLO name, timeouts. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sysexits.h>

#include "flush/session_settings.h"
#include "lib/buf.h"
#include "lib/check_main.h"
#include "options/conf.h"
#include "options/conf_map.h"

#define FQDN "host.example.net"

static const char *
str(const char *s)
{
	return s != NULL ? s : "-";
}

/* The settings as one line:
 * "hosts=H:P/MODE,... family=F tls=min,verify,trust,crl,cert,key,prio,pin
 *  creds=order,user,mechs,oauth,authinfo,credential,command
 *  authreq=N clear=C oauthrefresh=N 8bit=E helo=H timeouts=CONNECT/COMMAND". */
static char *
dump(const struct session_settings *s)
{
	static const char *const src[] = { "credential", "authinfo", "command",
		"keyring" };
	static const char *const clear[] = { "verified", "tls", "always" };
	struct buf b = BUF_INIT;
	size_t i;

	buf_printf(&b, "hosts=");
	for (i = 0; i < s->hosts.n; i++)
		buf_printf(&b, "%s%s:%u/%s", i ? "," : "", s->hosts.v[i].host,
		    s->hosts.v[i].port, smarthost_tls_name(s->hosts.v[i].tls));
	buf_printf(&b, " family=%s",
	    s->family == AF_INET       ? "inet" :
	        s->family == AF_INET6  ? "inet6" :
	        s->family == AF_UNSPEC ? "any" :
	                                 "?");
	buf_printf(&b, " tls=%s,%d,%s,%s,%s,%s,%s,%s",
	    s->tls.min_version == TLS_MIN_1_3 ? "1.3" : "1.2", s->tls.verify,
	    str(s->tls.trust_file), str(s->tls.crl_file), str(s->tls.cert_file),
	    str(s->tls.key_file), str(s->tls.priority),
	    s->tls.fingerprint ? "pin" : "-");
	buf_printf(&b, " creds=");
	for (i = 0; i < s->creds.norder; i++)
		buf_printf(&b, "%s%s", i ? "+" : "", src[s->creds.order[i]]);
	buf_printf(&b, ",%s,%s,%d,%s,%s,%s", str(s->creds.user),
	    str(s->creds.mechs), s->creds.oauth, str(s->creds.authinfo),
	    str(s->creds.credential), str(s->creds.command));
	buf_printf(&b,
	    " authreq=%d clear=%s oauthrefresh=%d 8bit=%s helo=%s timeouts=%d/%d",
	    s->auth_required, clear[s->clear], s->oauth_refresh,
	    s->eightbit == SMTP_8BIT_STRICT ? "strict" : "pass", str(s->helo),
	    s->connect_timeout_ms, s->command_timeout_ms);
	return buf_steal(&b);
}

#define TLS_DEFAULT " tls=1.2,1,-,-,-,-,-,-"
#define CREDS_DEFAULT \
	" creds=credential+authinfo+command+keyring,-,-,0," \
	"/cfg/relayq/authinfo,relayq-password,-"
#define REST_DEFAULT \
	" authreq=0 clear=verified oauthrefresh=0 8bit=pass helo=" FQDN \
	" timeouts=300000/300000"

struct scase {
	const char *text; /* relayq.conf */
	const char *want; /* the dump */
};

static const struct scase cases[] = {
	/* defaults: port 587 and STARTTLS, any family, verified TLS 1.2 */
	{ "smarthost mail.example.com\n",
	    "hosts=mail.example.com:587/starttls family=any" TLS_DEFAULT
	        CREDS_DEFAULT REST_DEFAULT },
	/* tls auto: 465 implicit, anything else STARTTLS; several smarthosts */
	{ "smarthost [a.example]:465, b.example:25\n",
	    "hosts=a.example:465/implicit,b.example:25/starttls family=any" TLS_DEFAULT
	        CREDS_DEFAULT REST_DEFAULT },
	{ "smarthost a.example:465 b.example\ntls auto\n",
	    "hosts=a.example:465/implicit,b.example:587/starttls family=any" TLS_DEFAULT
	        CREDS_DEFAULT REST_DEFAULT },
	/* tls forces one mode for every smarthost */
	{ "smarthost a.example:465 b.example\ntls starttls\n",
	    "hosts=a.example:465/starttls,b.example:587/starttls family=any" TLS_DEFAULT
	        CREDS_DEFAULT REST_DEFAULT },
	{ "smarthost a.example:25 b.example\ntls implicit\n",
	    "hosts=a.example:25/implicit,b.example:587/implicit family=any" TLS_DEFAULT
	        CREDS_DEFAULT REST_DEFAULT },
	{ "smarthost a.example:465\ntls none\n",
	    "hosts=a.example:465/none family=any" TLS_DEFAULT CREDS_DEFAULT
	        REST_DEFAULT },
	/* ip_family */
	{ "smarthost m.example\nip_family any\n",
	    "hosts=m.example:587/starttls family=any" TLS_DEFAULT CREDS_DEFAULT
	        REST_DEFAULT },
	{ "smarthost m.example\nip_family ipv4\n",
	    "hosts=m.example:587/starttls family=inet" TLS_DEFAULT CREDS_DEFAULT
	        REST_DEFAULT },
	{ "smarthost m.example\nip_family ipv6\n",
	    "hosts=m.example:587/starttls family=inet6" TLS_DEFAULT
	        CREDS_DEFAULT REST_DEFAULT },
	/* the TLS keys */
	{ "smarthost m.example\ntls_min_version 1.3\n",
	    "hosts=m.example:587/starttls family=any tls=1.3,1,-,-,-,-,-,-" CREDS_DEFAULT
	        REST_DEFAULT },
	{ "smarthost m.example\ntls_min_version 1.2\ntls_verify no\n",
	    "hosts=m.example:587/starttls family=any tls=1.2,0,-,-,-,-,-,-" CREDS_DEFAULT
	        REST_DEFAULT },
	{ "smarthost m.example\ntls_trust_file /ca.pem\ntls_crl_file /crl.pem\n"
	  "tls_cert_file /c.pem\ntls_key_file /k.pem\ntls_priorities SECURE256\n"
	  "tls_fingerprint SHA256:"
	  "0123456789abcdef0123456789abcdef"
	  "0123456789abcdef0123456789abcdef\n",
	    "hosts=m.example:587/starttls family=any tls=1.2,1,/ca.pem,/crl.pem,/c.pem,"
	    "/k.pem,SECURE256,pin" CREDS_DEFAULT REST_DEFAULT },
	/* auth_plaintext */
	{ "smarthost m.example\nauth_plaintext verified-tls\n",
	    "hosts=m.example:587/starttls family=any" TLS_DEFAULT CREDS_DEFAULT
	        REST_DEFAULT },
	{ "smarthost m.example\nauth_plaintext tls\n",
	    "hosts=m.example:587/starttls family=any" TLS_DEFAULT CREDS_DEFAULT
	    " authreq=0 clear=tls oauthrefresh=0 8bit=pass helo=" FQDN
	    " timeouts=300000/300000" },
	{ "smarthost m.example\nauth_plaintext always\n",
	    "hosts=m.example:587/starttls family=any" TLS_DEFAULT CREDS_DEFAULT
	    " authreq=0 clear=always oauthrefresh=0 8bit=pass helo=" FQDN
	    " timeouts=300000/300000" },
	/* eightbit_mode */
	{ "smarthost m.example\neightbit_mode pass\n",
	    "hosts=m.example:587/starttls family=any" TLS_DEFAULT CREDS_DEFAULT
	        REST_DEFAULT },
	{ "smarthost m.example\neightbit_mode strict\n",
	    "hosts=m.example:587/starttls family=any" TLS_DEFAULT CREDS_DEFAULT
	    " authreq=0 clear=verified oauthrefresh=0 8bit=strict helo=" FQDN
	    " timeouts=300000/300000" },
	/* oauth_provider: relayq-flush refreshes the token for every provider
	 * but none */
	{ "smarthost m.example\noauth_provider none\n",
	    "hosts=m.example:587/starttls family=any" TLS_DEFAULT CREDS_DEFAULT
	        REST_DEFAULT },
	{ "smarthost m.example\noauth_provider google\n",
	    "hosts=m.example:587/starttls family=any" TLS_DEFAULT CREDS_DEFAULT
	    " authreq=0 clear=verified oauthrefresh=1 8bit=pass helo=" FQDN
	    " timeouts=300000/300000" },
	{ "smarthost m.example\noauth_provider microsoft\n",
	    "hosts=m.example:587/starttls family=any" TLS_DEFAULT CREDS_DEFAULT
	    " authreq=0 clear=verified oauthrefresh=1 8bit=pass helo=" FQDN
	    " timeouts=300000/300000" },
	{ "smarthost m.example\noauth_provider custom\n",
	    "hosts=m.example:587/starttls family=any" TLS_DEFAULT CREDS_DEFAULT
	    " authreq=0 clear=verified oauthrefresh=1 8bit=pass helo=" FQDN
	    " timeouts=300000/300000" },
	/* EHLO name and timeouts */
	{ "smarthost m.example\nhelo_name relay.example.org\nconnect_timeout 1m\n"
	  "command_timeout 90\n",
	    "hosts=m.example:587/starttls family=any" TLS_DEFAULT CREDS_DEFAULT
	    " authreq=0 clear=verified oauthrefresh=0 8bit=pass helo=relay.example.org"
	    " timeouts=60000/90000" },
	/* credential sources */
	{ "smarthost m.example\nauth_sources keyring, authinfo\nauth_user alice\n"
	  "auth_mechanisms SCRAM-SHA-256\nauth_oauth yes\nauthinfo /etc/relayq/authinfo\n"
	  "auth_credential smtp-secret\nauth_password_command pass show smtp\n",
	    "hosts=m.example:587/starttls family=any" TLS_DEFAULT
	    " creds=keyring+authinfo,alice,SCRAM-SHA-256,1,/etc/relayq/authinfo,"
	    "smtp-secret,pass show smtp"
	    " authreq=1 clear=verified oauthrefresh=0 8bit=pass helo=" FQDN
	    " timeouts=300000/300000" },
	/* any of auth_user, auth_sources, auth_password_command asks for AUTH
	 */
	{ "smarthost m.example\nauth_user alice\n",
	    "hosts=m.example:587/starttls family=any" TLS_DEFAULT
	    " creds=credential+authinfo+command+keyring,alice,-,0,"
	    "/cfg/relayq/authinfo,relayq-password,-"
	    " authreq=1 clear=verified oauthrefresh=0 8bit=pass helo=" FQDN
	    " timeouts=300000/300000" },
	{ "smarthost m.example\nauth_sources authinfo\n",
	    "hosts=m.example:587/starttls family=any" TLS_DEFAULT
	    " creds=authinfo,-,-,0,/cfg/relayq/authinfo,relayq-password,-"
	    " authreq=1 clear=verified oauthrefresh=0 8bit=pass helo=" FQDN
	    " timeouts=300000/300000" },
	{ "smarthost m.example\nauth_password_command pw\n",
	    "hosts=m.example:587/starttls family=any" TLS_DEFAULT
	    " creds=credential+authinfo+command+keyring,-,-,0,"
	    "/cfg/relayq/authinfo,relayq-password,pw"
	    " authreq=1 clear=verified oauthrefresh=0 8bit=pass helo=" FQDN
	    " timeouts=300000/300000" },
	/* a mechanism restriction alone does not */
	{ "smarthost m.example\nauth_mechanisms PLAIN\n",
	    "hosts=m.example:587/starttls family=any" TLS_DEFAULT
	    " creds=credential+authinfo+command+keyring,-,PLAIN,0,"
	    "/cfg/relayq/authinfo,relayq-password,-" REST_DEFAULT },
};

START_TEST(test_settings)
{
	struct session_settings s;
	struct conf c;
	struct err e;
	char *got;

	ck_assert_int_eq(setenv("XDG_CONFIG_HOME", "/cfg", 1), 0);
	conf_init(&c);
	ck_assert_int_eq(conf_parse(&c, "t.conf", cases[_i].text,
	                     strlen(cases[_i].text), &e),
	    0);
	ck_assert_msg(session_settings_from_conf(&c, FQDN, &s, &e) == 0,
	    "case %d: %s", _i, e.msg);
	got = dump(&s);
	ck_assert_str_eq(got, cases[_i].want);
	free(got);
	session_settings_free(&s);
	ck_assert_ptr_null(s.user_authinfo);
	ck_assert_uint_eq(s.hosts.n, 0);
	conf_free(&c);
}
END_TEST

struct ecase {
	const char *text;
	const char *want; /* the message's start */
};

static const struct ecase errors[] = {
	{ "",
	    "no smarthost is configured; add a line such as "
	    "\"smarthost [smtp.example.com]:587\" to " },
	{ "smarthost [m.example\n", "smarthost: " },
	{ "smarthost m.example\nauth_sources pigeon\n",
	    "auth_sources: unknown credential source \"pigeon\"" },
	{ "smarthost m.example\nauth_sources keyring keyring\n",
	    "auth_sources: credential source keyring is listed twice" },
};

START_TEST(test_errors)
{
	struct session_settings s;
	struct conf c;
	struct err e;

	conf_init(&c);
	ck_assert_int_eq(conf_parse(&c, "t.conf", errors[_i].text,
	                     strlen(errors[_i].text), &e),
	    0);
	err_clear(&e);
	ck_assert_int_eq(session_settings_from_conf(&c, FQDN, &s, &e), -1);
	ck_assert_int_eq(e.code, EX_CONFIG);
	ck_assert_msg(strncmp(e.msg, errors[_i].want,
	                  strlen(errors[_i].want)) == 0,
	    "case %d: %s", _i, e.msg);
	session_settings_free(&s);
	conf_free(&c);
}
END_TEST

/* No helo_name and no name given: the session falls back to nothing. */
START_TEST(test_no_fqdn)
{
	static const char text[] = "smarthost m.example\n";
	struct session_settings s;
	struct conf c;
	struct err e;

	conf_init(&c);
	ck_assert_int_eq(conf_parse(&c, "t.conf", text, strlen(text), &e), 0);
	ck_assert_int_eq(session_settings_from_conf(&c, NULL, &s, &e), 0);
	ck_assert_ptr_null(s.helo);
	session_settings_free(&s);
	conf_free(&c);
}
END_TEST

/* Each enum value's consumer value; 0 (never loaded) as the default. */
START_TEST(test_conf_map)
{
	ck_assert_int_eq(conf_map_tls(CONF_TLS_AUTO), SMARTHOST_TLS_AUTO);
	ck_assert_int_eq(conf_map_tls(CONF_TLS_STARTTLS),
	    SMARTHOST_TLS_STARTTLS);
	ck_assert_int_eq(conf_map_tls(CONF_TLS_IMPLICIT),
	    SMARTHOST_TLS_IMPLICIT);
	ck_assert_int_eq(conf_map_tls(CONF_TLS_NONE), SMARTHOST_TLS_NONE);
	ck_assert_int_eq(conf_map_tls((enum conf_tls)0), SMARTHOST_TLS_AUTO);

	ck_assert_int_eq(conf_map_family(CONF_FAMILY_ANY), AF_UNSPEC);
	ck_assert_int_eq(conf_map_family(CONF_FAMILY_IPV4), AF_INET);
	ck_assert_int_eq(conf_map_family(CONF_FAMILY_IPV6), AF_INET6);
	ck_assert_int_eq(conf_map_family((enum conf_ip_family)0), AF_UNSPEC);

	ck_assert_int_eq(conf_map_tls_min(CONF_TLS_MIN_1_2), TLS_MIN_1_2);
	ck_assert_int_eq(conf_map_tls_min(CONF_TLS_MIN_1_3), TLS_MIN_1_3);
	ck_assert_int_eq(conf_map_tls_min((enum conf_tls_min)0), TLS_MIN_1_2);

	ck_assert_int_eq(conf_map_plaintext(CONF_PLAINTEXT_VERIFIED_TLS),
	    SASL_CLEAR_VERIFIED);
	ck_assert_int_eq(conf_map_plaintext(CONF_PLAINTEXT_TLS),
	    SASL_CLEAR_TLS);
	ck_assert_int_eq(conf_map_plaintext(CONF_PLAINTEXT_ALWAYS),
	    SASL_CLEAR_ALWAYS);
	ck_assert_int_eq(conf_map_plaintext((enum conf_plaintext)0),
	    SASL_CLEAR_VERIFIED);

	ck_assert_int_eq(conf_map_eightbit(CONF_EIGHTBIT_PASS), SMTP_8BIT_PASS);
	ck_assert_int_eq(conf_map_eightbit(CONF_EIGHTBIT_STRICT),
	    SMTP_8BIT_STRICT);
	ck_assert_int_eq(conf_map_eightbit((enum conf_eightbit)0),
	    SMTP_8BIT_PASS);
}
END_TEST

/* The SMTP client's STARTTLS policy per endpoint mode. */
START_TEST(test_smtp_tls)
{
	ck_assert_int_eq(session_smtp_tls(SMARTHOST_TLS_STARTTLS),
	    SMTP_TLS_REQUIRED);
	ck_assert_int_eq(session_smtp_tls(SMARTHOST_TLS_IMPLICIT),
	    SMTP_TLS_NONE);
	ck_assert_int_eq(session_smtp_tls(SMARTHOST_TLS_NONE), SMTP_TLS_NONE);
}
END_TEST

static Suite *
settings_suite(void)
{
	Suite *s = suite_create("session_settings");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_settings, 0,
	    (int)(sizeof(cases) / sizeof(cases[0])));
	tcase_add_loop_test(tc, test_errors, 0,
	    (int)(sizeof(errors) / sizeof(errors[0])));
	tcase_add_test(tc, test_no_fqdn);
	tcase_add_test(tc, test_conf_map);
	tcase_add_test(tc, test_smtp_tls);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_main(settings_suite());
}
