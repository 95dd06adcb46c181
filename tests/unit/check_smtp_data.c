/* check_smtp_data.c — CRLF conversion, dot-stuffing, bare CR, NUL, end of
 * data, streaming a 10 MB body with bounded memory. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sysexits.h>

#include "lib/check_main.h"
#include "lib/mem_stream.h"
#include "smtp/smtp_data.h"

#define S(x) x, sizeof(x) - 1
static const struct {
	const char *in;
	size_t inlen;
	const char *out;
	size_t outlen;
	/* clang-format off */
} cases[] = {
	{ S(""), S(".\r\n") },
	{ S("a\n"), S("a\r\n.\r\n") },
	{ S("a"), S("a\r\n.\r\n") },
	{ S(".\n"), S("..\r\n.\r\n") },
	{ S("."), S("..\r\n.\r\n") },
	{ S("..\n"), S("...\r\n.\r\n") },
	{ S(".\r\n"), S("..\r\n.\r\n") },
	{ S(".\r"), S("..\r\n.\r\n") },
	{ S("a\r\nb\n"), S("a\r\nb\r\n.\r\n") },
	{ S("a\rb\n"), S("a\r\nb\r\n.\r\n") },
	{ S("a\r.\n"), S("a\r\n..\r\n.\r\n") },
	{ S("a\n.\r\n.\n"), S("a\r\n..\r\n..\r\n.\r\n") },
	{ S("\n\n"), S("\r\n\r\n.\r\n") },
	{ S("x\0y\n\0"), S("x\0y\r\n\0\r\n.\r\n") },
	{ S("a\r\r\n"), S("a\r\n\r\n.\r\n") },
	{ S("\r"), S("\r\n.\r\n") },
	{ S("\r\r"), S("\r\n\r\n.\r\n") },
	{ S(". \n.x"), S(".. \r\n..x\r\n.\r\n") },
	{ S("a.\nb. c\n"), S("a.\r\nb. c\r\n.\r\n") },
	{ S("Subject: x\n\nbody\n.\nmore\n"),
	  S("Subject: x\r\n\r\nbody\r\n..\r\nmore\r\n.\r\n") },
};
/* clang-format on */
#define NCHUNKS 5

START_TEST(test_convert)
{
	size_t c = (size_t)_i / NCHUNKS, chunk = (size_t)_i % NCHUNKS;
	struct mem_stream s, k;
	struct buf got = BUF_INIT;
	struct stream in, out;
	unsigned long long bytes = 12345;
	struct err e;

	mem_stream_init(&s, cases[c].in, cases[c].inlen, NULL);
	s.chunk = chunk;
	mem_stream_init(&k, NULL, 0, &got);
	mem_stream_attach(&s, &in, "queue file");
	mem_stream_attach(&k, &out, "peer");
	ck_assert_int_eq(smtp_data_send(&in, &out, &bytes, &e), SMTP_DATA_OK);
	ck_assert_uint_eq(got.len, 0); /* not flushed */
	ck_assert_int_eq(stream_flush(&out, &e), 0);
	ck_assert_uint_eq(got.len, cases[c].outlen);
	ck_assert_mem_eq(got.data, cases[c].out, cases[c].outlen);
	ck_assert_uint_eq(bytes, cases[c].outlen - 3);
	ck_assert_uint_eq(k.writes, 1);
	stream_close(&in);
	stream_close(&out);
	buf_free(&got);
}
END_TEST

/* SIZE= (RFC 1870): the bytes on the wire with CRLF line ends, without
 * dot-stuffing and the final ".\r\n"; every output line that starts
 * with '.' had one added. */
START_TEST(test_size)
{
	size_t c = (size_t)_i / NCHUNKS, chunk = (size_t)_i % NCHUNKS;
	struct mem_stream s;
	const char *o = cases[c].out, *end = o + cases[c].outlen - 3;
	unsigned long long size = 12345, want = cases[c].outlen - 3;
	struct stream in;
	struct err e;

	for (; o < end;
	     o = (const char *)memchr(o, '\n', (size_t)(end - o)) + 1)
		if (*o == '.')
			want--;
	mem_stream_init(&s, cases[c].in, cases[c].inlen, NULL);
	s.chunk = chunk;
	mem_stream_attach(&s, &in, "queue file");
	ck_assert_int_eq(smtp_data_size(&in, &size, &e), SMTP_DATA_OK);
	ck_assert_uint_eq(size, want);
	stream_close(&in);
}
END_TEST

