/* check_aliases.c — the /etc/aliases parser, include handling and loader. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "lib/check_main.h"
#include "lib/tmpdir.h"
#include "lib/xalloc.h"
#include "rewrite/aliases.h"

/* In-memory include files for the hermetic cases. */
static const struct {
	const char *path;
	const char *text;
	/* clang-format off */
} mem_files[] = {
	{ "/lists/staff", "a, b\n# comment\nc\n" },
	{ "/etc/lists/staff", "rel1\n  rel2 , rel3\n" },
	{ "/l/one", "one\n:include:two\n" },
	{ "/l/two", "two, |/bin/two\n" },
	{ "/l/loop", "x\n:include:/l/loop\n" },
	{ "/l/bad", "fine\na b c\n" },
	{ "/l/crlf", "p\r\nq\r\n" },
};
/* clang-format on */

static int
mem_read(void *arg, const char *path, struct buf *out, struct err *e)
{
	size_t i;
	int n;

	(void)arg;
	for (i = 0; i < sizeof(mem_files) / sizeof(mem_files[0]); i++)
		if (strcmp(mem_files[i].path, path) == 0) {
			buf_adds(out, mem_files[i].text);
			return 0;
		}
	/* /d/N includes /d/N+1: an endless chain for the depth limit. */
	if (sscanf(path, "/d/%d", &n) == 1) {
		buf_printf(out, "d%d\n:include:/d/%d\n", n, n + 1);
		return 0;
	}
	return err_sys(e, EX_NOINPUT, ENOENT, "cannot open %s", path);
}

/* "K:value|K:value" for an entry; K is A, N, P, F or B. */
static char *
render(const struct alias_entry *en)
{
	static const char kinds[] = "ANPFB";
	struct buf b = BUF_INIT;
	size_t i;

	if (en == NULL)
		return xstrdup("(none)");
	for (i = 0; i < en->n; i++)
		buf_printf(&b, "%s%c:%s", i ? "|" : "", kinds[en->t[i].kind],
		    en->t[i].value);
	return buf_steal(&b);
}

/* ---- parse: text in, one alias looked up, its targets rendered ---------- */

static const struct {
	const char *file;
	const char *text;
	const char *name;
	const char *expect;
	unsigned line;
	/* clang-format off */
} parse_cases[] = {
	{ "test", "root: admin", "root", "A:admin", 1 },
	{ "test", "Root: Admin@Example.COM", "ROOT", "A:Admin@Example.COM", 1 },
	{ "test", "staff: a,\n  b,\n\tc", "staff", "A:a|A:b|A:c", 1 },
	{ "test", "x: y\nstaff: a,\n# comment inside\n  b", "staff", "A:a|A:b", 2 },
	{ "test", "staff: a,\n\n   \n  b", "staff", "A:a|A:b", 1 },
	{ "test", "# c\n   # indented comment\n\nroot: x", "root", "A:x", 4 },
	{ "test", "\"two words\": x", "two words", "A:x", 1 },
	{ "test", "\"Two Words\": x", "\"two WORDS\"", "A:x", 1 },
	{ "test", "prog: \"|/usr/bin/foo a, b\"", "prog", "P:/usr/bin/foo a, b", 1 },
	{ "test", "prog: |/usr/bin/procmail", "prog", "P:/usr/bin/procmail", 1 },
	{ "test", "log: /var/log/mail.archive", "log", "F:/var/log/mail.archive", 1 },
	{ "test", "root: \\root, admin", "root", "N:root|A:admin", 1 },
	{ "test", "q: \"john doe\"@example.com", "q", "A:\"john doe\"@example.com", 1 },
	{ "test", "a: <b@example.com>", "a", "A:b@example.com", 1 },
	{ "test", "a: b,, c,", "a", "A:b|A:c", 1 },
	{ "test", "a: b\r\nc: d\r\n", "c", "A:d", 2 },
	{ "test", "a   :   b", "a", "A:b", 1 },
	{ "test", "a: b", "nosuch", "(none)", 0 },
	{ "test", "s: :include:/x", "s", "B:test:1: include files are not read here: /x", 1 },
	{ "mem", "staff: :include:/lists/staff", "staff", "A:a|A:b|A:c", 1 },
	{ "mem", "staff: :INCLUDE: /lists/staff, d", "staff", "A:a|A:b|A:c|A:d", 1 },
	{ "/etc/aliases", "s: :include:lists/staff", "s", "A:rel1|A:rel2|A:rel3", 1 },
	{ "mem", "n: :include:/l/one", "n", "A:one|A:two|P:/bin/two", 1 },
	{ "mem", "n: :include:/l/loop", "n",
	  "A:x|B:/l/loop:2: include loop: /l/loop is already being included", 1 },
	{ "mem", "n: ok,\n :include:/nope", "n",
	  "A:ok|B:mem:1: cannot open /nope: No such file or directory", 1 },
	{ "mem", "n: :include:/d/1", "n",
	  "A:d1|A:d2|A:d3|A:d4|A:d5|A:d6|A:d7|A:d8|"
	  "B:/d/8:2: includes nested more than 8 deep at /d/9", 1 },
	{ "mem", "n: :include:/l/bad", "n",
	  "B:mem:1: /l/bad:2: invalid alias value \"a b c\"", 1 },
	{ "mem", "n: :include:/l/crlf", "n", "A:p|A:q", 1 },
};
/* clang-format on */

