/* conf.c — relayq.conf(5) keys, layered loading, durations (see conf.h). */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sysexits.h>
#include <unistd.h>

#include "buf.h"
#include "conf.h"
#include "i18n.h"
#include "logtarget.h"
#include "runlock.h"
#include "xalloc.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif
#ifndef SPOOLDIR
#define SPOOLDIR "/var/spool/relayq"
#endif

#define CONF_FILE_MAX (1024 * 1024)

enum conf_type { T_STRING, T_INT, T_BOOL, T_DURATION, T_ENUM, T_LIST };

struct conf_key {
	const char *name;
	enum conf_type type;
	size_t off;
	const char *def;               /* default as it would be written in the file; NULL: unset */
	int (*valid)(const char *);    /* strings and list items; NULL: any */
	const char *const *words;      /* T_ENUM: accepted words, index + 1 is the value */
	long min, max;                 /* T_INT */
};

static int
valid_abs_path(const char *s)
{
	return s[0] == '/';
}

static int
valid_local_or_address(const char *s)
{
	return strchr(s, '@') ? conf_valid_address(s) :
	    s[0] != '\0' && strcspn(s, " \t<>()[]\\,;:\"") == strlen(s);
}

static const char *const oauth_provider_words[] = {
	"none", "google", "microsoft", "custom", NULL
};

static const char *const delivery_words[] = {
	"background", "interactive", "queue", "deferred", NULL
};
static const char *const errmode_words[] = {
	"mail", "print", "quiet", "write", "mail-exit-zero", NULL
};
static const char *const tls_words[] = {
	"auto", "starttls", "implicit", "none", NULL
};
static const char *const tls_min_words[] = {
	"1.2", "1.3", NULL
};
static const char *const plaintext_words[] = {
	"verified-tls", "tls", "always", NULL
};
static const char *const family_words[] = {
	"any", "ipv4", "ipv6", NULL
};
static const char *const eightbit_words[] = {
	"pass", "strict", NULL
};

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

int
conf_long(const char *v, long min, long max, long *out)
{
	char *end;
	long n;

	if (!isdigit((unsigned char)v[0]))
		return -1;
	errno = 0;
	n = strtol(v, &end, 10);
	if (errno || *end || n < min || n > max)
		return -1;
	*out = n;
	return 0;
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
		for (i = 0; k->words[i]; i++)
			if (strcasecmp(v, k->words[i]) == 0)
				return *(int *)p = i + 1, 0;
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
		if (conf_keys[i].def && conf_set(c, &conf_keys[i], conf_keys[i].def) < 0)
			abort();        /* a bad default is a bug in the table */
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
			if (i + 1 >= len - 1 || (v[i + 1] != '"' && v[i + 1] != '\\'))
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
		if (((unsigned char)line[i] < 0x20 && line[i] != '\t') || line[i] == 0x7f)
			return err_set(e, EX_CONFIG,
			    _("%s:%u: control character in line; remove it"), name, lineno);
	key = line + strspn(line, " \t");
	if (*key == '\0' || *key == '#')
		return 0;
	v = key + strcspn(key, " \t");
	end = v;
	v += strspn(v, " \t");
	*end = '\0';
	for (i = 0; key[i]; i++)
		if (!islower((unsigned char)key[i]) && !isdigit((unsigned char)key[i]) && key[i] != '_')
			return err_set(e, EX_CONFIG,
			    _("%s:%u: syntax error: \"%s\" is not a key; write \"key value\""),
			    name, lineno, key);
	if ((k = conf_find(key)) == NULL)
		return err_set(e, EX_CONFIG,
		    _("%s:%u: unknown key \"%s\"; see relayq.conf(5)"), name, lineno, key);
	if (seen[k - conf_keys])
		return err_set(e, EX_CONFIG,
		    _("%s:%u: key \"%s\" given twice (first on line %u); keep one"),
		    name, lineno, key, seen[k - conf_keys]);
	seen[k - conf_keys] = lineno;
	for (end = v + strlen(v); end > v && (end[-1] == ' ' || end[-1] == '\t'); end--)
		;
	*end = '\0';
	if (*v == '\0')
		return err_set(e, EX_CONFIG, _("%s:%u: key \"%s\" has no value"),
		    name, lineno, key);
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
			    _("%s:%u: line longer than %d bytes"), name, lineno, CONF_LINE_MAX);
		if (memchr(text + pos, '\0', n))
			return err_set(e, EX_CONFIG,
			    _("%s:%u: control character in line; remove it"), name, lineno);
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

int
conf_load_file(struct conf *c, const char *path, int must_exist, struct err *e)
{
	struct buf b = BUF_INIT;
	struct stat st;
	char chunk[8192];
	ssize_t r;
	int fd, rc = -1;

	fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		if (errno == ENOENT && !must_exist)
			return 0;
		return err_sys(e, EX_CONFIG, errno, _("cannot read configuration %s"), path);
	}
	if (fstat(fd, &st) < 0) {
		err_sys(e, EX_CONFIG, errno, _("cannot read configuration %s"), path);
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		err_set(e, EX_CONFIG, _("configuration %s is not a regular file"), path);
		goto fail;
	}
	while ((r = read(fd, chunk, sizeof(chunk))) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err_sys(e, EX_CONFIG, errno, _("cannot read configuration %s"), path);
			goto fail;
		}
		buf_add(&b, chunk, (size_t)r);
		if (b.len > CONF_FILE_MAX) {
			err_set(e, EX_CONFIG, _("configuration %s is larger than 1 MiB"), path);
			goto fail;
		}
	}
	rc = conf_parse(c, path, buf_cstr(&b), b.len, e);
