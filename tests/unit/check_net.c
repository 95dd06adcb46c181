/* check_net.c — TCP connect on loopback: success with TCP_NODELAY and
 * close-on-exec, refused (fast), timed out, peer naming, RFC 5321 defaults. */
#include "config.h"

#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "lib/check_main.h"
#include "lib/clock.h"
#include "transport/net.h"

/* A loopback listener on a free port; returns the fd, fills sin. */
static int
listener(struct sockaddr_in *sin, int backlog)
{
	socklen_t len = sizeof(*sin);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	ck_assert_int_ge(fd, 0);
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ck_assert_int_eq(bind(fd, (struct sockaddr *)sin, sizeof(*sin)), 0);
	ck_assert_int_eq(listen(fd, backlog), 0);
	ck_assert_int_eq(getsockname(fd, (struct sockaddr *)sin, &len), 0);
	return fd;
}

START_TEST(test_connect_ok)
{
	struct sockaddr_in sin;
	int lfd = listener(&sin, 4), cfd, one = 0;
	socklen_t len = sizeof(one);
	struct stream s;
	struct buf line = BUF_INIT;
	struct err e;
	char want[64];

	ck_assert_int_eq(net_connect("mx.test", (struct sockaddr *)&sin,
	                     sizeof(sin), 2000, 2000, &s, &e),
	    0);
	snprintf(want, sizeof(want), "mx.test[127.0.0.1]:%u",
	    ntohs(sin.sin_port));
	ck_assert_str_eq(s.name, want);
	ck_assert_int_ge(stream_fd(&s), 0);
	ck_assert_int_eq(getsockopt(stream_fd(&s), IPPROTO_TCP, TCP_NODELAY,
	                     &one, &len),
	    0);
	ck_assert_int_eq(one, 1);
	ck_assert_int_eq(fcntl(stream_fd(&s), F_GETFD) & FD_CLOEXEC,
	    FD_CLOEXEC);
	ck_assert_int_eq(fcntl(stream_fd(&s), F_GETFL) & O_NONBLOCK, 0);
	cfd = accept(lfd, NULL, NULL);
	ck_assert_int_ge(cfd, 0);
	ck_assert_int_eq(write(cfd, "220 hi\r\n", 8), 8);
	ck_assert_int_eq(stream_getline(&s, &line, 100, &e), 1);
	ck_assert_str_eq(line.data, "220 hi");
	ck_assert_int_eq(stream_puts(&s, "QUIT\r\n", &e), 0);
	ck_assert_int_eq(stream_flush(&s, &e), 0);
	ck_assert_int_eq(read(cfd, want, sizeof(want)), 6);
	ck_assert_int_eq(memcmp(want, "QUIT\r\n", 6), 0);
	stream_close(&s);
	buf_free(&line);
	close(cfd);
	close(lfd);
}
END_TEST

START_TEST(test_connect_ipv6_name)
{
	struct sockaddr_in6 sin6;
	char name[128];

	memset(&sin6, 0, sizeof(sin6));
	sin6.sin6_family = AF_INET6;
	sin6.sin6_port = htons(465);
	inet_pton(AF_INET6, "2001:db8::1", &sin6.sin6_addr);
	ck_assert_str_eq(net_peer_name(name, sizeof(name), "smtp.example.com",
	                     (struct sockaddr *)&sin6),
	    "smtp.example.com[2001:db8::1]:465");
	ck_assert_str_eq(net_peer_name(name, sizeof(name), NULL,
	                     (struct sockaddr *)&sin6),
	    "2001:db8::1[2001:db8::1]:465");
}
END_TEST

START_TEST(test_connect_refused)
{
	struct sockaddr_in sin;
	int lfd = listener(&sin, 1);
	struct stream s;
	struct err e;
	char want[128];
	long long t0;

	close(lfd); /* the port is free now: nothing listens */
	t0 = clock_mono_ms(NULL);
	ck_assert_int_eq(net_connect("mx.test", (struct sockaddr *)&sin,
	                     sizeof(sin), 5000, 1000, &s, &e),
	    -1);
	ck_assert_int_lt(clock_mono_ms(NULL) - t0, 1000);
	ck_assert_int_eq(e.code, EX_TEMPFAIL);
	snprintf(want, sizeof(want),
	    "cannot connect to mx.test[127.0.0.1]:%u: "
	    "connection refused",
	    ntohs(sin.sin_port));
	ck_assert_msg(strncmp(e.msg, want, strlen(want)) == 0, "%s", e.msg);
}
END_TEST

START_TEST(test_connect_timeout)
{
	struct sockaddr_in sin;
	int lfd = listener(&sin, 0), fill[8], nfill = 0;
	struct stream s;
	struct err e;
	long long t0;
	int r;

	/* Fill the accept queue so that further SYNs are dropped. */
	for (int i = 0; i < 8; i++) {
		fill[nfill] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
		connect(fill[nfill], (struct sockaddr *)&sin, sizeof(sin));
		nfill++;
	}
	usleep(100000);
	t0 = clock_mono_ms(NULL);
	r = net_connect("slow.test", (struct sockaddr *)&sin, sizeof(sin), 300,
	    1000, &s, &e);
	if (r == 0) {
		stream_close(&s);
		ck_abort_msg(
		    "the kernel accepted a connection beyond the backlog");
	}
	ck_assert_int_ge(clock_mono_ms(NULL) - t0, 290);
	ck_assert_int_lt(clock_mono_ms(NULL) - t0, 2000);
	ck_assert_int_eq(e.code, EX_TEMPFAIL);
	ck_assert_msg(
	    strstr(e.msg,
	        ": timed out after 1 s (a firewall may drop the connection)") !=
	        NULL,
	    "%s", e.msg);
	for (int i = 0; i < nfill; i++)
		close(fill[i]);
	close(lfd);
}
END_TEST

START_TEST(test_defaults)
{
	ck_assert_int_eq(net_timeouts_rfc5321.connect_ms, 300000);
	ck_assert_int_eq(net_timeouts_rfc5321.greeting_ms, 300000);
	ck_assert_int_eq(net_timeouts_rfc5321.mail_ms, 300000);
	ck_assert_int_eq(net_timeouts_rfc5321.rcpt_ms, 300000);
	ck_assert_int_eq(net_timeouts_rfc5321.data_init_ms, 120000);
	ck_assert_int_eq(net_timeouts_rfc5321.data_block_ms, 180000);
	ck_assert_int_eq(net_timeouts_rfc5321.data_end_ms, 600000);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("net");
	TCase *tc = tcase_create("core");

	tcase_add_test(tc, test_connect_ok);
	tcase_add_test(tc, test_connect_ipv6_name);
	tcase_add_test(tc, test_connect_refused);
	tcase_add_test(tc, test_connect_timeout);
	tcase_add_test(tc, test_defaults);
	suite_add_tcase(s, tc);
	return check_main(s);
}
