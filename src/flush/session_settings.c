/* session_settings.c — struct conf → session settings (see
 * session_settings.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "flush/session_settings.h"
#include "lib/i18n.h"
#include "options/conf_map.h"

static int
no_smarthost(struct err *e)
{
	return err_set(e, EX_CONFIG,
	    _("no smarthost is configured; add a line "
	      "such as \"smarthost [smtp.example.com]:587\" to %s or your "
	      "~/.config/relayq/config"),
	    conf_system_path());
}

/* The credential sources c configures. */
static int
creds_from_conf(const struct conf *c, struct session_settings *s, struct err *e)
{
	struct creds_config *cfg = &s->creds;

	if (c->auth_sources != NULL &&
	    creds_parse_order(cfg, c->auth_sources, e) < 0)
		return err_wrap(e, _("auth_sources"));
	cfg->user = c->auth_user;
	cfg->mechs = c->auth_mechanisms;
	cfg->oauth = c->auth_oauth;
	cfg->authinfo = c->authinfo;
	if (cfg->authinfo == NULL) {
		/* Default: "authinfo" beside the user's config file; a missing
		 * file is simply not a source. */
		s->user_authinfo = conf_user_file("authinfo");
		cfg->authinfo = s->user_authinfo;
	}
	if (c->auth_credential != NULL)
		cfg->credential = c->auth_credential;
	cfg->command = c->auth_password_command;
	return 0;
}

static void
tls_from_conf(const struct conf *c, struct tls_config *t)
{
	tls_config_init(t);
	t->trust_file = c->tls_trust_file;
	t->crl_file = c->tls_crl_file;
	t->cert_file = c->tls_cert_file;
	t->key_file = c->tls_key_file;
	t->priority = c->tls_priorities;
	t->fingerprint = c->tls_fingerprint;
	t->min_version = conf_map_tls_min(c->tls_min_version);
	t->verify = c->tls_verify;
}

int
session_settings_from_conf(const struct conf *c, const char *fqdn,
    struct session_settings *s, struct err *e)
{
	memset(s, 0, sizeof(*s));
	creds_config_init(&s->creds);
	tls_from_conf(c, &s->tls);
	s->family = conf_map_family(c->ip_family);
	s->auth_required = c->auth_user != NULL || c->auth_sources != NULL ||
	    c->auth_password_command != NULL;
	s->clear = conf_map_plaintext(c->auth_plaintext);
	s->oauth_refresh = c->oauth_provider != CONF_OAUTH_NONE;
	s->eightbit = conf_map_eightbit(c->eightbit_mode);
	s->helo = c->helo_name ? c->helo_name : fqdn;
	s->connect_timeout_ms = (int)(c->connect_timeout * 1000);
	s->command_timeout_ms = (int)(c->command_timeout * 1000);
	if (c->smarthost == NULL)
		return no_smarthost(e);
	if (smarthost_parse(c->smarthost, conf_map_tls(c->tls), &s->hosts, e) <
	    0)
		return err_wrap(e, _("smarthost"));
	return creds_from_conf(c, s, e);
}

void
session_settings_free(struct session_settings *s)
{
	smarthost_list_free(&s->hosts);
	free(s->user_authinfo);
	memset(s, 0, sizeof(*s));
}

enum smtp_tls_mode
session_smtp_tls(enum smarthost_tls mode)
{
	return mode == SMARTHOST_TLS_STARTTLS ? SMTP_TLS_REQUIRED :
	                                        SMTP_TLS_NONE;
}