START_TEST(test_parse)
{
	struct aliases a = ALIASES_INIT;
	struct err e;
	const struct alias_entry *en;
	char *got;
	int mem = strcmp(parse_cases[_i].file, "test") != 0;

	err_clear(&e);
	ck_assert_int_eq(aliases_parse(&a, parse_cases[_i].file,
	                     parse_cases[_i].text, strlen(parse_cases[_i].text),
	                     mem ? mem_read : NULL, NULL, &e),
	    0);
	en = aliases_lookup(&a, parse_cases[_i].name);
	got = render(en);
	ck_assert_str_eq(got, parse_cases[_i].expect);
	if (en != NULL) {
		ck_assert_uint_eq(en->line, parse_cases[_i].line);
		ck_assert_str_eq(en->file, parse_cases[_i].file);
	}
	free(got);
	aliases_free(&a);
}
END_TEST

/* ---- parse errors: exact code and message ------------------------------ */

static const struct {
	const char *text;
	const char *msg;
	/* clang-format off */
} error_cases[] = {
	{ "root admin", "test:1: expected \"name: value\"" },
	{ "  b", "test:1: continuation line without an alias before it" },
	{ "a:", "test:1: alias \"a\" has no value" },
	{ "a: ,  ,", "test:1: alias \"a\" has no value" },
	{ "a: b\nA: c", "test:2: alias \"a\" defined again (first at test:1); keep one" },
	{ "z: y\na: b\nb: c\n\na: d", "test:5: alias \"a\" defined again (first at test:2); keep one" },
	{ "a: b\001", "test:1: control character 0x01 in line; remove it" },
	{ "a: b\nc: d\r\re", "test:2: control character 0x0d in line; remove it" },
	{ "a: \"b", "test:1: unterminated quoted string" },
	{ "a: b c", "test:1: invalid alias value \"b c\"" },
	{ "a@b: c", "test:1: expected \"name: value\"" },
	{ "a: |", "test:1: invalid alias value \"|\"" },
	{ "a: \\", "test:1: invalid alias value \"\\\"" },
	{ "a: :include:", "test:1: :include: without a file name" },
	{ "\"unterminated: x", "test:1: expected \"name: value\"" },
	{ "a: b\n\n# c\nd e\n", "test:4: expected \"name: value\"" },
	{ "a: b@", "test:1: invalid alias value \"b@\"" },
	{ "a: @b", "test:1: invalid alias value \"@b\"" },
	{ ": b", "test:1: expected \"name: value\"" },
	{ "x: y\nname: a,\n  b c", "test:2: invalid alias value \"b c\"" },
};
/* clang-format on */

START_TEST(test_parse_error)
{
	struct aliases a = ALIASES_INIT;
	struct err e;

	err_clear(&e);
	ck_assert_int_eq(aliases_parse(&a, "test", error_cases[_i].text,
	                     strlen(error_cases[_i].text), NULL, NULL, &e),
	    -1);
	ck_assert_int_eq(e.code, EX_CONFIG);
	ck_assert_str_eq(e.msg, error_cases[_i].msg);
	ck_assert_uint_eq(a.n, 0);
	aliases_free(&a);
}
END_TEST

