/* net.c — TCP connect with a timeout, TCP_NODELAY, close-on-exec (see net.h).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "lib/clock.h"
#include "lib/i18n.h"
#include "transport/net.h"
#include "transport/resolver.h"

const struct net_timeouts net_timeouts_rfc5321 = {
	NET_TIMEOUT_CONNECT_MS,
	NET_TIMEOUT_GREETING_MS,
	NET_TIMEOUT_MAIL_MS,
	NET_TIMEOUT_RCPT_MS,
	NET_TIMEOUT_DATA_INIT_MS,
	NET_TIMEOUT_DATA_BLOCK_MS,
	NET_TIMEOUT_DATA_END_MS,
};

char *
net_peer_name(char *dst, size_t n, const char *host, const struct sockaddr *sa)
{
	char a[INET6_ADDRSTRLEN];

	resolver_ntop(sa, a, sizeof(a));
	snprintf(dst, n, "%s[%s]:%u", host ? host : a, a, resolver_port(sa));
	return dst;
}

/* Waits for a non-blocking connect to finish.  Returns 0, or -1 with
 * errno (ETIMEDOUT when connect_ms passed). */
static int
wait_connected(int fd, int connect_ms)
{
	long long deadline = clock_mono_ms(NULL) + connect_ms;
	struct pollfd p = { fd, POLLOUT, 0 };
	socklen_t len = sizeof(int);
	int r, soerr = 0;

	for (;;) {
		long long left =
		    connect_ms > 0 ? deadline - clock_mono_ms(NULL) : -1;

		if (connect_ms > 0 && left <= 0) {
			errno = ETIMEDOUT;
			return -1;
		}
		r = poll(&p, 1, (int)left);
		if (r > 0)
			break;
		if (r < 0 && errno != EINTR)
			return -1;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) < 0)
		return -1;
	if (soerr != 0) {
		errno = soerr;
		return -1;
	}
	return 0;
}

static int
connect_error(const char *peer, int errnum, int connect_ms, struct err *e)
{
	switch (errnum) {
	case ECONNREFUSED:
		return err_set(e, EX_TEMPFAIL,
		    _("cannot connect to %s: connection "
		      "refused (is the port right and the server running?)"),
		    peer);
	case ETIMEDOUT:
		return err_set(e, EX_TEMPFAIL,
		    _("cannot connect to %s: timed out "
		      "after %d s (a firewall may drop the connection)"),
		    peer, (connect_ms + 999) / 1000);
	case ENETUNREACH:
		return err_set(e, EX_TEMPFAIL,
		    _("cannot connect to %s: network "
		      "unreachable"),
		    peer);
	case EHOSTUNREACH:
		return err_set(e, EX_TEMPFAIL,
		    _("cannot connect to %s: host "
		      "unreachable"),
		    peer);
	default:
		return err_sys(e, EX_TEMPFAIL, errnum,
		    _("cannot connect to %s"), peer);
	}
}

static int
set_options(int fd, int io_ms)
{
	int one = 1, fl;
	struct timeval tv = { io_ms / 1000, (io_ms % 1000) * 1000 };

	if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) < 0)
		return -1;
	/* Back to blocking: struct stream polls before each read and write;
	 * SO_SNDTIMEO bounds a write that blocks after poll said "writable". */
	if ((fl = fcntl(fd, F_GETFL)) < 0 ||
	    fcntl(fd, F_SETFL, fl & ~O_NONBLOCK) < 0)
		return -1;
	if (io_ms > 0 &&
	    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) < 0)
		return -1;
	return 0;
}

int
net_connect(const char *host, const struct sockaddr *sa, socklen_t salen,
    int connect_ms, int io_ms, struct stream *out, struct err *e)
{
	char peer[512];
	int fd, r;

	net_peer_name(peer, sizeof(peer), host, sa);
	fd = socket(sa->sa_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK,
	    0);
	if (fd < 0)
		return err_sys(e, EX_OSERR, errno,
		    _("cannot connect to %s: cannot "
		      "create a socket"),
		    peer);
	r = connect(fd, sa, salen);
	if (r < 0 && errno != EINPROGRESS && errno != EINTR)
		goto fail;
	if (r < 0 && wait_connected(fd, connect_ms) < 0)
		goto fail;
	if (set_options(fd, io_ms) < 0) {
		int errnum = errno;

		close(fd);
		return err_sys(e, EX_OSERR, errnum,
		    _("cannot set up the "
		      "connection to %s"),
		    peer);
	}
	stream_init_fd(out, fd, io_ms, peer);
	return 0;
fail:
	r = errno;
	close(fd);
	return connect_error(peer, r, connect_ms, e);
}
