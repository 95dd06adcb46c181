/* check_log.c — the sanitizer of log.h in its two forms, and the UTF-8
 * decoder under it (utf8.h): translated German text kept byte for byte in
 * the UTF-8 form, each rejected class replaced by one '?', no character
 * cut at the end of the output, and the ASCII form as it always was. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/buf.h"
#include "lib/check_main.h"
#include "lib/log.h"
#include "lib/slurp.h"
#include "lib/tmpdir.h"
#include "lib/utf8.h"

/* The German text of the bug report and more of the same kind. */
static const char *const german[] = {
	"Verbindung zum Smarthost fehlgeschlagen: Zeit\xc3\xbc"
	"berschreitung",
	"keine Verbindung zu 127.0.0.1:25: Verbindung abgelehnt (stimmt der "
	"Port und l\xc3\xa4uft der Server?)",
	"Gr\xc3\xbc\xc3\x9f"
	"e, Stra\xc3\x9f"
	"e: \xc3\xa4\xc3\xb6\xc3\xbc\xc3\x84\xc3\x96\xc3\x9c \xe2\x82\xac 5",
	"j\xc3\xbcrgen@b\xc3\xbc"
	"cher.example", /* an SMTPUTF8 address */
	"\xf0\x9f\x98\x80 U+1F600, \xf4\x8f\xbf\xbf U+10FFFF",
	"\xc2\xa0 NBSP (U+00A0, after the C1 block), \xe2\x80\x8d ZWJ",
	"\xe2\x80\xa9 U+2029, \xe2\x80\xaf U+202F, \xe2\x81\xa5 U+2065, "
	"\xe2\x81\xaa U+206A: next to bidi controls, not one",
};

START_TEST(test_german_kept)
{
	const char *in = german[_i];
	char out[512];

	log_sanitize_utf8(out, sizeof(out), in, strlen(in));
	ck_assert_str_eq(out, in);
}
END_TEST

/* clang-format off */
static const struct { const char *in, *want; } rejected[] = {
	/* C0 controls, DEL */
	{ "a\x01" "b", "a?b" },
	{ "\x1b[31mred", "?[31mred" },
	{ "t\te\nx\rt", "t?e?x?t" },
	{ "del\x7f", "del?" },
	/* C1 controls, one '?' per character (not per byte) */
	{ "\xc2\x80", "?" },
	{ "\xc2\x9b" "31m", "?31m" },                  /* C1 CSI */
	{ "a\xc2\x9f" "b", "a?b" },
	/* bidi controls */
	{ "\xd8\x9c", "?" },                            /* U+061C ALM */
	{ "\xe2\x80\x8e", "?" },                        /* U+200E LRM */
	{ "\xe2\x80\x8f", "?" },                        /* U+200F RLM */
	{ "\xe2\x80\xaa", "?" },                        /* U+202A LRE */
	{ "\xe2\x80\xab", "?" },                        /* U+202B RLE */
	{ "\xe2\x80\xac", "?" },                        /* U+202C PDF */
	{ "\xe2\x80\xad", "?" },                        /* U+202D LRO */
	{ "x\xe2\x80\xaegnp.exe", "x?gnp.exe" },        /* U+202E RLO */
	{ "\xe2\x81\xa6", "?" },                        /* U+2066 LRI */
	{ "\xe2\x81\xa7", "?" },                        /* U+2067 RLI */
	{ "\xe2\x81\xa8", "?" },                        /* U+2068 FSI */
	{ "\xe2\x81\xa9", "?" },                        /* U+2069 PDI */
	/* ill-formed: one '?' per maximal subpart */
	{ "\x80", "?" },                                /* stray continuation */
	{ "a\xbf" "b", "a?b" },
	{ "\xff\xfe", "??" },
	{ "\xc3(", "?(" },                              /* interrupted */
	{ "\xc0\xaf", "??" },                           /* overlong '/' */
	{ "\xc1\xbf", "??" },                           /* overlong DEL */
	{ "\xe0\x80\xaf", "???" },                      /* overlong, 3 bytes */
	{ "\xe0\x9f\xbf", "???" },                      /* overlong U+07FF */
	{ "\xf0\x80\x80\xaf", "????" },                 /* overlong, 4 bytes */
	{ "\xf0\x8f\xbf\xbf", "????" },                 /* overlong U+FFFF */
	{ "\xed\xa0\x80", "???" },                      /* surrogate U+D800 */
	{ "\xed\xbf\xbf", "???" },                      /* surrogate U+DFFF */
	{ "\xf4\x90\x80\x80", "????" },                 /* U+110000 */
	{ "\xf5\x80\x80\x80", "????" },
	{ "ab\xe2\x82", "ab?" },                        /* truncated */
	{ "\xe2\x82x", "?x" },
	{ "\xf0\x9f\x98" "A", "?A" },
	{ "\xf0\x9f\x98\xc3\xa4", "?\xc3\xa4" },        /* then a good one */
	/* the text of the bug: our translation arrives whole */
	{ "Zeit\xc3\xbc" "berschreitung\r\n", "Zeit\xc3\xbc" "berschreitung??" },
};
/* clang-format on */

