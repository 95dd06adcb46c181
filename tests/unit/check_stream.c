/* check_stream.c — buffered line reading, write buffering, transport swap. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "lib/check_main.h"
#include "lib/clock.h"
#include "lib/mem_stream.h"
#include "lib/stream.h"

/* An in-memory transport whose writes are short (at most 7 bytes): they
 * must be handled. */
static void
mem_open(struct mem_stream *m, const char *in, size_t chunk, struct buf *out,
    struct stream *s)
{
	mem_stream_init(m, in, strlen(in), out);
	m->chunk = chunk;
	m->wmax = 7;
	mem_stream_attach(m, s, "peer");
}

static const char *lines_in = "220 hello\r\n250-a\r\n250 b\nlast-no-newline";

START_TEST(test_getline_chunks)
{
	struct mem_stream m;
	struct stream s;
	struct buf line = BUF_INIT, out = BUF_INIT;
	struct err e;

	mem_open(&m, lines_in, (size_t)_i + 1, &out, &s);
	ck_assert_int_eq(stream_getline(&s, &line, 100, &e), 1);
	ck_assert_str_eq(line.data, "220 hello");
	ck_assert_int_eq(stream_getline(&s, &line, 100, &e), 1);
	ck_assert_str_eq(line.data, "250-a");
	ck_assert_int_eq(stream_getline(&s, &line, 100, &e), 1);
	ck_assert_str_eq(line.data, "250 b");
	ck_assert_int_eq(stream_getline(&s, &line, 100, &e), -1);
	ck_assert_int_eq(e.code, EX_IOERR);
	ck_assert_ptr_nonnull(strstr(e.msg, "middle of a line"));
	stream_close(&s);
	ck_assert_int_eq(m.closed, 1);
	buf_free(&line);
	buf_free(&out);
}
END_TEST

START_TEST(test_getline_too_long)
{
	struct mem_stream m;
	struct stream s;
	struct buf line = BUF_INIT;
	struct err e;

	mem_open(&m, "0123456789abcdef\n", 0, NULL, &s);
	ck_assert_int_eq(stream_getline(&s, &line, 10, &e), -1);
	ck_assert_int_eq(e.code, EX_PROTOCOL);
	stream_close(&s);
	buf_free(&line);
}
END_TEST

START_TEST(test_eof)
{
	struct mem_stream m;
	struct stream s;
	struct buf line = BUF_INIT;
	struct err e;

	mem_open(&m, "", 0, NULL, &s);
	ck_assert_int_eq(stream_getline(&s, &line, 10, &e), 0);
	stream_close(&s);
	buf_free(&line);
}
END_TEST

START_TEST(test_write_buffering)
{
	struct mem_stream m;
	struct stream s;
	struct buf out = BUF_INIT;
	struct err e;
	char *big = malloc(200000);

	memset(big, 'x', 200000);
	mem_open(&m, "", 0, &out, &s);
	ck_assert_int_eq(stream_puts(&s, "EHLO a\r\n", &e), 0);
	ck_assert_int_eq(stream_printf(&s, &e, "MAIL FROM:<%s>\r\n", "a@b"), 0);
	ck_assert_uint_eq(out.len, 0); /* nothing written before flush */
	ck_assert_int_eq(stream_flush(&s, &e), 0);
	ck_assert_str_eq(out.data, "EHLO a\r\nMAIL FROM:<a@b>\r\n");
	ck_assert_int_eq(stream_write(&s, big, 200000, &e), 0);
	ck_assert_int_eq(stream_flush(&s, &e), 0);
	ck_assert_uint_eq(out.len, 200000 + 25);
	ck_assert_uint_eq(s.nwritten, 200025);
	stream_close(&s);
	free(big);
	buf_free(&out);
}
END_TEST

START_TEST(test_replace_refuses_pending)
{
	struct mem_stream m, m2;
	struct stream s;
	struct buf line = BUF_INIT;
	struct err e;

	mem_open(&m, "220 go ahead\r\nINJECTED\r\n", 0, NULL, &s);
	mem_stream_init(&m2, NULL, 0, NULL);
	ck_assert_int_eq(stream_getline(&s, &line, 100, &e), 1);
	ck_assert_uint_gt(stream_pending(&s), 0);
	ck_assert_int_eq(stream_replace(&s, &mem_stream_ops, &m2, &e), -1);
	ck_assert_int_eq(e.code, EX_PROTOCOL);
	ck_assert_int_eq(stream_getline(&s, &line, 100, &e), 1);
	ck_assert_int_eq(stream_replace(&s, &mem_stream_ops, &m2, &e), 0);
	stream_close(&s);
	ck_assert_int_eq(m2.closed, 1);
	buf_free(&line);
}
END_TEST

START_TEST(test_fd_timeout)
{
	int sv[2];
	struct stream s;
	struct buf line = BUF_INIT;
	struct err e;

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	stream_init_fd(&s, sv[0], 50, "sock");
	ck_assert_int_eq(stream_fd(&s), sv[0]);
	ck_assert_int_eq(write(sv[1], "hi\r\n", 4), 4);
	ck_assert_int_eq(stream_getline(&s, &line, 100, &e), 1);
	ck_assert_str_eq(line.data, "hi");
	ck_assert_int_eq(stream_getline(&s, &line, 100, &e), -1);
	ck_assert_ptr_nonnull(strstr(e.msg, "timed out"));
	stream_close(&s);
	close(sv[1]);
	buf_free(&line);
}
END_TEST

/* The deadline bounds a whole line, below the per-read timeout too: a
 * peer that sends one byte and then stalls is given up at the deadline
 * (0.5 s), not at the per-read timeout (2 s).  A peer that sends on time
 * is unaffected. */
START_TEST(test_fd_deadline)
{
	struct stream st;
	struct buf line = BUF_INIT;
	struct err e;
	long long t0;
	int sv[2];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM, 0, sv), 0);
	stream_init_fd(&st, sv[0], 2000, "peer");
	ck_assert_int_eq(write(sv[1], "2", 1), 1);
	t0 = clock_mono_ms(NULL);
	stream_set_deadline(&st, 500);
	ck_assert_int_eq(stream_getline(&st, &line, 100, &e), -1);
	ck_assert_int_lt(clock_mono_ms(NULL) - t0, 1500);
	ck_assert_int_ge(clock_mono_ms(NULL) - t0, 400);
	ck_assert_int_eq(st.timed_out, 1);
	ck_assert_ptr_nonnull(strstr(e.msg, "no complete reply within"));
	/* a new deadline: a line sent on time reads normally */
	stream_set_deadline(&st, 0);
	ck_assert_int_eq(write(sv[1], "220 ok\r\n", 8), 8);
	stream_set_deadline(&st, 500);
	ck_assert_int_eq(stream_getline(&st, &line, 100, &e), 1);
	ck_assert_str_eq(buf_cstr(&line), "220 ok");
	stream_close(&st);
	close(sv[1]);
	buf_free(&line);
}
END_TEST

int
main(void)
{
	Suite *su = suite_create("stream");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_getline_chunks, 0, 12);
	tcase_add_test(tc, test_getline_too_long);
	tcase_add_test(tc, test_eof);
	tcase_add_test(tc, test_write_buffering);
	tcase_add_test(tc, test_replace_refuses_pending);
	tcase_add_test(tc, test_fd_timeout);
	tcase_add_test(tc, test_fd_deadline);
	suite_add_tcase(su, tc);
	return check_main(su);
}
