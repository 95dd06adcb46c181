/* oauth_dl.c — libcurl and json-c loaded on first use (see oauth_dl.h). */
#include "config.h"

#include <dlfcn.h>
#include <stddef.h>
#include <sysexits.h>

#include "auth/oauth_dl.h"
#include "lib/i18n.h"

#define SYM(lib, name, field) \
	{ \
		lib, name, offsetof(struct oauth_dl, field) \
	}
static const struct {
	int lib; /* 0 libcurl, 1 json-c */
	const char *name;
	size_t off;
} syms[] = {
	SYM(0, "curl_global_init", global_init),
	SYM(0, "curl_easy_init", easy_init),
	SYM(0, "curl_easy_setopt", easy_setopt),
	SYM(0, "curl_easy_getinfo", easy_getinfo),
	SYM(0, "curl_easy_perform", easy_perform),
	SYM(0, "curl_easy_strerror", easy_strerror),
	SYM(0, "curl_easy_cleanup", easy_cleanup),
	SYM(1, "json_tokener_new", tokener_new),
	SYM(1, "json_tokener_parse_ex", tokener_parse_ex),
	SYM(1, "json_tokener_free", tokener_free),
	SYM(1, "json_object_is_type", object_is_type),
	SYM(1, "json_object_put", object_put),
	SYM(1, "json_object_object_get_ex", object_object_get_ex),
	SYM(1, "json_object_get_string", object_get_string),
	SYM(1, "json_object_get_string_len", object_get_string_len),
	SYM(1, "json_object_get_int", object_get_int),
	SYM(1, "json_object_get_int64", object_get_int64),
};
#undef SYM
#define NSYMS (sizeof(syms) / sizeof(syms[0]))

#define FIX \
	N_("install the libcurl3-gnutls and libjson-c5 packages, or remove " \
	   "the oauth_* settings to authenticate with a password")

int
oauth_dl_load(const char *curl_soname, const char *json_soname,
    struct oauth_dl *out, struct err *e)
{
	const char *soname[2] = { curl_soname, json_soname };
	struct oauth_dl t;
	const char *why;
	void *h[2], *p;
	size_t i;
	int l;

	for (l = 0; l < 2; l++) {
		h[l] = dlopen(soname[l], RTLD_NOW | RTLD_LOCAL);
		if (h[l] == NULL) {
			why = dlerror();
			return err_set(e, EX_UNAVAILABLE,
			    _("cannot load %s for "
			      "OAuth2 token refresh (%s); %s"),
			    soname[l], why ? why : "?", _(FIX));
		}
	}
	for (i = 0; i < NSYMS; i++) {
		(void)dlerror();
		p = dlsym(h[syms[i].lib], syms[i].name);
		if (p == NULL) {
			why = dlerror();
			return err_set(e, EX_UNAVAILABLE,
			    _("%s has no %s (%s); it is "
			      "not the library relayq was built for: %s"),
			    soname[syms[i].lib], syms[i].name, why ? why : "?",
			    _(FIX));
		}
		/* POSIX: a data pointer from dlsym holds the function's
		 * address. */
		*(void **)(void *)((char *)&t + syms[i].off) = p;
	}
	*out = t;
	return 0;
}

const struct oauth_dl *
oauth_dl_get(struct err *e)
{
	static struct oauth_dl table;
	static struct err failed;
	static int state; /* 0 not tried, 1 loaded, -1 failed */

	if (state == 0) {
		err_clear(&failed);
		state = oauth_dl_load(OAUTH_CURL_SONAME, OAUTH_JSON_SONAME,
		            &table, &failed) == 0 ?
		    1 :
		    -1;
	}
	if (state < 0) {
		*e = failed;
		return NULL;
	}
	return &table;
}

static int
mapped(const char *soname)
{
	void *h = dlopen(soname, RTLD_LAZY | RTLD_NOLOAD);

	if (h == NULL)
		return 0;
	dlclose(h);
	return 1;
}

int
oauth_dl_loaded(void)
{
	return mapped(OAUTH_CURL_SONAME) || mapped(OAUTH_JSON_SONAME);
}