START_TEST(test_rejected)
{
	char out[64];

	log_sanitize_utf8(out, sizeof(out), rejected[_i].in,
	    strlen(rejected[_i].in));
	ck_assert_str_eq(out, rejected[_i].want);
}
END_TEST

/* A NUL inside the length given is a control like the others. */
START_TEST(test_nul_inside)
{
	char out[16];

	log_sanitize_utf8(out, sizeof(out), "a\0b", 3);
	ck_assert_str_eq(out, "a?b");
	log_sanitize_ascii(out, sizeof(out), "a\0b", 3);
	ck_assert_str_eq(out, "a?b");
}
END_TEST

/* Every code point, encoded: kept unless a control, a bidi control or a
 * surrogate (which UTF-8 cannot carry: three '?'). */
START_TEST(test_every_code_point)
{
	char in[8], out[8];
	long c, got;
	size_t len, span;
	int reject;

	for (c = 0; c <= 0x10ffff; c++) {
		if (c < 0x80) {
			in[0] = (char)c;
			len = 1;
		} else if (c < 0x800) {
			in[0] = (char)(0xc0 | c >> 6);
			in[1] = (char)(0x80 | (c & 0x3f));
			len = 2;
		} else if (c < 0x10000) {
			in[0] = (char)(0xe0 | c >> 12);
			in[1] = (char)(0x80 | (c >> 6 & 0x3f));
			in[2] = (char)(0x80 | (c & 0x3f));
			len = 3;
		} else {
			in[0] = (char)(0xf0 | c >> 18);
			in[1] = (char)(0x80 | (c >> 12 & 0x3f));
			in[2] = (char)(0x80 | (c >> 6 & 0x3f));
			in[3] = (char)(0x80 | (c & 0x3f));
			len = 4;
		}
		span = utf8_next(in, len, &got);
		reject = c < 0x20 || (c >= 0x7f && c <= 0x9f) || c == 0x061c ||
		    c == 0x200e || c == 0x200f ||
		    (c >= 0x202a && c <= 0x202e) ||
		    (c >= 0x2066 && c <= 0x2069);
		log_sanitize_utf8(out, sizeof(out), in, len);
		/* plain ifs: a passing ck_assert costs a message to the
		 * parent, too slow a million times under ASan */
		if (c >= 0xd800 && c <= 0xdfff) {
			/* ED, then no A0-BF: three bad bytes */
			if (span != 1 || got != -1 || strcmp(out, "???") != 0)
				ck_abort_msg("surrogate U+%04lX: span %zu, "
				             "\"%s\"",
				    c, span, out);
			continue;
		}
		if (span != len || got != c)
			ck_abort_msg("U+%04lX decoded as %ld, %zu bytes", c,
			    got, span);
		if (reject && strcmp(out, "?") != 0)
			ck_abort_msg("U+%04lX kept", c);
		if (!reject &&
		    (strlen(out) != len || memcmp(out, in, len) != 0))
			ck_abort_msg("U+%04lX replaced", c);
	}
}
END_TEST

/* The byte length of the character at p (valid UTF-8). */
static size_t
char_len(const char *p)
{
	long c;

	return utf8_next(p, strlen(p), &c);
}

/* Output buffers of every size: the output is the longest prefix of the
 * whole result made of whole characters that fits, so an output that ends
 * inside a multibyte character never happens. */
