/* errmail.c — ErrorMode "mail back" (-oem, -oee): when the front end
 * refuses a message, the sender gets a short report in the mail, queued
 * with the null sender <> so that it can never bounce. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <time.h>

#include "flush/bounce.h"
#include "frontend/frontend.h"
#include "lib/buf.h"
#include "lib/i18n.h"
#include "lib/log.h"
#include "lib/utf8.h"
#include "lib/xalloc.h"
#include "message/addr.h"
#include "queue/envelope.h"
#include "queue/notice.h"
#include "submit/submit.h"

/* The qualified envelope sender to report to, or NULL (e set) for <>. */
static char *
report_address(struct fe *fe, struct err *e)
{
	char *to = submit_envelope_sender(&fe->rw,
	    fe->opt.sender ? fe->opt.sender : fe->id.user, NULL, e);

	if (to != NULL && to[0] == '\0') {
		free(to);
		err_set(e, EX_USAGE,
		    _("the sender is <>, so there is nobody to report to"));
		return NULL;
	}
	return to;
}

int
fe_mail_error(struct fe *fe, const struct err *why)
{
	struct notice n;
	struct notice_env ne;
	struct buf text = BUF_INIT;
	char date[64], *to;
	struct err e;
	time_t now = time(NULL);
	int rc = -1;

	if (fe_rewrite_setup(fe, &e) < 0 || fe_queue_open(fe, &e) < 0 ||
	    (to = report_address(fe, &e)) == NULL) {
		fprintf(stderr, _("%s: cannot mail the error back: %s\n"),
		    fe->progname, e.msg);
		return -1;
	}
	if (notice_create(&n, &fe->queue, &e) < 0)
		goto done;
	bounce_date(now, date, sizeof(date));
	buf_printf(&text, "From: MAILER-DAEMON@%s (Mail Delivery System)\n",
	    fe->qualify_domain);
	buf_printf(&text, "To: <%s>\n", to);
	buf_adds(&text,
	    "Subject: Returned mail: your message was not accepted\n");
	buf_printf(&text, "Date: %s\n", date);
	buf_printf(&text, "Message-ID: <%s.error@%s>\n", n.m.id, fe->id.fqdn);
	buf_adds(&text, "Auto-Submitted: auto-replied\n");
	buf_adds(&text,
	    "MIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\n"
	    "Content-Transfer-Encoding: 8bit\n\n");
	buf_printf(&text,
	    _("This is the mail system (relayq) at host %s.\n\n"
	      "A message you handed to sendmail (uid %lu) could not be queued:\n\n"
	      "    %s\n\n"
	      "Nothing was sent. Correct the problem and send the message again.\n"),
	    fe->id.fqdn, (unsigned long)fe->id.uid, why->msg);
	if (notice_write(&n, text.data, text.len, &e) < 0)
		goto done;
	memset(&ne, 0, sizeof(ne));
	ne.to = to;
	ne.created = now;
	ne.uid = fe->id.uid;
	ne.user = fe->id.user;
	/* A translation with umlauts, a UTF-8 address in the error: 8-bit
	 * data, as its Content-Transfer-Encoding says. */
	ne.body = utf8_any_8bit(text.data, text.len) ? ENVELOPE_BODY_8BITMIME :
	                                               ENVELOPE_BODY_UNSET;
	if (notice_commit(&n, &ne, &e) < 0)
		goto done;
	log_msg(LOG_INFO, "%s: error report to <%s>: %s", n.m.id, to, why->msg);
	rc = 0;
done:
	if (rc < 0) {
		notice_abort(&n);
		fprintf(stderr, _("%s: cannot mail the error back: %s\n"),
		    fe->progname, e.msg);
	}
	buf_free(&text);
	free(to);
	return rc;
}
