/* bounce.c — RFC 3464 delivery status notifications (see bounce.h). */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "flush/bounce.h"
#include "lib/i18n.h"
#include "lib/log.h"
#include "lib/utf8.h"

void
bounce_date(time_t t, char *dst, size_t n)
{
	static const char *const days[] = { "Sun", "Mon", "Tue", "Wed", "Thu",
		"Fri", "Sat" };
	static const char *const months[] = { "Jan", "Feb", "Mar", "Apr", "May",
		"Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	struct tm tm;
	long off;
	char sign = '+';

	localtime_r(&t, &tm);
	off = tm.tm_gmtoff / 60;
	if (off < 0) {
		sign = '-';
		off = -off;
	}
	snprintf(dst, n, "%s, %d %s %d %02d:%02d:%02d %c%02ld%02ld",
	    days[tm.tm_wday], tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900,
	    tm.tm_hour, tm.tm_min, tm.tm_sec, sign, off / 60, off % 60);
}

static void
boundary(const struct bounce_info *b, char *dst, size_t n)
{
	snprintf(dst, n, "%s.%lld/%s", b->unique, (long long)b->now,
	    b->reporting_mta);
}

static void
readable_part(const struct bounce_info *b, struct buf *out)
{
	char diag[BOUNCE_DIAGNOSTIC_MAX];
	size_t i;

	buf_printf(out, _("This is the mail system (relayq) at host %s.\n\n"),
	    b->reporting_mta);
	if (b->action == BOUNCE_FAILED) {
		buf_adds(out,
		    _("I'm sorry to have to inform you that your message could not\n"
		      "be delivered to one or more recipients. It's attached below.\n\n"
		      "For further assistance, please send mail to your system administrator.\n\n"
		      "If you do so, please include this problem report. You can\n"
		      "delete your own text from the attached returned message.\n\n"));
		if (b->too_big > 0 && b->size_guessed)
			buf_printf(out,
			    _("Your message (%llu bytes) is too large to be "
			      "returned in full\n(mail servers often refuse more than %llu "
			      "bytes): only its headers are\nattached below.\n\n"),
			    b->too_big, b->size_limit);
		else if (b->too_big > 0 && b->size_limit > 0)
			buf_printf(out,
			    _("Your message (%llu bytes) is too large to be "
			      "returned in full\n(the mail server accepts at most %llu "
			      "bytes): only its headers are\nattached below.\n\n"),
			    b->too_big, b->size_limit);
		else if (b->too_big > 0)
			buf_printf(out,
			    _("Your message (%llu bytes) is too large to be "
			      "returned in full\n(the mail server refused it for its "
			      "size): only its headers are\nattached below.\n\n"),
			    b->too_big);
	} else {
		char until[64];

		bounce_date(b->retry_until, until, sizeof(until));
		buf_printf(out,
		    _("####################################################################\n"
		      "# THIS IS A WARNING ONLY.  YOU DO NOT NEED TO RESEND YOUR MESSAGE. #\n"
		      "####################################################################\n\n"
		      "Your message could not be delivered for some time. It will be\n"
		      "retried until %s.\n\n"),
		    until);
	}
	for (i = 0; i < b->nrcpts; i++) {
		const struct bounce_rcpt *r = &b->rcpts[i];

		buf_printf(out, "<%s>: ", r->addr);
		if (r->diagnostic != NULL) {
			/* The readable part is UTF-8: the reply or our
			 * (translated) text as a person reads it. */
			log_sanitize_utf8(diag, sizeof(diag), r->diagnostic,
			    strlen(r->diagnostic));
			if (r->remote_mta != NULL)
				buf_printf(out, _("host %s said: %s"),
				    r->remote_mta, diag);
			else
				buf_adds(out, diag);
		} else
			buf_printf(out, _("delivery status %s"), r->status);
		if (r->in_reply_to != NULL)
			buf_printf(out, _(" (in reply to %s command)"),
			    r->in_reply_to);
		buf_adds(out, "\n");
	}
	buf_adds(out, "\n");
}

static void
status_part(const struct bounce_info *b, struct buf *out)
{
	char date[64], diag[BOUNCE_DIAGNOSTIC_MAX];
	size_t i;

	buf_printf(out, "Reporting-MTA: dns; %s\n", b->reporting_mta);
	buf_printf(out, "X-Relayq-Queue-ID: %s\n", b->queue_id);
	if (b->envid != NULL)
		buf_printf(out, "Original-Envelope-Id: %s\n", b->envid);
	bounce_date(b->arrival, date, sizeof(date));
	buf_printf(out, "Arrival-Date: %s\n", date);
	for (i = 0; i < b->nrcpts; i++) {
		const struct bounce_rcpt *r = &b->rcpts[i];

		buf_adds(out, "\n");
		buf_printf(out, "Final-Recipient: rfc822; %s\n", r->addr);
		if (r->orcpt != NULL) {
			const char *semi = strchr(r->orcpt, ';');

			if (semi != NULL)
				buf_printf(out,
				    "Original-Recipient: %.*s; %s\n",
				    (int)(semi - r->orcpt), r->orcpt, semi + 1);
		}
		buf_printf(out, "Action: %s\n",
		    b->action == BOUNCE_FAILED ? "failed" : "delayed");
		buf_printf(out, "Status: %s\n", r->status);
		if (r->remote_mta != NULL)
			buf_printf(out, "Remote-MTA: dns; %s\n", r->remote_mta);
		/* message/delivery-status is US-ASCII (RFC 3464 2.1.2; UTF-8
		 * only in RFC 6533's message/global-delivery-status): a
		 * UTF-8 reply or our translated text shows '?' here and
		 * whole in the readable part. */
		if (r->diagnostic != NULL)
			buf_printf(out, "Diagnostic-Code: smtp; %s\n",
			    log_sanitize_ascii(diag, sizeof(diag),
			        r->diagnostic, strlen(r->diagnostic)));
		if (r->last_attempt != 0) {
			bounce_date(r->last_attempt, date, sizeof(date));
			buf_printf(out, "Last-Attempt-Date: %s\n", date);
		}
		if (b->action == BOUNCE_DELAYED) {
			bounce_date(b->retry_until, date, sizeof(date));
			buf_printf(out, "Will-Retry-Until: %s\n", date);
		}
	}
}

void
bounce_begin(const struct bounce_info *b, struct buf *out)
{
	char date[64], bnd[256];
	struct buf text = BUF_INIT;
	const char *cte, *text_cte = "7bit";

	readable_part(b, &text);
	if (utf8_any_8bit(text.data, text.len))
		text_cte = "8bit";
	cte = b->original_8bit ? "8bit" : text_cte;

	boundary(b, bnd, sizeof(bnd));
	bounce_date(b->now, date, sizeof(date));
	if (b->from != NULL)
		buf_printf(out, "From: Mail Delivery System <%s>\n", b->from);
	else
		buf_printf(out,
		    "From: MAILER-DAEMON@%s (Mail Delivery System)\n",
		    b->domain);
	buf_printf(out, "To: <%s>\n", b->to);
	buf_printf(out, "Subject: %s\n",
	    b->action == BOUNCE_FAILED ? "Undelivered Mail Returned to Sender" :
	                                 "Delayed Mail (still being retried)");
	buf_printf(out, "Date: %s\n", date);
	buf_printf(out, "Message-ID: <%s.%lld@%s>\n", b->unique,
	    (long long)b->now, b->reporting_mta);
	buf_adds(out, "Auto-Submitted: auto-replied\n");
	buf_adds(out, "MIME-Version: 1.0\n");
	buf_printf(out,
	    "Content-Type: multipart/report; report-type=delivery-status;\n"
	    "\tboundary=\"%s\"\n",
	    bnd);
	buf_printf(out, "Content-Transfer-Encoding: %s\n\n", cte);
	buf_adds(out, "This is a MIME-encapsulated message.\n\n");

	buf_printf(out, "--%s\n", bnd);
	buf_printf(out,
	    "Content-Description: Notification\n"
	    "Content-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: %s\n\n",
	    text_cte);
	buf_add(out, text.data, text.len);
	buf_free(&text);

	buf_printf(out, "--%s\n", bnd);
	buf_adds(out,
	    "Content-Description: Delivery report\n"
	    "Content-Type: message/delivery-status\n\n");
	status_part(b, out);
	buf_adds(out, "\n");

	buf_printf(out, "--%s\n", bnd);
	if (b->headers_only)
		buf_printf(out,
		    "Content-Description: Undelivered Message Headers\n"
		    "Content-Type: text/rfc822-headers\nContent-Transfer-Encoding: %s\n\n",
		    b->original_8bit ? "8bit" : "7bit");
	else
		buf_printf(out,
		    "Content-Description: %s\n"
		    "Content-Type: message/rfc822\nContent-Transfer-Encoding: %s\n\n",
		    b->action == BOUNCE_FAILED ? "Undelivered Message" :
		                                 "Delayed Message",
		    b->original_8bit ? "8bit" : "7bit");
}

void
bounce_finish(const struct bounce_info *b, int ended_with_newline,
    struct buf *out)
{
	char bnd[256];

	boundary(b, bnd, sizeof(bnd));
	if (!ended_with_newline)
		buf_adds(out, "\n");
	buf_printf(out, "\n--%s--\n", bnd);
}