fail:
	close(fd);
	buf_free(&b);
	return rc;
}

const char *
conf_system_path(void)
{
	return SYSCONFDIR "/relayq.conf";
}

char *
conf_user_file(const char *name)
{
	const char *xdg = getenv("XDG_CONFIG_HOME");
	const char *home = getenv("HOME");
	struct passwd *pw;

	if (xdg && xdg[0] == '/')
		return xasprintf("%s/relayq/%s", xdg, name);
	if (home == NULL || home[0] != '/') {
		pw = getpwuid(getuid());
		home = pw && pw->pw_dir && pw->pw_dir[0] == '/' ? pw->pw_dir : NULL;
	}
	return home ? xasprintf("%s/.config/relayq/%s", home, name) : NULL;
}

char *
conf_user_path(void)
{
	return conf_user_file("config");
}

int
conf_load_layers(struct conf *c, const char *system_path, const char *user_path,
    struct err *e)
{
	if (system_path && conf_load_file(c, system_path, 0, e) < 0)
		return -1;
	if (user_path && conf_load_file(c, user_path, 0, e) < 0)
		return -1;
	return 0;
}

/* 1 when the user's file sets smarthost (it was parsed already, so it
 * parses again). */
static int
user_sets_smarthost(const char *path)
{
	struct conf u;
	struct err e;
	int r;

	conf_init(&u);
	r = conf_load_file(&u, path, 0, &e) == 0 && u.smarthost != NULL;
	conf_free(&u);
	return r;
}

int
conf_load(struct conf *c, const char *cli_path, struct err *e)
{
	char *user;
	int rc;

	conf_init(c);
	if (cli_path) {
		rc = conf_load_file(c, cli_path, 1, e);
		c->own_smarthost = c->smarthost != NULL;
		return rc;
	}
	user = conf_user_path();
	rc = conf_load_layers(c, conf_system_path(), user, e);
	if (rc == 0 && user != NULL)
		c->own_smarthost = user_sets_smarthost(user);
	free(user);
	return rc;
}

static long long
unit_seconds(char u)
{
	switch (u) {
	case 's': return 1;
	case 'm': return 60;
	case 'h': return 3600;
	case 'd': return 86400;
	case 'w': return 7 * 86400;
	default: return 0;
	}
}

int
conf_duration(const char *s, char default_unit, long long *secs, struct err *e)
{
	const char *p = s;
	long long total = 0, n, mul;

	if (*p == '\0')
		goto bad;
	while (*p) {
		if (!isdigit((unsigned char)*p))
			goto bad;
		for (n = 0; isdigit((unsigned char)*p); p++) {
			if (n > (LLONG_MAX - 9) / 10)
				goto bad;
			n = n * 10 + (*p - '0');
		}
		mul = unit_seconds(*p ? (char)tolower((unsigned char)*p) : default_unit);
		if (mul == 0)
			goto bad;
		if (*p)
			p++;
		if (n > (LLONG_MAX - total) / mul)
			goto bad;
		total += n * mul;
	}
	*secs = total;
	return 0;
bad:
	/* -1 spelled out: every 0 above has set *secs (conf_set relies on it). */
	err_set(e, EX_USAGE,
	    _("invalid duration \"%s\": write a number and a unit, e.g. 30m, 1h, 5d"), s);
	return -1;
}

int
conf_valid_domain(const char *s)
{
	size_t i, label = 0;

	if (s[0] == '\0' || strlen(s) > 253)
		return 0;
	for (i = 0; s[i]; i++) {
		if (s[i] == '.') {
			if (label == 0 || s[i - 1] == '-')
				return 0;
			label = 0;
		} else if (isalnum((unsigned char)s[i]) || (s[i] == '-' && label > 0)) {
			if (++label > 63)
				return 0;
		} else {
			return 0;
		}
	}
	return label > 0 && s[i - 1] != '-';
}

int
conf_valid_address(const char *s)
{
	const char *at = strrchr(s, '@');
	size_t i;

	if (at == NULL || at == s || !conf_valid_domain(at + 1))
		return 0;
	for (i = 0; s + i < at; i++)
		if ((unsigned char)s[i] <= 0x20 || s[i] == 0x7f || strchr("<>()[],;:\\", s[i]))
			return 0;
	return 1;
}

char *
conf_fqdn(struct err *e)
{
	struct addrinfo hints, *ai = NULL;
	char host[256];
	char *out = NULL;

	if (gethostname(host, sizeof(host)) < 0) {
		err_sys(e, EX_CONFIG, errno, _("cannot find this host's name"));
		return NULL;
	}
	host[sizeof(host) - 1] = '\0';
	if (strchr(host, '.') && conf_valid_domain(host))
		return xstrdup(host);
	memset(&hints, 0, sizeof(hints));
	hints.ai_flags = AI_CANONNAME;
	hints.ai_family = AF_UNSPEC;
	if (getaddrinfo(host, NULL, &hints, &ai) == 0 && ai && ai->ai_canonname &&
	    strchr(ai->ai_canonname, '.') && conf_valid_domain(ai->ai_canonname))
		out = xstrdup(ai->ai_canonname);
	if (ai)
		freeaddrinfo(ai);
	if (out == NULL)
		err_set(e, EX_CONFIG,
		    _("cannot find a domain for host \"%s\"; set \"domain\" in %s"),
		    host, conf_system_path());
	return out;
}
