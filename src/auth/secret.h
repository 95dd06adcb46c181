/* secret.h — passwords from the Secret Service keyring (libsecret).
 *
 * Items are found by the attributes host, service and user whatever their
 * schema, so both `secret-tool store --label=relayq host H service smtp
 * user U` and msmtp's items (de.marlam.msmtp.password) are used.  A locked
 * item is unlocked when the keyring allows it without a prompt on a
 * desktop; with no D-Bus session (cron, systemd timers) the lookup reports
 * the keyring as unavailable with a message that names the other
 * credential sources.  libsecret itself is loaded (secret_dl.h) only when a
 * session bus is there to ask; when it cannot be loaded the lookup reports
 * the keyring as unavailable, naming the library and the package to
 * install.  Built without libsecret, every lookup reports that.
 * Nothing here logs. */
#ifndef RELAYQ_SECRET_H
#define RELAYQ_SECRET_H

#include "lib/err.h"

enum {
	SECRET_FOUND = 0,
	SECRET_NOT_FOUND = 1,
	SECRET_UNAVAILABLE = 2 /* no keyring here; e says why (not fatal) */
};

/* Looks up the secret of the item with host, service (e.g. "smtp") and,
 * when user is not NULL, user.  On SECRET_FOUND sets *secret (allocated;
 * the caller wipe_free()s it) and, when user_out is not NULL, *user_out
 * (the item's user attribute or NULL; allocated).  Returns SECRET_*, or -1
 * with e on an error worth stopping for (EX_TEMPFAIL: the keyring failed
 * while reading). */
int secret_keyring_lookup(const char *host, const char *service,
    const char *user, char **user_out, char **secret, struct err *e);

/* 1 when built with libsecret, else 0. */
int secret_keyring_built(void);

#endif
