/* oauth_dl.h — libcurl (GnuTLS flavour) and json-c, loaded with dlopen()
 * the first time an OAuth2 token request is really made.
 *
 * relayq-flush does not link them: libcurl-gnutls, json-c and their
 * dependencies (about 3 MiB of peak RSS and 20 libraries, issue 11)
 * would be mapped into every run although most configurations have no
 * OAuth2.  Only oauth_refresh.c's first POST loads OAUTH_CURL_SONAME
 * ("libcurl-gnutls.so.4", Debian's libcurl3-gnutls) and
 * OAUTH_JSON_SONAME ("libjson-c.so.5", Debian's libjson-c5).  The
 * handles are never closed.  Each pointer has the type of the real
 * declaration in <curl/curl.h> or <json-c/json.h>, so a mismatch is a
 * compile error; curl_easy_setopt() and curl_easy_getinfo() are
 * variadic (and macros with some compilers), so their pointers are
 * declared with the variadic type by hand.
 *
 * Only built with the headers of both (HAVE_OAUTH).  Nothing here logs. */
#ifndef RELAYQ_OAUTH_DL_H
#define RELAYQ_OAUTH_DL_H

#include <curl/curl.h>
#include <json-c/json.h>

#include "lib/err.h"

#ifndef OAUTH_CURL_SONAME
#define OAUTH_CURL_SONAME "libcurl-gnutls.so.4"
#endif
#ifndef OAUTH_JSON_SONAME
#define OAUTH_JSON_SONAME "libjson-c.so.5"
#endif

struct oauth_dl {
	__typeof__(curl_global_init) *global_init;
	__typeof__(curl_easy_init) *easy_init;
	CURLcode (*easy_setopt)(CURL *, CURLoption, ...);
	CURLcode (*easy_getinfo)(CURL *, CURLINFO, ...);
	__typeof__(curl_easy_perform) *easy_perform;
	__typeof__(curl_easy_strerror) *easy_strerror;
	__typeof__(curl_easy_cleanup) *easy_cleanup;
	__typeof__(json_tokener_new) *tokener_new;
	__typeof__(json_tokener_parse_ex) *tokener_parse_ex;
	__typeof__(json_tokener_free) *tokener_free;
	__typeof__(json_object_is_type) *object_is_type;
	__typeof__(json_object_put) *object_put;
	__typeof__(json_object_object_get_ex) *object_object_get_ex;
	__typeof__(json_object_get_string) *object_get_string;
	__typeof__(json_object_get_string_len) *object_get_string_len;
	__typeof__(json_object_get_int) *object_get_int;
	__typeof__(json_object_get_int64) *object_get_int64;
};

/* Loads curl_soname and json_soname (the OAUTH_*_SONAME in relayq-flush;
 * tests pass others) and fills *out with every symbol.  Returns 0, or -1
 * with EX_UNAVAILABLE and a message naming the library, dlerror()'s cause
 * and the fix (install libcurl3-gnutls / libjson-c5, or remove the
 * oauth_* settings); *out is then untouched.  A library that loaded but
 * lacks a symbol stays loaded. */
int oauth_dl_load(const char *curl_soname, const char *json_soname,
    struct oauth_dl *out, struct err *e);

/* The process's table, loaded on the first call and kept; a failure is
 * remembered and reported again on later calls.  Returns a borrowed
 * pointer, or NULL with e as oauth_dl_load. */
const struct oauth_dl *oauth_dl_get(struct err *e);

/* 1 when OAUTH_CURL_SONAME or OAUTH_JSON_SONAME is mapped into this
 * process (dlopen with RTLD_NOLOAD), else 0.  For tests. */
int oauth_dl_loaded(void);

#endif
