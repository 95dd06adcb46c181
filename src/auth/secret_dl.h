/* secret_dl.h — libsecret and the few GLib calls secret.c makes, loaded
 * with dlopen() the first time the keyring is really consulted.
 *
 * relayq-flush does not link libsecret: GLib, GObject, GIO and their
 * dependencies would be mapped into every run (3 MB of its peak RSS,
 * doc/bench-2026-11-22.txt part 3) although most configurations read an
 * authinfo file or a systemd credential.  Only a lookup that gets as far
 * as the D-Bus session loads LIBSECRET_SONAME ("libsecret-1.so.0",
 * Debian's libsecret-1-0); the GLib symbols are resolved through it
 * (dlsym searches a handle's dependencies).  The handle is never
 * closed: GLib does not support being unloaded.  Each pointer has the
 * type of the real declaration in <libsecret/secret.h>, so a mismatch is
 * a compile error.
 *
 * Only built with libsecret's headers (HAVE_LIBSECRET).  Nothing here
 * logs. */
#ifndef RELAYQ_SECRET_DL_H
#define RELAYQ_SECRET_DL_H

#include <libsecret/secret.h>

#include "lib/err.h"

#ifndef LIBSECRET_SONAME
#define LIBSECRET_SONAME "libsecret-1.so.0"
#endif

struct secret_dl {
	__typeof__(secret_service_get_sync) *service_get_sync;
	__typeof__(secret_service_search_sync) *service_search_sync;
	__typeof__(secret_item_get_locked) *item_get_locked;
	__typeof__(secret_item_get_secret) *item_get_secret;
	__typeof__(secret_item_get_attributes) *item_get_attributes;
	__typeof__(secret_value_get_text) *value_get_text;
	__typeof__(secret_value_unref) *value_unref;
	__typeof__(g_hash_table_new) *hash_table_new;
	__typeof__(g_hash_table_insert) *hash_table_insert;
	__typeof__(g_hash_table_lookup) *hash_table_lookup;
	__typeof__(g_hash_table_unref) *hash_table_unref;
	__typeof__(g_str_hash) *str_hash;
	__typeof__(g_str_equal) *str_equal;
	__typeof__(g_error_free) *error_free;
	__typeof__(g_list_free_full) *list_free_full;
	__typeof__(g_object_unref) *object_unref;
};

/* Loads soname (LIBSECRET_SONAME in relayq-flush; tests pass others) and
 * fills *out with every symbol.  Returns 0, or -1 with EX_UNAVAILABLE and
 * a message naming the library, dlerror()'s cause and the fix (install
 * libsecret-1-0, or use another credential source); *out is then
 * untouched.  A library that loaded but lacks a symbol stays loaded. */
int secret_dl_load(const char *soname, struct secret_dl *out, struct err *e);

/* The process's table, loaded from LIBSECRET_SONAME on the first call and
 * kept; a failure is remembered and reported again on later calls.
 * Returns a borrowed pointer, or NULL with e as secret_dl_load. */
const struct secret_dl *secret_dl_get(struct err *e);

/* 1 when LIBSECRET_SONAME is mapped into this process (dlopen with
 * RTLD_NOLOAD), else 0.  For tests: a run that never consults the
 * keyring never loads it. */
int secret_dl_loaded(void);

#endif
