/* conf.c — relayq.conf(5)'s keys (one table: name, type, field, default,
 * validator, words), storing a value, and the file syntax (see conf.h).
 * Where the files are and their layering: conf_load.c; value syntax
 * shared with the command line: conf_value.c. */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>

#include "lib/i18n.h"
#include "lib/logtarget.h"
#include "lib/xalloc.h"
#include "options/conf.h"
#include "queue/runlock.h"

#ifndef SPOOLDIR
#define SPOOLDIR "/var/spool/relayq"
#endif

struct conf_word;

enum conf_type { T_STRING, T_INT, T_BOOL, T_DURATION, T_ENUM, T_LIST };

struct conf_key {
	const char *name;
	enum conf_type type;
	size_t off;
	const char
	    *def; /* default as it would be written in the file; NULL: unset */
	int (*valid)(const char *); /* strings and list items; NULL: any */
	const struct conf_word
	    *words;    /* T_ENUM: accepted words and their values */
	long min, max; /* T_INT */
};

static int
valid_abs_path(const char *s)
{
	return s[0] == '/';
}

static int
valid_local_or_address(const char *s)
{
	return strchr(s, '@') ?
	    conf_valid_address(s) :
	    s[0] != '\0' && strcspn(s, " \t<>()[]\\,;:\"") == strlen(s);
}

/* Each enum key's words and the value each stands for: the one place a
 * word becomes a conf.h enum.  Matched without regard to case. */
struct conf_word {
	const char *word;
	int value;
};

/* clang-format off */
static const struct conf_word delivery_words[] = {
	{ "background", CONF_DELIVERY_BACKGROUND },
	{ "interactive", CONF_DELIVERY_INTERACTIVE },
	{ "queue", CONF_DELIVERY_QUEUE },
	{ "deferred", CONF_DELIVERY_DEFERRED },
	{ NULL, 0 }
};
/* clang-format on */
/* clang-format off */
static const struct conf_word errmode_words[] = {
	{ "mail", CONF_ERRMODE_MAIL },
	{ "print", CONF_ERRMODE_PRINT },
	{ "quiet", CONF_ERRMODE_QUIET },
	{ "write", CONF_ERRMODE_WRITE },
	{ "mail-exit-zero", CONF_ERRMODE_MAIL_EXIT0 },
	{ NULL, 0 }
};
/* clang-format on */
/* clang-format off */
static const struct conf_word family_words[] = {
	{ "any", CONF_FAMILY_ANY },
	{ "ipv4", CONF_FAMILY_IPV4 },
	{ "ipv6", CONF_FAMILY_IPV6 },
	{ NULL, 0 }
};
/* clang-format on */
/* clang-format off */
static const struct conf_word tls_words[] = {
	{ "auto", CONF_TLS_AUTO },
	{ "starttls", CONF_TLS_STARTTLS },
	{ "implicit", CONF_TLS_IMPLICIT },
	{ "none", CONF_TLS_NONE },
	{ NULL, 0 }
};
/* clang-format on */
/* clang-format off */
static const struct conf_word tls_min_words[] = {
	{ "1.2", CONF_TLS_MIN_1_2 },
	{ "1.3", CONF_TLS_MIN_1_3 },
	{ NULL, 0 }
};
/* clang-format on */
/* clang-format off */
static const struct conf_word oauth_provider_words[] = {
	{ "none", CONF_OAUTH_NONE },
	{ "google", CONF_OAUTH_GOOGLE },
	{ "microsoft", CONF_OAUTH_MICROSOFT },
	{ "custom", CONF_OAUTH_CUSTOM },
	{ NULL, 0 }
};
/* clang-format on */
/* clang-format off */
static const struct conf_word plaintext_words[] = {
	{ "verified-tls", CONF_PLAINTEXT_VERIFIED_TLS },
	{ "tls", CONF_PLAINTEXT_TLS },
	{ "always", CONF_PLAINTEXT_ALWAYS },
	{ NULL, 0 }
};
/* clang-format on */
/* clang-format off */
static const struct conf_word eightbit_words[] = {
	{ "pass", CONF_EIGHTBIT_PASS },
	{ "strict", CONF_EIGHTBIT_STRICT },
	{ NULL, 0 }
};
/* clang-format on */