START_TEST(test_failure_keeps_table)
{
	struct aliases a = ALIASES_INIT;
	struct err e;
	static const char good[] = "postmaster: root\n\n\n\nroot: admin\n";
	static const char bad[] = "x: y\nbroken line\n";
	static const char dup[] = "other: z\nROOT: again\n";
	char *got;

	ck_assert_int_eq(aliases_parse(&a, "one", good, strlen(good), NULL,
	                     NULL, &e),
	    0);
	ck_assert_int_eq(aliases_parse(&a, "two", bad, strlen(bad), NULL, NULL,
	                     &e),
	    -1);
	ck_assert_int_eq(aliases_parse(&a, "three", dup, strlen(dup), NULL,
	                     NULL, &e),
	    -1);
	ck_assert_str_eq(e.msg,
	    "three:2: alias \"root\" defined again (first at one:5); keep one");
	ck_assert_uint_eq(a.n, 2);
	ck_assert_ptr_null(aliases_lookup(&a, "x"));
	ck_assert_ptr_null(aliases_lookup(&a, "other"));
	got = render(aliases_lookup(&a, "postmaster"));
	ck_assert_str_eq(got, "A:root");
	free(got);
	aliases_free(&a);
}
END_TEST

START_TEST(test_line_too_long)
{
	struct aliases a = ALIASES_INIT;
	struct err e;
	size_t n = ALIASES_LINE_MAX + 10;
	char *text = xmalloc(n + 1);

	memset(text, 'b', n);
	memcpy(text, "a: ", 3);
	text[n] = '\0';
	ck_assert_int_eq(aliases_parse(&a, "test", text, n, NULL, NULL, &e),
	    -1);
	ck_assert_str_eq(e.msg, "test:1: line longer than 65536 bytes");
	/* The same length spread over continuation lines is refused too. */
	memset(text, 'c', n);
	memcpy(text, "a: b\n ", 6);
	for (size_t i = 100; i + 1 < n; i += 100) {
		text[i] = '\n';
		text[i + 1] = ' ';
	}
	ck_assert_int_eq(aliases_parse(&a, "test", text, n, NULL, NULL, &e),
	    -1);
	ck_assert_str_eq(e.msg, "test:1: alias longer than 65536 bytes");
	free(text);
	aliases_free(&a);
}
END_TEST

START_TEST(test_file_too_large)
{
	struct aliases a = ALIASES_INIT;
	struct err e;
	size_t n = ALIASES_FILE_MAX + 1;
	char *text = xmalloc(n);

	memset(text, '\n', n);
	ck_assert_int_eq(aliases_parse(&a, "big", text, n, NULL, NULL, &e), -1);
	ck_assert_int_eq(e.code, EX_CONFIG);
	ck_assert_str_eq(e.msg, "big: larger than 4194304 bytes");
	free(text);
	aliases_free(&a);
}
END_TEST

START_TEST(test_problems)
{
	struct aliases a = ALIASES_INIT;
	struct strv p = STRV_INIT;
	struct err e;
	static const char text[] =
	    "ok: x\nbad: :include:/nope, y\nloop: :include:/l/loop\n";

	ck_assert_int_eq(aliases_parse(&a, "mem", text, strlen(text), mem_read,
	                     NULL, &e),
	    0);
	ck_assert_uint_eq(aliases_problems(&a, &p), 2);
	ck_assert_str_eq(p.v[0],
	    "alias \"bad\": mem:2: cannot open /nope: No such file or directory");
	ck_assert_str_eq(p.v[1],
	    "alias \"loop\": /l/loop:2: include loop: /l/loop is already being included");
	strv_free(&p);
	aliases_free(&a);
}
END_TEST

/* ---- the loader, on files under tests/data/aliases ---------------------- */

START_TEST(test_load_file)
{
	struct aliases a = ALIASES_INIT;
	struct err e;
	const char *path = TEST_DATADIR "/aliases/aliases";
	char *got, *want;

	err_clear(&e);
	ck_assert_int_eq(aliases_load(&a, path, &e), 0);
	ck_assert_uint_eq(a.n, 4);
	got = render(aliases_lookup(&a, "root"));
	ck_assert_str_eq(got, "A:admin@example.com|N:root");
	free(got);
	got = render(aliases_lookup(&a, "staff"));
	ck_assert_str_eq(got, "A:alice|A:bob@example.org|A:carol");
	free(got);
	ck_assert_str_eq(aliases_lookup(&a, "staff")->t[1].file,
	    TEST_DATADIR "/aliases/lists/staff");
	ck_assert_uint_eq(aliases_lookup(&a, "staff")->t[1].line, 3);
	got = render(aliases_lookup(&a, "loop"));
	want = xasprintf("B:%s/aliases/lists/loop-b:1: include loop: "
	                 "%s/aliases/lists/loop-a is already being included",
	    TEST_DATADIR, TEST_DATADIR);
	ck_assert_str_eq(got, want);
	free(got);
	free(want);
	aliases_free(&a);
}
END_TEST

