/* identity.c — the invoking user and this host (see identity.h). */
#include "config.h"

#include <ctype.h>
#include <netdb.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "lib/buf.h"
#include "lib/identity.h"
#include "lib/xalloc.h"

char *
identity_gecos_name(const char *gecos, const char *login)
{
	struct buf b = BUF_INIT;
	const char *p;

	if (gecos == NULL)
		return NULL;
	for (p = gecos; *p != '\0' && *p != ','; p++) {
		if (*p == '&' && login != NULL && *login != '\0') {
			buf_addc(&b, (char)toupper((unsigned char)login[0]));
			buf_adds(&b, login + 1);
		} else
			buf_addc(&b, *p);
	}
	if (b.len == 0) {
		buf_free(&b);
		return NULL;
	}
	return buf_steal(&b);
}

static void
host_names(struct identity *id)
{
	char name[256];
	struct addrinfo hints, *res = NULL;
	char *dot;

	if (gethostname(name, sizeof(name)) != 0 || name[0] == '\0')
		snprintf(name, sizeof(name), "localhost");
	name[sizeof(name) - 1] = '\0';
	if (strchr(name, '.') != NULL) {
		id->fqdn = xstrdup(name);
	} else {
		memset(&hints, 0, sizeof(hints));
		hints.ai_family = AF_UNSPEC;
		hints.ai_flags = AI_CANONNAME;
		if (getaddrinfo(name, NULL, &hints, &res) == 0 && res != NULL &&
		    res->ai_canonname != NULL &&
		    strchr(res->ai_canonname, '.') != NULL)
			id->fqdn = xstrdup(res->ai_canonname);
		else
			id->fqdn = xstrdup(name);
		if (res != NULL)
			freeaddrinfo(res);
	}
	dot = strchr(name, '.');
	if (dot != NULL)
		*dot = '\0';
	id->host = xstrdup(name);
}

void
identity_load(struct identity *id)
{
	struct passwd *pw;
	const char *home = getenv("HOME");

	memset(id, 0, sizeof(*id));
	id->uid = getuid();
	id->gid = getgid();
	pw = getpwuid(id->uid);
	if (pw != NULL) {
		id->user = xstrdup(pw->pw_name);
		id->fullname = identity_gecos_name(pw->pw_gecos, pw->pw_name);
		if (home == NULL || *home == '\0')
			home = pw->pw_dir;
	} else {
		id->user = xasprintf("uid%lu", (unsigned long)id->uid);
	}
	if (home != NULL && *home != '\0')
		id->home = xstrdup(home);
	host_names(id);
}

void
identity_free(struct identity *id)
{
	free(id->user);
	free(id->fullname);
	free(id->home);
	free(id->host);
	free(id->fqdn);
	memset(id, 0, sizeof(*id));
}