/* T_ENUM fields are stored through an int. */
#define SAME_AS_INT(t) \
	_Static_assert(sizeof(enum t) == sizeof(int), #t " is not int-sized")
SAME_AS_INT(conf_delivery);
SAME_AS_INT(conf_errmode);
SAME_AS_INT(conf_ip_family);
SAME_AS_INT(conf_tls);
SAME_AS_INT(conf_tls_min);
SAME_AS_INT(conf_oauth_provider);
SAME_AS_INT(conf_plaintext);
SAME_AS_INT(conf_eightbit);
#undef SAME_AS_INT

static int
valid_fingerprint(const char *s)
{
	size_t hex = 0;

	if (strncasecmp(s, "SHA256:", 7) == 0)
		s += 7;
	for (; *s != '\0'; s++) {
		if (isxdigit((unsigned char)*s))
			hex++;
		else if (*s != ':')
			return 0;
	}
	return hex == 64;
}

#define OFF(f) offsetof(struct conf, f)
/* clang-format off */
static const struct conf_key conf_keys[] = {
	{ "domain", T_STRING, OFF(domain), NULL, conf_valid_domain, NULL, 0, 0 },
	{ "aliases", T_STRING, OFF(aliases), "/etc/aliases", valid_abs_path, NULL, 0, 0 },
	{ "catchall", T_STRING, OFF(catchall), NULL, valid_local_or_address, NULL, 0, 0 },
	{ "sender_address", T_STRING, OFF(sender_address), NULL, conf_valid_address, NULL, 0, 0 },
	{ "from_address", T_STRING, OFF(from_address), NULL, conf_valid_address, NULL, 0, 0 },
	{ "masquerade", T_LIST, OFF(masquerade), NULL, conf_valid_domain, NULL, 0, 0 },
	{ "queue_dir", T_STRING, OFF(queue_dir), NULL, valid_abs_path, NULL, 0, 0 },
	{ "spool_dir", T_STRING, OFF(spool_dir), SPOOLDIR, valid_abs_path, NULL, 0, 0 },
	{ "delivery_mode", T_ENUM, OFF(delivery_mode), "background", NULL, delivery_words, 0, 0 },
	{ "hop_limit", T_INT, OFF(hop_limit), "25", NULL, NULL, 1, 1000 },
	{ "error_mode", T_ENUM, OFF(error_mode), "print", NULL, errmode_words, 0, 0 },
	/* delivery: relayq-flush */
	{ "smarthost", T_STRING, OFF(smarthost), NULL, NULL, NULL, 0, 0 },
	{ "helo_name", T_STRING, OFF(helo_name), NULL, conf_valid_domain, NULL, 0, 0 },
	{ "ip_family", T_ENUM, OFF(ip_family), "any", NULL, family_words, 0, 0 },
	{ "connect_timeout", T_DURATION, OFF(connect_timeout), "300", NULL, NULL, 0, 0 },
	{ "command_timeout", T_DURATION, OFF(command_timeout), "300", NULL, NULL, 0, 0 },
	{ "tls", T_ENUM, OFF(tls), "auto", NULL, tls_words, 0, 0 },
	{ "tls_verify", T_BOOL, OFF(tls_verify), "yes", NULL, NULL, 0, 0 },
	{ "tls_trust_file", T_STRING, OFF(tls_trust_file), NULL, valid_abs_path, NULL, 0, 0 },
	{ "tls_crl_file", T_STRING, OFF(tls_crl_file), NULL, valid_abs_path, NULL, 0, 0 },
	{ "tls_fingerprint", T_STRING, OFF(tls_fingerprint), NULL, valid_fingerprint, NULL, 0, 0 },
	{ "tls_cert_file", T_STRING, OFF(tls_cert_file), NULL, valid_abs_path, NULL, 0, 0 },
	{ "tls_key_file", T_STRING, OFF(tls_key_file), NULL, valid_abs_path, NULL, 0, 0 },
	{ "tls_priorities", T_STRING, OFF(tls_priorities), NULL, NULL, NULL, 0, 0 },
	{ "tls_min_version", T_ENUM, OFF(tls_min_version), "1.2", NULL, tls_min_words, 0, 0 },
	{ "authinfo", T_STRING, OFF(authinfo), NULL, valid_abs_path, NULL, 0, 0 },
	{ "auth_user", T_STRING, OFF(auth_user), NULL, NULL, NULL, 0, 0 },
	{ "auth_sources", T_STRING, OFF(auth_sources), NULL, NULL, NULL, 0, 0 },
	{ "auth_mechanisms", T_STRING, OFF(auth_mechanisms), NULL, NULL, NULL, 0, 0 },
	{ "auth_password_command", T_STRING, OFF(auth_password_command), NULL, NULL, NULL, 0, 0 },
	{ "auth_credential", T_STRING, OFF(auth_credential), NULL, NULL, NULL, 0, 0 },
	{ "auth_oauth", T_BOOL, OFF(auth_oauth), "no", NULL, NULL, 0, 0 },
	{ "oauth_provider", T_ENUM, OFF(oauth_provider), "none", NULL, oauth_provider_words, 0, 0 },
	{ "oauth_token_endpoint", T_STRING, OFF(oauth_token_endpoint), NULL, NULL, NULL, 0, 0 },
	{ "oauth_device_endpoint", T_STRING, OFF(oauth_device_endpoint), NULL, NULL, NULL, 0, 0 },
	{ "oauth_auth_endpoint", T_STRING, OFF(oauth_auth_endpoint), NULL, NULL, NULL, 0, 0 },
	{ "oauth_redirect_uri", T_STRING, OFF(oauth_redirect_uri), "http://localhost:1", NULL, NULL, 0, 0 },
	{ "oauth_client_id", T_STRING, OFF(oauth_client_id), NULL, NULL, NULL, 0, 0 },
	{ "oauth_client_secret_file", T_STRING, OFF(oauth_client_secret_file), NULL, valid_abs_path, NULL, 0, 0 },
	{ "oauth_scope", T_STRING, OFF(oauth_scope), NULL, NULL, NULL, 0, 0 },
	{ "oauth_token_file", T_STRING, OFF(oauth_token_file), NULL, valid_abs_path, NULL, 0, 0 },
	{ "oauth_ca_file", T_STRING, OFF(oauth_ca_file), NULL, valid_abs_path, NULL, 0, 0 },
	{ "auth_plaintext", T_ENUM, OFF(auth_plaintext), "verified-tls", NULL, plaintext_words, 0, 0 },
	{ "eightbit_mode", T_ENUM, OFF(eightbit_mode), "pass", NULL, eightbit_words, 0, 0 },
	{ "max_messages_per_connection", T_INT, OFF(max_per_connection), "0", NULL, NULL, 0, 1000000 },
	{ "max_recipients", T_INT, OFF(max_recipients), "50", NULL, NULL, 0, 100000 },
	{ "messages_per_minute", T_INT, OFF(messages_per_minute), "0", NULL, NULL, 0, 60000 },
	{ "max_connections", T_INT, OFF(max_connections), "1", NULL, NULL, 1, RUNLOCK_MAX_SLOTS },
	/* queue life */
	{ "retry_min", T_DURATION, OFF(retry_min), "300", NULL, NULL, 0, 0 },
	{ "retry_max", T_DURATION, OFF(retry_max), "4000", NULL, NULL, 0, 0 },
	{ "queue_lifetime", T_DURATION, OFF(queue_lifetime), "5d", NULL, NULL, 0, 0 },
	{ "queue_warn", T_DURATION, OFF(queue_warn), "4h", NULL, NULL, 0, 0 },
	{ "on_failure", T_STRING, OFF(on_failure), NULL, NULL, NULL, 0, 0 },
	{ "on_failure_timeout", T_DURATION, OFF(on_failure_timeout), "30", NULL, NULL, 0, 0 },
	{ "spool_queue_timeout", T_DURATION, OFF(spool_queue_timeout), "600", NULL, NULL, 0, 0 },
	{ "log_target", T_STRING, OFF(log_target), LOGTARGET_DEFAULT, logtarget_valid, NULL, 0, 0 },
	/* Issue 3: smarthost, tls_*, auth_* — one line each. */
};
/* clang-format on */
#undef OFF
#define NKEYS (sizeof(conf_keys) / sizeof(conf_keys[0]))

static int
parse_bool(const char *v, int *out)
{
	static const char *const yes[] = { "yes", "true", "on", "1", NULL };
	static const char *const no[] = { "no", "false", "off", "0", NULL };
	int i;

	for (i = 0; yes[i]; i++)
		if (strcasecmp(v, yes[i]) == 0)
			return *out = 1, 0;
	for (i = 0; no[i]; i++)
		if (strcasecmp(v, no[i]) == 0)
			return *out = 0, 0;
	return -1;
}

static int
set_list(struct strv *sv, const struct conf_key *k, const char *v)
{
	const char *sep = " \t,";
	struct strv nv = STRV_INIT;
	size_t n;

	while (*v) {
		v += strspn(v, sep);
		n = strcspn(v, sep);
		if (n == 0)
			break;
		strv_take(&nv, xstrndup(v, n));
		v += n;
		if (k->valid && !k->valid(nv.v[nv.n - 1])) {
			strv_free(&nv);
			return -1;
		}
	}
	strv_free(sv);
	*sv = nv;
	return 0;
}

/* Stores value v for key k into c.  Returns 0 or -1 (invalid value). */
static int
conf_set(struct conf *c, const struct conf_key *k, const char *v)
{
	void *p = (char *)c + k->off;
	long long d;
	long n;
	int i, b;

	switch (k->type) {
	case T_STRING:
		if (v[0] == '\0' || (k->valid && !k->valid(v)))
			return -1;
		free(*(char **)p);
		*(char **)p = xstrdup(v);
		return 0;
	case T_INT:
		if (conf_long(v, k->min, k->max, &n) < 0)
			return -1;
		*(long *)p = n;
		return 0;
	case T_BOOL:
		if (parse_bool(v, &b) < 0)
			return -1;
		*(int *)p = b;
		return 0;
	case T_DURATION:
		if (conf_duration(v, 's', &d, NULL) < 0)
			return -1;
		*(long long *)p = d;
		return 0;
	case T_ENUM:
		for (i = 0; k->words[i].word; i++)
			if (strcasecmp(v, k->words[i].word) == 0)
				return *(int *)p = k->words[i].value, 0;
		return -1;
	case T_LIST:
		return set_list(p, k, v);
	}
	return -1;
}

void
conf_init(struct conf *c)
{
	size_t i;

	memset(c, 0, sizeof(*c));
	for (i = 0; i < NKEYS; i++)
		if (conf_keys[i].def &&
		    conf_set(c, &conf_keys[i], conf_keys[i].def) < 0)
			abort(); /* a bad default is a bug in the table */
}

void
conf_free(struct conf *c)
{
	size_t i;

	for (i = 0; i < NKEYS; i++) {
		void *p = (char *)c + conf_keys[i].off;

		if (conf_keys[i].type == T_STRING) {
			free(*(char **)p);
			*(char **)p = NULL;
		} else if (conf_keys[i].type == T_LIST) {
			strv_free(p);
		}
	}
}

static const struct conf_key *
conf_find(const char *name)
{
	size_t i;

	for (i = 0; i < NKEYS; i++)
		if (strcmp(conf_keys[i].name, name) == 0)
			return &conf_keys[i];
	return NULL;
}

/* Unquotes a value in place: "..." with \" and \\.  Returns 0 or -1. */
static int
unquote(char *v)
{
	size_t len = strlen(v), i, o = 0;

	if (len == 0 || v[0] != '"')
		return 0;
	if (len < 2 || v[len - 1] != '"')
		return -1;
	for (i = 1; i < len - 1; i++) {
		if (v[i] == '\\') {
			if (i + 1 >= len - 1 ||
			    (v[i + 1] != '"' && v[i + 1] != '\\'))
				return -1;
			i++;
		} else if (v[i] == '"') {
			return -1;
		}
		v[o++] = v[i];
	}
	v[o] = '\0';
	return 0;
}

/* Parses one line (NUL-terminated, no newline).  seen[] holds the line
 * where each key was set in this file. */
static int
conf_line(struct conf *c, const char *name, unsigned lineno, char *line,
    unsigned *seen, struct err *e)
{
	const struct conf_key *k;
	char *key, *v, *end;
	size_t i;

	for (i = 0; line[i]; i++)
		if (((unsigned char)line[i] < 0x20 && line[i] != '\t') ||
		    line[i] == 0x7f)
			return err_set(e, EX_CONFIG,
			    _("%s:%u: control character in line; remove it"),
			    name, lineno);
	key = line + strspn(line, " \t");
	if (*key == '\0' || *key == '#')
		return 0;
	v = key + strcspn(key, " \t");
	end = v;
	v += strspn(v, " \t");
	*end = '\0';
	for (i = 0; key[i]; i++)
		if (!islower((unsigned char)key[i]) &&
		    !isdigit((unsigned char)key[i]) && key[i] != '_')
			return err_set(e, EX_CONFIG,
			    _("%s:%u: syntax error: \"%s\" is not a key; write \"key value\""),
			    name, lineno, key);
	if ((k = conf_find(key)) == NULL)
		return err_set(e, EX_CONFIG,
		    _("%s:%u: unknown key \"%s\"; see relayq.conf(5)"), name,
		    lineno, key);
	if (seen[k - conf_keys])
		return err_set(e, EX_CONFIG,
		    _("%s:%u: key \"%s\" given twice (first on line %u); keep one"),
		    name, lineno, key, seen[k - conf_keys]);
	seen[k - conf_keys] = lineno;
	for (end = v + strlen(v);
	     end > v && (end[-1] == ' ' || end[-1] == '\t'); end--)
		;
	*end = '\0';
	if (*v == '\0')
		return err_set(e, EX_CONFIG,
		    _("%s:%u: key \"%s\" has no value"), name, lineno, key);
	if (unquote(v) < 0)
		return err_set(e, EX_CONFIG,
		    _("%s:%u: key \"%s\": unbalanced quotes or bad escape in value"),
		    name, lineno, key);
	if (conf_set(c, k, v) < 0)
		return err_set(e, EX_CONFIG,
		    _("%s:%u: key \"%s\": invalid value \"%s\"; see relayq.conf(5)"),
		    name, lineno, key, v);
	return 0;
}

int
conf_parse(struct conf *c, const char *name, const char *text, size_t len,
    struct err *e)
{
	unsigned seen[NKEYS] = { 0 };
	unsigned lineno = 0;
	size_t pos = 0, n;
	const char *nl;
	char *line;
	int rc;

	while (pos < len) {
		lineno++;
		nl = memchr(text + pos, '\n', len - pos);
		n = nl ? (size_t)(nl - (text + pos)) : len - pos;
		if (n > CONF_LINE_MAX)
			return err_set(e, EX_CONFIG,
			    _("%s:%u: line longer than %d bytes"), name, lineno,
			    CONF_LINE_MAX);
		if (memchr(text + pos, '\0', n))
			return err_set(e, EX_CONFIG,
			    _("%s:%u: control character in line; remove it"),
			    name, lineno);
		line = xstrndup(text + pos, n);
		if (n > 0 && line[n - 1] == '\r')
			line[n - 1] = '\0';
		rc = conf_line(c, name, lineno, line, seen, e);
		free(line);
		if (rc < 0)
			return -1;
		pos += n + (nl != NULL);
	}
	return 0;
}