/* Loads that change nothing: a missing file (fine), a syntax error, a
 * directory where the file should be. */
static const struct {
	const char *path;
	int rc, code;
	const char *msg;
} load_cases[] = {
	{ TEST_DATADIR "/aliases/no-such-file", 0, 0, "" },
	{ TEST_DATADIR "/aliases/bad", -1, EX_CONFIG,
	    TEST_DATADIR "/aliases/bad:3: expected \"name: value\"" },
	{ TEST_DATADIR "/aliases/lists", -1, EX_CONFIG,
	    "cannot load aliases: cannot read " TEST_DATADIR
	    "/aliases/lists: not a regular file" },
};

START_TEST(test_load_nothing)
{
	struct aliases a = ALIASES_INIT;
	struct err e;

	err_clear(&e);
	ck_assert_int_eq(aliases_load(&a, load_cases[_i].path, &e),
	    load_cases[_i].rc);
	ck_assert_int_eq(e.code, load_cases[_i].code);
	ck_assert_str_eq(e.msg, load_cases[_i].msg);
	ck_assert_uint_eq(a.n, 0);
	aliases_free(&a);
}
END_TEST

/* Permission bits mean nothing to root; as root this case proves only that
 * a readable mode-000 file is not mistaken for a missing one. */
START_TEST(test_load_unreadable)
{
	struct aliases a = ALIASES_INIT;
	struct err e;
	char *path;
	FILE *f;
	int rc;

	path = xasprintf("%s/aliases", test_dir);
	f = fopen(path, "w");
	ck_assert_ptr_nonnull(f);
	fputs("root: admin\n", f);
	fclose(f);
	chmod(path, 0);
	err_clear(&e);
	rc = aliases_load(&a, path, &e);
	if (geteuid() != 0) {
		char *want = xasprintf(
		    "cannot load aliases: cannot open %s: Permission denied",
		    path);
		ck_assert_int_eq(rc, -1);
		ck_assert_int_eq(e.code, EX_NOINPUT);
		ck_assert_str_eq(e.msg, want);
		free(want);
	} else {
		ck_assert_int_eq(rc, 0);
		ck_assert_uint_eq(a.n, 1);
	}
	free(path);
	aliases_free(&a);
}
END_TEST

START_TEST(test_read_file_missing)
{
	struct buf b = BUF_INIT;
	struct err e;

	ck_assert_int_eq(aliases_read_file(NULL, TEST_DATADIR "/aliases/none",
	                     &b, &e),
	    -1);
	ck_assert_int_eq(e.code, EX_NOINPUT);
	ck_assert_str_eq(e.msg,
	    "cannot open " TEST_DATADIR
	    "/aliases/none: No such file or directory");
	buf_free(&b);
}
END_TEST

/* The out-parameter rule (err.h): a file that fails half way (here: over
 * the size cap, after 4 MiB were read) appends nothing to out. */
START_TEST(test_read_file_failure_leaves_out)
{
	struct buf b = BUF_INIT;
	struct err e;
	char *path;
	int fd;

	path = xasprintf("%s/big", test_dir);
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(ftruncate(fd, ALIASES_FILE_MAX + 1), 0);
	close(fd);
	buf_adds(&b, "keep");
	ck_assert_int_eq(aliases_read_file(NULL, path, &b, &e), -1);
	ck_assert_int_eq(e.code, EX_CONFIG);
	ck_assert_uint_eq(b.len, 4);
	ck_assert_str_eq(buf_cstr(&b), "keep");
	free(path);
	buf_free(&b);
}
END_TEST

/* The out-parameter rule (err.h): a failed aliases_parse leaves the table
 * as it was, also its list of file names (an include read before the
 * error is forgotten); an empty text adds nothing (fuzz_aliases found a
 * qsort of a NULL array there). */
static int
one_include(void *arg, const char *path, struct buf *out, struct err *e)
{
	(void)arg;
	(void)path;
	(void)e;
	buf_adds(out, "alice, bob\n");
	return 0;
}

