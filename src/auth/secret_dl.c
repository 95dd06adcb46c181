/* secret_dl.c — libsecret loaded on first use (see secret_dl.h). */
#include "config.h"

#include <dlfcn.h>
#include <stddef.h>
#include <sysexits.h>

#include "auth/secret_dl.h"
#include "lib/i18n.h"

#define SYM(name, field) \
	{ \
		name, offsetof(struct secret_dl, field) \
	}
static const struct {
	const char *name;
	size_t off;
} syms[] = {
	SYM("secret_service_get_sync", service_get_sync),
	SYM("secret_service_search_sync", service_search_sync),
	SYM("secret_item_get_locked", item_get_locked),
	SYM("secret_item_get_secret", item_get_secret),
	SYM("secret_item_get_attributes", item_get_attributes),
	SYM("secret_value_get_text", value_get_text),
	SYM("secret_value_unref", value_unref),
	SYM("g_hash_table_new", hash_table_new),
	SYM("g_hash_table_insert", hash_table_insert),
	SYM("g_hash_table_lookup", hash_table_lookup),
	SYM("g_hash_table_unref", hash_table_unref),
	SYM("g_str_hash", str_hash),
	SYM("g_str_equal", str_equal),
	SYM("g_error_free", error_free),
	SYM("g_list_free_full", list_free_full),
	SYM("g_object_unref", object_unref),
};
#undef SYM
#define NSYMS (sizeof(syms) / sizeof(syms[0]))

#define FIX \
	N_("install the libsecret-1-0 package, or use an authinfo file, " \
	   "a systemd credential or a password command instead")

int
secret_dl_load(const char *soname, struct secret_dl *out, struct err *e)
{
	struct secret_dl t;
	const char *why;
	void *h, *p;
	size_t i;

	h = dlopen(soname, RTLD_NOW | RTLD_LOCAL);
	if (h == NULL) {
		why = dlerror();
		return err_set(e, EX_UNAVAILABLE,
		    _("cannot load %s for the Secret "
		      "Service keyring (%s); %s"),
		    soname, why ? why : "?", _(FIX));
	}
	for (i = 0; i < NSYMS; i++) {
		(void)dlerror();
		p = dlsym(h, syms[i].name);
		if (p == NULL) {
			why = dlerror();
			return err_set(e, EX_UNAVAILABLE,
			    _("%s has no %s (%s); it is "
			      "not the libsecret relayq was built for: %s"),
			    soname, syms[i].name, why ? why : "?", _(FIX));
		}
		/* POSIX: a data pointer from dlsym holds the function's
		 * address. */
		*(void **)(void *)((char *)&t + syms[i].off) = p;
	}
	*out = t;
	return 0;
}

const struct secret_dl *
secret_dl_get(struct err *e)
{
	static struct secret_dl table;
	static struct err failed;
	static int state; /* 0 not tried, 1 loaded, -1 failed */

	if (state == 0) {
		err_clear(&failed);
		state = secret_dl_load(LIBSECRET_SONAME, &table, &failed) == 0 ?
		    1 :
		    -1;
	}
	if (state < 0) {
		*e = failed;
		return NULL;
	}
	return &table;
}

int
secret_dl_loaded(void)
{
	void *h = dlopen(LIBSECRET_SONAME, RTLD_LAZY | RTLD_NOLOAD);

	if (h == NULL)
		return 0;
	dlclose(h);
	return 1;
}