START_TEST(test_read_error)
{
	static const char body[] = "line one\nline two\n";
	struct mem_stream s, k;
	struct buf got = BUF_INIT;
	struct stream in, out;
	struct err e;

	/* reads of 4 bytes; the third fails */
	mem_stream_init(&s, body, sizeof(body) - 1, NULL);
	s.chunk = 4;
	s.eio_at = 8;
	mem_stream_init(&k, NULL, 0, &got);
	mem_stream_attach(&s, &in, "queue file");
	mem_stream_attach(&k, &out, "peer");
	ck_assert_int_eq(smtp_data_send(&in, &out, NULL, &e),
	    SMTP_DATA_READ_FAILED);
	ck_assert_int_eq(e.code, EX_IOERR);
	ck_assert_ptr_nonnull(strstr(e.msg, "queue file"));
	/* nothing that ends the data was produced */
	ck_assert_ptr_null(memmem(out.wbuf, out.wlen, "\r\n.\r\n", 5));
	stream_close(&in);
	stream_close(&out);
	buf_free(&got);
}
END_TEST

START_TEST(test_write_error)
{
	size_t len = 200000;
	char *body = malloc(len);
	struct mem_stream s, k;
	struct buf got = BUF_INIT;
	struct stream in, out;
	struct err e;

	memset(body, 'x', len);
	mem_stream_init(&s, body, len, NULL);
	mem_stream_init(&k, NULL, 0, &got);
	k.fail_at = 0; /* every write fails */
	mem_stream_attach(&s, &in, "queue file");
	mem_stream_attach(&k, &out, "peer");
	ck_assert_int_eq(smtp_data_send(&in, &out, NULL, &e),
	    SMTP_DATA_WRITE_FAILED);
	ck_assert_ptr_nonnull(strstr(e.msg, "peer"));
	stream_close(&in);
	stream_close(&out);
	free(body);
}
END_TEST

/* A 10 MB body generated on the fly; the output is checked on the fly. */
struct gen {
	unsigned long long left;
	unsigned n;
};

static ssize_t
gen_read(void *ctx, void *p, size_t n)
{
	static const char pat[] = ".dot-line\nplain line of text\n";
	struct gen *g = ctx;
	size_t i;

	if (n > g->left)
		n = (size_t)g->left;
	for (i = 0; i < n; i++, g->n++)
		((char *)p)[i] = pat[g->n % (sizeof(pat) - 1)];
	g->left -= n;
	return (ssize_t)n;
}

struct count {
	unsigned long long bytes;
	unsigned long writes;
	size_t max_write;
	char tail[5];
};

static ssize_t
count_write(void *ctx, const void *p, size_t n)
{
	struct count *k = ctx;

	k->bytes += n;
	k->writes++;
	if (n > k->max_write)
		k->max_write = n;
	if (n >= 5)
		memcpy(k->tail, (const char *)p + n - 5, 5);
	return (ssize_t)n;
}

static const struct stream_ops gen_ops = { gen_read, NULL, NULL };
static const struct stream_ops count_ops = { NULL, count_write, NULL };

static long
maxrss_kb(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

START_TEST(test_big_body_streams)
{
	const unsigned long long size =
	    10ULL * 1024 * 1024 - 3;       /* ends mid-line */
	const unsigned long long pat = 29; /* bytes per pattern, 2 lines */
	struct gen g = { size, 0 };
	struct count k = { 0, 0, 0, { 0 } };
	struct stream in, out;
	unsigned long long bytes, lines, dots;
	struct err e;
	long before;

	stream_init(&in, &gen_ops, &g, "queue file");
	stream_init(&out, &count_ops, &k, "peer");
	before = maxrss_kb();
	ck_assert_int_eq(smtp_data_send(&in, &out, &bytes, &e), SMTP_DATA_OK);
	ck_assert_int_eq(stream_flush(&out, &e), 0);
	/* every full line gains a CR; each ".dot-line" one more dot; the
	 * last, partial line gets CRLF */
	lines = size / pat * 2 + (size % pat > 10);
	dots = size / pat + (size % pat > 0);
	ck_assert_uint_eq(bytes, size + lines + dots + 2);
	ck_assert_uint_eq(k.bytes, bytes + 3);
	ck_assert_mem_eq(k.tail, "\r\n.\r\n", 5);
	ck_assert_uint_le(k.max_write, STREAM_WBUF_SIZE);
	ck_assert_uint_le(k.writes, k.bytes / STREAM_WBUF_SIZE + 2);
	ck_assert_int_lt(maxrss_kb() - before, 2048);
	stream_close(&in);
	stream_close(&out);
}
END_TEST

int
main(void)
{
	Suite *su = suite_create("smtp_data");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_convert, 0,
	    (int)(sizeof(cases) / sizeof(cases[0])) * NCHUNKS);
	tcase_add_loop_test(tc, test_size, 0,
	    (int)(sizeof(cases) / sizeof(cases[0])) * NCHUNKS);
	tcase_add_test(tc, test_read_error);
	tcase_add_test(tc, test_write_error);
	tcase_add_test(tc, test_big_body_streams);
	tcase_set_timeout(tc, 30);
	suite_add_tcase(su, tc);
	return check_main(su);
}
