/* identity.h — who is sending and from which host: the invoking user's
 * passwd entry and this host's names.  The only module that asks the
 * system about them, so every other module gets them as plain values. */
#ifndef RELAYQ_IDENTITY_H
#define RELAYQ_IDENTITY_H

#include <sys/types.h>

#include "lib/err.h"

struct identity {
	uid_t uid;
	gid_t gid;
	char *user; /* login name; "uid1234" when there is no entry */
	char
	    *fullname; /* from the GECOS field up to the first comma, or NULL */
	char *home;    /* $HOME, else the passwd home, or NULL */
	char *host;    /* short host name */
	char *fqdn;    /* fully qualified name (host when unknown) */
};

/* Fills id for the real uid of the process.  Never fails: missing
 * pieces get the fall-backs above. */
void identity_load(struct identity *id);
void identity_free(struct identity *id);

/* The GECOS full name: up to the first comma, "&" replaced by the
 * capitalised login name (BSD convention).  Returns an allocated string or
 * NULL when empty. */
char *identity_gecos_name(const char *gecos, const char *login);

#endif