START_TEST(test_output_cut)
{
	const char *in = german[_i];
	char whole[512], *out;
	size_t n, len, cut;
	long c;

	log_sanitize_utf8(whole, sizeof(whole), in, strlen(in));
	for (n = 1; n <= strlen(whole) + 1; n++) {
		out = malloc(n + 1);
		out[n] = '#'; /* a guard byte past the buffer */
		log_sanitize_utf8(out, n, in, strlen(in));
		ck_assert_int_eq(out[n], '#');
		len = strlen(out);
		ck_assert_uint_le(len, n - 1);
		ck_assert_msg(memcmp(out, whole, len) == 0,
		    "size %zu: not a prefix", n);
		/* It ends on a character boundary of the whole result ... */
		for (cut = 0; cut < len; cut += char_len(whole + cut))
			;
		ck_assert_msg(cut == len, "size %zu: a character was cut", n);
		/* ... and the next character would not have fitted. */
		if (len < strlen(whole))
			ck_assert_uint_gt(len + char_len(whole + len), n - 1);
		/* what was written is well-formed */
		for (cut = 0; cut < len;
		     cut += utf8_next(out + cut, len - cut, &c))
			ck_assert_msg(c >= 0, "size %zu: ill-formed output", n);
		free(out);
	}
	/* size 0 writes nothing, not even the NUL */
	out = malloc(1);
	out[0] = '#';
	log_sanitize_utf8(out, 0, in, strlen(in));
	ck_assert_int_eq(out[0], '#');
	free(out);
}
END_TEST

/* clang-format off */
static const char *const multibyte[] = {
	"\xc3\xbc",                 /* ü */
	"\xe2\x82\xac",             /* € */
	"\xf0\x9f\x98\x80",         /* U+1F600 */
};
/* clang-format on */

/* Input cut at every offset inside a multibyte character (a caller's
 * length cap): the partial character becomes one '?', what came before
 * stays; and the output buffer cut at every offset inside it drops it. */
START_TEST(test_input_cut)
{
	const char *ch = multibyte[_i];
	char in[32], out[32], want[32];
	size_t k, mb = strlen(ch);

	snprintf(in, sizeof(in), "Zeit%sx", ch);
	for (k = 1; k < mb; k++) {
		log_sanitize_utf8(out, sizeof(out), in, 4 + k);
		ck_assert_str_eq(out, "Zeit?");
		/* an output of 4 + k bytes (and the NUL) cannot hold it */
		log_sanitize_utf8(out, 4 + k + 1, in, strlen(in));
		ck_assert_str_eq(out, "Zeit");
	}
	log_sanitize_utf8(out, 4 + mb + 1, in, strlen(in));
	snprintf(want, sizeof(want), "Zeit%s", ch);
	ck_assert_str_eq(out, want);
}
END_TEST

/* The ASCII form as log_sanitize() always was: this is its loop. */
static void
old_sanitize(char *dst, size_t n, const char *src, size_t len)
{
	size_t i, o = 0;

	if (n == 0)
		return;
	for (i = 0; i < len && o + 1 < n; i++) {
		unsigned char c = (unsigned char)src[i];

		dst[o++] = (c < 0x20 || c >= 0x7f) ? '?' : (char)c;
	}
	dst[o] = '\0';
}

START_TEST(test_ascii_unchanged)
{
	char in[300], a[300], b[300];
	size_t i, n, len;
	unsigned seed = 12345;

	for (i = 0; i < 256; i++)
		in[i] = (char)i;
	for (n = 0; n <= 258; n++) {
		memset(a, '#', sizeof(a));
		memset(b, '#', sizeof(b));
		log_sanitize_ascii(a, n, in, 256);
		old_sanitize(b, n, in, 256);
		ck_assert_msg(memcmp(a, b, sizeof(a)) == 0, "size %zu", n);
	}
	for (i = 0; i < 2000; i++) {
		len = (seed = seed * 1103515245u + 12345u) % 64;
		for (n = 0; n < len; n++)
			in[n] =
			    (char)((seed = seed * 1103515245u + 12345u) >> 16);
		n = (seed = seed * 1103515245u + 12345u) % 70;
		memset(a, '#', sizeof(a));
		memset(b, '#', sizeof(b));
		log_sanitize_ascii(a, n, in, len);
		old_sanitize(b, n, in, len);
		ck_assert_msg(memcmp(a, b, sizeof(a)) == 0, "case %zu", i);
	}
	log_sanitize_ascii(a, sizeof(a), german[0], strlen(german[0]));
	ck_assert_str_eq(a,
	    "Verbindung zum Smarthost fehlgeschlagen: Zeit??berschreitung");
}
END_TEST

