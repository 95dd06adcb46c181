/* check_identity.c — GECOS names and the loaded identity. */
#include "config.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lib/check_main.h"
#include "lib/identity.h"

static const struct {
	const char *gecos, *login, *want;
	/* clang-format off */
} cases[] = {
	{ "Alice Example,Room 1,555", "alice", "Alice Example" },
	{ "& Smith,,,", "bob", "Bob Smith" },
	{ ",,,", "x", NULL },
	{ "", "x", NULL },
	{ NULL, "x", NULL },
	{ "root", "root", "root" },
	{ "Jörg Ünicode", "j", "Jörg Ünicode" },
};
/* clang-format on */

START_TEST(test_gecos)
{
	char *got = identity_gecos_name(cases[_i].gecos, cases[_i].login);

	if (cases[_i].want == NULL)
		ck_assert_ptr_null(got);
	else
		ck_assert_str_eq(got, cases[_i].want);
	free(got);
}
END_TEST

START_TEST(test_load)
{
	struct identity id;

	setenv("HOME", "/tmp/some-home", 1);
	identity_load(&id);
	ck_assert_int_eq(id.uid, getuid());
	ck_assert_ptr_nonnull(id.user);
	ck_assert_str_eq(id.home, "/tmp/some-home");
	ck_assert_ptr_nonnull(id.host);
	ck_assert_ptr_null(strchr(id.host, '.'));
	ck_assert_ptr_nonnull(id.fqdn);
	ck_assert_int_eq(strncmp(id.fqdn, id.host, strlen(id.host)), 0);
	identity_free(&id);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("identity");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_gecos, 0, TEST_NELEM(cases));
	tcase_add_test(tc, test_load);
	suite_add_tcase(s, tc);
	return check_main(s);
}
