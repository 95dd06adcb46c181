/* secret.c — Secret Service lookups through libsecret, loaded on first
 * use by secret_dl.c (see secret.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>

#include "auth/secret.h"
#include "lib/i18n.h"
#include "lib/xalloc.h"

#define OTHER_SOURCES \
	N_("use an authinfo file, a systemd credential or a " \
	   "password command instead")

#ifndef HAVE_LIBSECRET

int
secret_keyring_built(void)
{
	return 0;
}

int
secret_keyring_lookup(const char *host, const char *service, const char *user,
    char **user_out, char **secret, struct err *e)
{
	(void)host, (void)service, (void)user;
	*secret = NULL;
	if (user_out)
		*user_out = NULL;
	err_set(e, EX_UNAVAILABLE,
	    _("relayq was built without libsecret, so "
	      "the keyring cannot be used; %s"),
	    _(OTHER_SOURCES));
	return SECRET_UNAVAILABLE;
}

#else /* HAVE_LIBSECRET */

#include <libsecret/secret.h>

#include "auth/secret_dl.h"
#include "lib/log.h"

/* Matches any schema (secret-tool's, msmtp's, ours) by attributes. */
/* clang-format off */
static const SecretSchema any_schema = {
	"org.freedesktop.Secret.Generic", SECRET_SCHEMA_DONT_MATCH_NAME,
	{
		{ "host", SECRET_SCHEMA_ATTRIBUTE_STRING },
		{ "service", SECRET_SCHEMA_ATTRIBUTE_STRING },
		{ "user", SECRET_SCHEMA_ATTRIBUTE_STRING },
		{ NULL, 0 },
	},
	0, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
};
/* clang-format on */

int
secret_keyring_built(void)
{
	return 1;
}

/* 1 when a session bus can be found without X11 autolaunch. */
static int
have_session_bus(void)
{
	const char *addr = getenv("DBUS_SESSION_BUS_ADDRESS");
	const char *run = getenv("XDG_RUNTIME_DIR");
	struct stat st;
	char *path;
	int ok;

	if (addr != NULL && *addr != '\0')
		return 1;
	if (run == NULL || *run == '\0')
		return 0;
	path = xasprintf("%s/bus", run);
	ok = stat(path, &st) == 0 && S_ISSOCK(st.st_mode);
	free(path);
	return ok;
}

static int
unavailable(struct err *e, const char *why)
{
	char clean[256];

	log_sanitize_utf8(clean, sizeof(clean), why, strlen(why));
	err_set(e, EX_UNAVAILABLE,
	    _("the Secret Service keyring is not "
	      "reachable (%s); %s"),
	    clean, _(OTHER_SOURCES));
	return SECRET_UNAVAILABLE;
}

/* Takes the secret (and user attribute) out of a found item. */
static int
take_item(const struct secret_dl *L, SecretItem *item, const char *host,
    char **user_out, char **secret, struct err *e)
{
	SecretValue *v;
	const gchar *text;
	GHashTable *attrs;
	const char *u;

	if (L->item_get_locked(item))
		return err_set(e, EX_TEMPFAIL,
		    _("the keyring item for %s is "
		      "locked and could not be unlocked; unlock the keyring (log "
		      "in to the desktop session) or %s"),
		    host, _(OTHER_SOURCES));
	v = L->item_get_secret(item);
	text = v ? L->value_get_text(v) : NULL;
	if (text == NULL || *text == '\0') {
		if (v)
			L->value_unref(v);
		return err_set(e, EX_CONFIG,
		    _("the keyring item for %s holds no "
		      "text password; store it again with secret-tool store"),
		    host);
	}
	*secret = xstrdup(text);
	L->value_unref(v); /* libsecret wipes its own copy */
	if (user_out != NULL) {
		attrs = L->item_get_attributes(item);
		u = attrs ? L->hash_table_lookup(attrs, "user") : NULL;
		*user_out = u ? xstrdup(u) : NULL;
		if (attrs)
			L->hash_table_unref(attrs);
	}
	return SECRET_FOUND;
}

int
secret_keyring_lookup(const char *host, const char *service, const char *user,
    char **user_out, char **secret, struct err *e)
{
	const struct secret_dl *L;
	SecretService *svc = NULL;
	GHashTable *attrs = NULL;
	GList *items = NULL;
	GError *ge = NULL;
	int rc;

	*secret = NULL;
	if (user_out)
		*user_out = NULL;
	if (!have_session_bus())
		return unavailable(e,
		    _("no D-Bus session, as under cron or a "
		      "systemd timer"));
	/* Only now, with a session to ask, is libsecret (and GLib) loaded. */
	L = secret_dl_get(e);
	if (L == NULL)
		return SECRET_UNAVAILABLE;
	svc = L->service_get_sync(SECRET_SERVICE_OPEN_SESSION, NULL, &ge);
	if (svc == NULL) {
		rc = unavailable(e, ge ? ge->message : "?");
		goto out;
	}
	attrs = L->hash_table_new(L->str_hash, L->str_equal);
	L->hash_table_insert(attrs, (gpointer) "host", (gpointer)host);
	L->hash_table_insert(attrs, (gpointer) "service", (gpointer)service);
	if (user != NULL)
		L->hash_table_insert(attrs, (gpointer) "user", (gpointer)user);
	items = L->service_search_sync(svc, &any_schema, attrs,
	    SECRET_SEARCH_UNLOCK | SECRET_SEARCH_LOAD_SECRETS, NULL, &ge);
	if (ge != NULL) {
		rc = unavailable(e, ge->message);
		goto out;
	}
	rc = items ? take_item(L, items->data, host, user_out, secret, e) :
	             SECRET_NOT_FOUND;
out:
	if (ge)
		L->error_free(ge);
	L->list_free_full(items, L->object_unref);
	if (attrs)
		L->hash_table_unref(attrs);
	if (svc)
		L->object_unref(svc);
	return rc;
}

#endif /* HAVE_LIBSECRET */
