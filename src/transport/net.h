/* net.h — TCP connections to a smarthost endpoint.
 *
 * net_connect() opens a close-on-exec TCP socket, connects with a timeout
 * (non-blocking connect + poll), sets TCP_NODELAY (SMTP commands and
 * PIPELINING batches are written whole by struct stream; Nagle plus
 * delayed ACKs would otherwise stall each round trip ~40 ms), and hands
 * the socket to a struct stream with the given read/write timeout.
 *
 * The timeouts of RFC 5321 §4.5.3.2 are the defaults (NET_TIMEOUTS_RFC5321);
 * the SMTP client switches the stream's timeout per phase with
 * stream_fd_set_timeout().  Nothing here logs. */
#ifndef RELAYQ_NET_H
#define RELAYQ_NET_H

#include <stddef.h>
#include <sys/socket.h>

#include "lib/err.h"
#include "lib/stream.h"

/* RFC 5321 §4.5.3.2 minimum timeouts, in milliseconds. */
#define NET_TIMEOUT_CONNECT_MS (5 * 60 * 1000) /* connect + 220 greeting */
#define NET_TIMEOUT_GREETING_MS (5 * 60 * 1000)
#define NET_TIMEOUT_MAIL_MS (5 * 60 * 1000) /* also EHLO, AUTH, RSET, QUIT */
#define NET_TIMEOUT_RCPT_MS (5 * 60 * 1000)
#define NET_TIMEOUT_DATA_INIT_MS (2 * 60 * 1000)  /* DATA → 354 */
#define NET_TIMEOUT_DATA_BLOCK_MS (3 * 60 * 1000) /* each write of the body */
#define NET_TIMEOUT_DATA_END_MS (10 * 60 * 1000)  /* final "." → 250 */

struct net_timeouts {
	int connect_ms, greeting_ms, mail_ms, rcpt_ms;
	int data_init_ms, data_block_ms, data_end_ms;
};

/* The RFC 5321 values above. */
extern const struct net_timeouts net_timeouts_rfc5321;

/* Formats "host[address]:port" (IPv6 addresses unbracketed inside the
 * brackets, as MTA logs write them) into dst of size n.  host may be NULL
 * (then the address is used).  Returns dst. */
char *net_peer_name(char *dst, size_t n, const char *host,
    const struct sockaddr *sa);

/* Connects to sa (AF_INET/AF_INET6 with port set), waiting at most
 * connect_ms (0 = the system's own limit).  On success initialises out
 * (named "host[address]:port", owning the socket, each read/write limited
 * to io_ms) and returns 0.  On failure returns -1 with EX_TEMPFAIL and a
 * message naming host[address]:port and the cause: "connection refused",
 * "timed out after N s", "network unreachable", "host unreachable", or
 * strerror; EX_OSERR when no socket can be created.  An io_ms of 0 means
 * no per-operation timeout. */
int net_connect(const char *host, const struct sockaddr *sa, socklen_t salen,
    int connect_ms, int io_ms, struct stream *out, struct err *e);

#endif