START_TEST(test_failure_leaves_files)
{
	struct aliases a = ALIASES_INIT;
	struct err e;
	static const char good[] = "root: admin\n";
	static const char bad[] = "staff: :include: lists/staff\nbroken line\n";
	size_t nfiles;

	ck_assert_int_eq(aliases_parse(&a, "/etc/aliases", "", 0, one_include,
	                     NULL, &e),
	    0);
	ck_assert_uint_eq(a.n, 0);
	ck_assert_ptr_null(a.v);
	ck_assert_int_eq(aliases_parse(&a, "/etc/aliases", good, strlen(good),
	                     one_include, NULL, &e),
	    0);
	nfiles = a.files.n;
	ck_assert_int_eq(aliases_parse(&a, "/etc/more", bad, strlen(bad),
	                     one_include, NULL, &e),
	    -1);
	ck_assert_str_eq(e.msg, "/etc/more:2: expected \"name: value\"");
	ck_assert_uint_eq(a.n, 1);
	ck_assert_uint_eq(a.files.n, nfiles);
	ck_assert_ptr_null(a.files.v[a.files.n]);
	ck_assert_ptr_null(aliases_lookup(&a, "staff"));
	ck_assert_str_eq(aliases_lookup(&a, "root")->t[0].value, "admin");
	aliases_free(&a);
}
END_TEST

/* Include files that each name the next one eight times, eight deep: 8^8
 * reads without a cap (fuzz_aliases took 31 s on 762 bytes of them).  The
 * parse stops reading at ALIASES_INCLUDE_READS and marks the rest broken. */
static int
fanout_include(void *arg, const char *path, struct buf *out, struct err *e)
{
	size_t l = strlen(path);
	int k = path[l - 1] - '0', i;

	(void)arg;
	(void)e;
	if (k >= 8) {
		buf_adds(out, "x\n");
		return 0;
	}
	for (i = 0; i < 8; i++)
		buf_printf(out, ":include: %d%s", k + 1, i < 7 ? ", " : "\n");
	return 0;
}

START_TEST(test_include_bomb_capped)
{
	struct aliases a = ALIASES_INIT;
	struct strv probs = STRV_INIT;
	const struct alias_entry *en;
	struct err e;
	static const char text[] = "bomb: :include: 1\n";
	size_t i, ok = 0;

	ck_assert_int_eq(aliases_parse(&a, "/etc/aliases", text, strlen(text),
	                     fanout_include, NULL, &e),
	    0);
	en = aliases_lookup(&a, "bomb");
	ck_assert_ptr_nonnull(en);
	for (i = 0; i < en->n; i++)
		ok += en->t[i].kind == ALIAS_ADDRESS;
	ck_assert_uint_gt(ok, 0);
	ck_assert_uint_lt(ok, ALIASES_INCLUDE_READS);
	ck_assert_uint_gt(aliases_problems(&a, &probs), 0);
	ck_assert_ptr_nonnull(
	    strstr(probs.v[0], "more than 1000 include files read"));
	strv_free(&probs);
	aliases_free(&a);
}
END_TEST

static Suite *
aliases_suite(void)
{
	Suite *s = suite_create("aliases");
	TCase *tc = tcase_create("parse");
	TCase *tl = tcase_create("load");

	tcase_add_loop_test(tc, test_parse, 0, TEST_NELEM(parse_cases));
	tcase_add_loop_test(tc, test_parse_error, 0, TEST_NELEM(error_cases));
	tcase_add_test(tc, test_failure_keeps_table);
	tcase_add_test(tc, test_failure_leaves_files);
	tcase_add_test(tc, test_include_bomb_capped);
	tcase_add_test(tc, test_line_too_long);
	tcase_add_test(tc, test_file_too_large);
	tcase_add_test(tc, test_problems);
	suite_add_tcase(s, tc);
	tcase_add_checked_fixture(tl, test_tmpdir_setup, test_tmpdir_teardown);
	tcase_add_test(tl, test_load_file);
	tcase_add_loop_test(tl, test_load_nothing, 0, TEST_NELEM(load_cases));
	tcase_add_test(tl, test_load_unreadable);
	tcase_add_test(tl, test_read_file_missing);
	tcase_add_test(tl, test_read_file_failure_leaves_out);
	suite_add_tcase(s, tl);
	return s;
}

int
main(void)
{
	return check_main(aliases_suite());
}
