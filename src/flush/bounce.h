/* bounce.h — delivery status notifications (RFC 3464) for the sender.
 *
 * A notice is a multipart/report; report-type=delivery-status message: a
 * readable first part quoting the server's reply, the machine-readable
 * message/delivery-status part, and the original message (RET=FULL,
 * message/rfc822) or its header section (RET=HDRS, or an original too
 * large to return, text/rfc822-headers; the readable part then says so).
 * Composition is pure: the caller streams the original between
 * bounce_begin() and bounce_finish() and queues the result with the null
 * sender <>, so that a bounce never bounces. */
#ifndef RELAYQ_BOUNCE_H
#define RELAYQ_BOUNCE_H

#include <stddef.h>
#include <time.h>

#include "lib/buf.h"

enum bounce_action {
	BOUNCE_FAILED,  /* Action: failed */
	BOUNCE_DELAYED, /* Action: delayed (a warning) */
};

struct bounce_rcpt {
	const char *addr;   /* Final-Recipient */
	const char *orcpt;  /* Original-Recipient "rfc822;addr" or NULL */
	const char *status; /* "5.1.1" */
	/* the server's reply "550 5.1.1 ...", or relayq's own (translated)
	 * text, or NULL; sanitised here: UTF-8 in the readable part, ASCII
	 * in Diagnostic-Code, at most BOUNCE_DIAGNOSTIC_MAX - 1 bytes */
	const char *diagnostic;
	const char *remote_mta;  /* host name of the smarthost, or NULL */
	const char *in_reply_to; /* "RCPT TO", "end of DATA"... or NULL */
	time_t last_attempt;     /* 0 when never attempted */
};

/* The longest diagnostic quoted (a stored reply is at most 512 bytes of
 * text plus its codes). */
#define BOUNCE_DIAGNOSTIC_MAX 1024

/* The largest original returned in full when the server's SIZE is not
 * known: Postfix's default message_size_limit. */
#define BOUNCE_RETURN_MAX 10240000ULL

struct bounce_info {
	enum bounce_action action;
	const char *reporting_mta; /* this host's FQDN */
	const char *domain;        /* for From: MAILER-DAEMON@domain */
	const char *to;            /* the original envelope sender */
	const char *queue_id;
	const char *envid; /* ENVID of the original, or NULL */
	time_t arrival;    /* when the original was queued */
	time_t now;
	time_t retry_until; /* for delay warnings */
	int headers_only;   /* RET=HDRS, or the original is too big */
	/* headers_only because the original is too large to return: its size
	 * (as SIZE= counts it) and the limit (the server's SIZE; 0 when only
	 * its refusal said so).  too_big 0: not trimmed for size.
	 * size_guessed: the server's SIZE was not known and size_limit is
	 * relayq's assumption (BOUNCE_RETURN_MAX). */
	unsigned long long too_big, size_limit;
	int size_guessed;
	int original_8bit;  /* original has 8-bit data */
	const char *unique; /* unique token for boundary and Message-ID */
	const struct bounce_rcpt *rcpts;
	size_t nrcpts;
	const char *from; /* NULL: From: MAILER-DAEMON@domain; else
	                   * "Mail Delivery System <from>"
	                   * (relayq.conf from_address) */
};

/* Appends the notice from its header section up to the header of the
 * third part; the caller appends the original message (LF line ends; for
 * headers_only, only its header section) and then calls bounce_finish. */
void bounce_begin(const struct bounce_info *b, struct buf *out);
/* Appends the closing boundary (and a newline first if the original did
 * not end with one: pass ended_with_newline). */
void bounce_finish(const struct bounce_info *b, int ended_with_newline,
    struct buf *out);
/* RFC 5322 date of t in local time, e.g. "Sun, 22 Nov 2026 10:00:00 +0100". */
void bounce_date(time_t t, char *dst, size_t n);

#endif
