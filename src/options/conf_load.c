/* conf_load.c — which configuration files are read, in which order, and
 * reading one (see conf.h); the host's FQDN, the computed default of
 * domain. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sysexits.h>
#include <unistd.h>

#include "lib/buf.h"
#include "lib/i18n.h"
#include "lib/xalloc.h"
#include "options/conf.h"

#ifndef SYSCONFDIR
#define SYSCONFDIR "/etc"
#endif

#define CONF_FILE_MAX (1024 * 1024)

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
		return err_sys(e, EX_CONFIG, errno,
		    _("cannot read configuration %s"), path);
	}
	if (fstat(fd, &st) < 0) {
		err_sys(e, EX_CONFIG, errno, _("cannot read configuration %s"),
		    path);
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		err_set(e, EX_CONFIG,
		    _("configuration %s is not a regular file"), path);
		goto fail;
	}
	while ((r = read(fd, chunk, sizeof(chunk))) != 0) {
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			err_sys(e, EX_CONFIG, errno,
			    _("cannot read configuration %s"), path);
			goto fail;
		}
		buf_add(&b, chunk, (size_t)r);
		if (b.len > CONF_FILE_MAX) {
			err_set(e, EX_CONFIG,
			    _("configuration %s is larger than 1 MiB"), path);
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
		home = pw && pw->pw_dir && pw->pw_dir[0] == '/' ? pw->pw_dir :
		                                                  NULL;
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
	if (getaddrinfo(host, NULL, &hints, &ai) == 0 && ai &&
	    ai->ai_canonname && strchr(ai->ai_canonname, '.') &&
	    conf_valid_domain(ai->ai_canonname))
		out = xstrdup(ai->ai_canonname);
	if (ai)
		freeaddrinfo(ai);
	if (out == NULL)
		err_set(e, EX_CONFIG,
		    _("cannot find a domain for host \"%s\"; set \"domain\" in %s"),
		    host, conf_system_path());
	return out;
}
