/* check_secret.c — the keyring source.  Always: the no-D-Bus message (as
 * under cron), and (with libsecret) that libsecret is loaded only when a
 * session is there to ask, with a clear message when it cannot be.  With
 * RELAYQ_TEST_KEYRING=1 (tests/integration/keyring.sh runs this suite inside
 * dbus-run-session with gnome-keyring holding items stored by secret-tool):
 * lookups by host/service/user across schemas. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "auth/secret.h"
#include "lib/xalloc.h"
#ifdef HAVE_LIBSECRET
#include "auth/secret_dl.h"
#include "lib/check_main.h"
#endif

START_TEST(test_no_dbus_session)
{
	char *secret = (char *)"x", *user = (char *)"x";
	struct err e;

	unsetenv("DBUS_SESSION_BUS_ADDRESS");
	setenv("XDG_RUNTIME_DIR", "/nonexistent", 1);
	ck_assert_int_eq(secret_keyring_lookup("smtp.test", "smtp", "alice",
	                     &user, &secret, &e),
	    SECRET_UNAVAILABLE);
	ck_assert_ptr_null(secret);
	ck_assert_ptr_null(user);
#ifdef HAVE_LIBSECRET
	ck_assert_int_eq(secret_keyring_built(), 1);
	ck_assert_str_eq(e.msg,
	    "the Secret Service keyring is not reachable (no "
	    "D-Bus session, as under cron or a systemd timer); use an authinfo "
	    "file, a systemd credential or a password command instead");
#else
	ck_assert_int_eq(secret_keyring_built(), 0);
	ck_assert_str_eq(e.msg,
	    "relayq was built without libsecret, so the keyring "
	    "cannot be used; use an authinfo file, a systemd credential or a "
	    "password command instead");
#endif
}
END_TEST

#ifdef HAVE_LIBSECRET
/* relayq-flush does not link libsecret, and a lookup that stops at the
 * missing D-Bus session (cron, timers) does not load it either. */
START_TEST(test_not_loaded_without_session)
{
	char *secret = NULL, *user = NULL;
	struct err e;

	ck_assert_int_eq(secret_dl_loaded(), 0);
	unsetenv("DBUS_SESSION_BUS_ADDRESS");
	setenv("XDG_RUNTIME_DIR", "/nonexistent", 1);
	ck_assert_int_eq(secret_keyring_lookup("smtp.test", "smtp", NULL, &user,
	                     &secret, &e),
	    SECRET_UNAVAILABLE);
	ck_assert_int_eq(secret_dl_loaded(), 0);
}
END_TEST

/* Libraries that cannot serve: one that cannot be loaded, one without
 * libsecret's symbols (libc).  The message names the library, the cause
 * and the fix; the table is untouched. */
static const struct {
	const char *soname, *start, *cause;
} bad_libs[] = {
	{ "libsecret-relayq-absent.so.0",
	    "cannot load libsecret-relayq-absent.so.0 "
	    "for the Secret Service keyring (",
	    "cannot open shared object file" },
	{ "libc.so.6", "libc.so.6 has no secret_service_get_sync (",
	    "undefined symbol" },
};

START_TEST(test_dl_bad_library)
{
	struct secret_dl t;
	struct err e;

	memset(&t, 0, sizeof(t));
	ck_assert_int_eq(secret_dl_load(bad_libs[_i].soname, &t, &e), -1);
	ck_assert_int_eq(e.code, EX_UNAVAILABLE);
	ck_assert_msg(strncmp(e.msg, bad_libs[_i].start,
	                  strlen(bad_libs[_i].start)) == 0,
	    "%s", e.msg);
	ck_assert_msg(strstr(e.msg, bad_libs[_i].cause) != NULL, "%s", e.msg);
	ck_assert_msg(
	    strstr(e.msg,
	        "install the libsecret-1-0 package, or use "
	        "an authinfo file, a systemd credential or a password command "
	        "instead") != NULL,
	    "%s", e.msg);
	ck_assert_ptr_null(t.service_get_sync);
	if (_i == 0)
		ck_assert_int_eq(secret_dl_loaded(), 0);
}
END_TEST

/* The real library: every symbol resolves, GLib's through libsecret. */
START_TEST(test_dl_real)
{
	struct secret_dl t;
	struct err e;

	err_clear(&e);
	ck_assert_msg(secret_dl_load(LIBSECRET_SONAME, &t, &e) == 0, "%s",
	    e.msg);
	ck_assert_ptr_nonnull(t.service_get_sync);
	ck_assert_ptr_nonnull(t.object_unref);
	ck_assert_int_eq(secret_dl_loaded(), 1);
	ck_assert_ptr_eq(secret_dl_get(&e), secret_dl_get(&e));
}
END_TEST
#endif

/* Items stored by keyring.sh before this suite runs. */
static const struct {
	const char *host, *user;
	int rc;
	const char *want_secret, *want_user;
	/* clang-format off */
} items[] = {
	{ "smtp.example.com", "alice", SECRET_FOUND, "alice-pw", "alice" },
	{ "smtp.example.com", NULL, SECRET_FOUND, "alice-pw", "alice" },
	{ "msmtp.example.com", "bob", SECRET_FOUND, "bob pw with spaces", "bob" },
	{ "smtp.example.com", "mallory", SECRET_NOT_FOUND, NULL, NULL },
	{ "absent.example.com", NULL, SECRET_NOT_FOUND, NULL, NULL },
};
/* clang-format on */

START_TEST(test_keyring_lookup)
{
	char *secret = NULL, *user = NULL;
	struct err e;

	err_clear(&e);
	ck_assert_msg(secret_keyring_lookup(items[_i].host, "smtp",
	                  items[_i].user, &user, &secret, &e) == items[_i].rc,
	    "%s", e.msg);
	if (items[_i].rc == SECRET_FOUND) {
		ck_assert_str_eq(secret, items[_i].want_secret);
		ck_assert_str_eq(user, items[_i].want_user);
	} else {
		ck_assert_ptr_null(secret);
	}
	wipe_free(secret);
	free(user);
#ifdef HAVE_LIBSECRET
	/* A session was there to ask: now libsecret is loaded. */
	ck_assert_int_eq(secret_dl_loaded(), 1);
#endif
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("secret");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_no_dbus_session);
#ifdef HAVE_LIBSECRET
	tcase_add_test(tc, test_not_loaded_without_session);
	tcase_add_loop_test(tc, test_dl_bad_library, 0, TEST_NELEM(bad_libs));
	tcase_add_test(tc, test_dl_real);
#endif
	suite_add_tcase(s, tc);
	if (getenv("RELAYQ_TEST_KEYRING") != NULL) {
		TCase *kc = tcase_create("keyring");

		tcase_set_timeout(kc, 30);
		tcase_add_loop_test(kc, test_keyring_lookup, 0,
		    TEST_NELEM(items));
		suite_add_tcase(s, kc);
	}
	return check_main(s);
}