/* clang-format off */
static const struct { const char *in; size_t n, want; } whole[] = {
	{ "abc", 3, 3 },
	{ "ab\xc3", 3, 2 },                  /* ü cut after its lead */
	{ "ab\xc3\xa4", 4, 4 },
	{ "\xe2\x82", 2, 0 },                /* € cut */
	{ "a\xf0\x9f\x98", 4, 1 },           /* U+1F600 cut after 3 of 4 */
	{ "a\xf0\x9f\x98\x80", 5, 5 },
	{ "a\xe0\x80", 3, 3 },                /* ill-formed, not cut: kept */
	{ "\x80\x80\x80\x80", 4, 4 },
	{ "", 0, 0 },
};
/* clang-format on */

START_TEST(test_utf8_whole)
{
	ck_assert_uint_eq(utf8_whole(whole[_i].in, whole[_i].n),
	    whole[_i].want);
}
END_TEST

/* A log line longer than log_msg's buffer is cut before the character
 * that does not fit, not inside it. */
START_TEST(test_log_line_cut)
{
	char *value, *path, *text, *x, *nl;
	struct err e;

	test_tmpdir_setup();
	ck_assert_int_gt(asprintf(&path, "%s/relayq.log", test_dir), 0);
	ck_assert_int_gt(asprintf(&value, "file:%s", path), 0);
	log_open("relayq-test", 0);
	err_clear(&e);
	ck_assert_msg(log_set_target(value, 0, &e) == 0, "%s", e.msg);
	x = malloc(2049);
	memset(x, 'x', 2046);
	memcpy(x + 2046, "\xc3\xbc", 3);
	/* 2,046 bytes, then "ü": the buffer (2,048) holds its first byte */
	log_msg(LOG_INFO, "%s", x);
	text = test_slurp(path);
	nl = strchr(text, '\n');
	ck_assert_ptr_nonnull(nl);
	ck_assert_msg(nl - text > 2046 && memcmp(nl - 2046, x, 2046) == 0,
	    "the line does not end in the x's");
	free(x);
	free(text);
	free(path);
	free(value);
	test_tmpdir_teardown();
}
END_TEST

/* log_sanitize_buf: appends; LOG_TEXT_LINES keeps TAB and LF only. */
START_TEST(test_buf_forms)
{
	struct buf b = BUF_INIT;
	const char *in = "a\tb\nc\rd \xc3\xa4\xc2\x9b";

	buf_adds(&b, ">");
	log_sanitize_buf(&b, in, strlen(in), LOG_TEXT_UTF8 | LOG_TEXT_LINES);
	ck_assert_str_eq(buf_cstr(&b), ">a\tb\nc?d \xc3\xa4?");
	buf_reset(&b);
	log_sanitize_buf(&b, in, strlen(in), LOG_TEXT_UTF8);
	ck_assert_str_eq(buf_cstr(&b), "a?b?c?d \xc3\xa4?");
	buf_reset(&b);
	log_sanitize_buf(&b, in, strlen(in), 0);
	ck_assert_str_eq(buf_cstr(&b), "a?b?c?d ????");
	buf_free(&b);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("log");
	TCase *tc = tcase_create("sanitize");

	tcase_add_loop_test(tc, test_german_kept, 0, TEST_NELEM(german));
	tcase_add_loop_test(tc, test_rejected, 0, TEST_NELEM(rejected));
	tcase_add_test(tc, test_nul_inside);
	tcase_add_test(tc, test_every_code_point);
	tcase_add_loop_test(tc, test_output_cut, 0, TEST_NELEM(german));
	tcase_add_loop_test(tc, test_input_cut, 0, TEST_NELEM(multibyte));
	tcase_add_test(tc, test_ascii_unchanged);
	tcase_add_test(tc, test_buf_forms);
	tcase_add_loop_test(tc, test_utf8_whole, 0, TEST_NELEM(whole));
	tcase_add_test(tc, test_log_line_cut);
	suite_add_tcase(s, tc);
	return check_main(s);
}
