/* check_secret.c — the keyring source.  Always: the no-D-Bus message (as
 * under cron).  With RELAYQ_TEST_KEYRING=1 (tests/integration/keyring.sh
 * runs this suite inside dbus-run-session with gnome-keyring holding items
 * stored by secret-tool): lookups by host/service/user across schemas. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "secret.h"
#include "xalloc.h"

START_TEST(test_no_dbus_session)
{
	char *secret = (char *)"x", *user = (char *)"x";
	struct err e;

	unsetenv("DBUS_SESSION_BUS_ADDRESS");
	setenv("XDG_RUNTIME_DIR", "/nonexistent", 1);
	ck_assert_int_eq(secret_keyring_lookup("smtp.test", "smtp", "alice", &user,
	    &secret, &e), SECRET_UNAVAILABLE);
	ck_assert_ptr_null(secret);
	ck_assert_ptr_null(user);
#ifdef HAVE_LIBSECRET
	ck_assert_int_eq(secret_keyring_built(), 1);
	ck_assert_str_eq(e.msg, "the Secret Service keyring is not reachable (no "
	    "D-Bus session, as under cron or a systemd timer); use an authinfo "
	    "file, a systemd credential or a password command instead");
#else
	ck_assert_int_eq(secret_keyring_built(), 0);
	ck_assert_str_eq(e.msg, "relayq was built without libsecret, so the keyring "
	    "cannot be used; use an authinfo file, a systemd credential or a "
	    "password command instead");
#endif
}
END_TEST

/* Items stored by keyring.sh before this suite runs. */
static const struct {
	const char *host, *user;
	int rc;
	const char *want_secret, *want_user;
} items[] = {
	{ "smtp.example.com", "alice", SECRET_FOUND, "alice-pw", "alice" },
	{ "smtp.example.com", NULL, SECRET_FOUND, "alice-pw", "alice" },
	{ "msmtp.example.com", "bob", SECRET_FOUND, "bob pw with spaces", "bob" },
	{ "smtp.example.com", "mallory", SECRET_NOT_FOUND, NULL, NULL },
	{ "absent.example.com", NULL, SECRET_NOT_FOUND, NULL, NULL },
};

START_TEST(test_keyring_lookup)
{
	char *secret = NULL, *user = NULL;
	struct err e;

	err_clear(&e);
	ck_assert_msg(secret_keyring_lookup(items[_i].host, "smtp", items[_i].user,
	    &user, &secret, &e) == items[_i].rc, "%s", e.msg);
	if (items[_i].rc == SECRET_FOUND) {
		ck_assert_str_eq(secret, items[_i].want_secret);
		ck_assert_str_eq(user, items[_i].want_user);
	} else {
		ck_assert_ptr_null(secret);
	}
	wipe_free(secret);
	free(user);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("secret");
	TCase *tc = tcase_create("core");
	SRunner *sr;
	int failed;

	tcase_add_test(tc, test_no_dbus_session);
	suite_add_tcase(s, tc);
	if (getenv("RELAYQ_TEST_KEYRING") != NULL) {
		TCase *kc = tcase_create("keyring");

		tcase_set_timeout(kc, 30);
		tcase_add_loop_test(kc, test_keyring_lookup, 0,
		    sizeof(items) / sizeof(items[0]));
		suite_add_tcase(s, kc);
	}
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
