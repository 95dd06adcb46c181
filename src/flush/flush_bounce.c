/* flush_bounce.c — the failure notice for a message's failed recipients:
 * an RFC 3464 report (bounce.c) queued with the null sender <> to the
 * original sender, so that it is sent like any message and can never
 * bounce itself (see flush.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "flush/bounce.h"
#include "flush/flush_int.h"
#include "lib/i18n.h"
#include "lib/log.h"
#include "lib/utf8.h"
#include "lib/xalloc.h"
#include "queue/notice.h"

/* Appends the queued original (all of it, or its header section). */
static int
copy_original(struct flusher *f, const struct envelope *env, int headers_only,
    struct notice *out, int *ended_nl, struct err *e)
{
	char *path = queue_body_path(f->o->queue, env->id);
	char chunk[65536];
	int fd = queue_open_file(path, e), rc = -1, at_bol = 1;
	ssize_t n;

	*ended_nl = 1;
	if (fd < 0)
		goto done;
	while ((n = read(fd, chunk, sizeof(chunk))) > 0) {
		size_t len = (size_t)n, i;

		if (headers_only) {
			/* Stop after the blank line that ends the headers. */
			for (i = 0; i < len; i++) {
				if (chunk[i] == '\n') {
					if (at_bol) {
						len = i + 1;
						break;
					}
					at_bol = 1;
				} else
					at_bol = 0;
			}
		}
		if (notice_write(out, chunk, len, e) < 0)
			goto done;
		*ended_nl = chunk[len - 1] == '\n';
		if (len < (size_t)n)
			break;
	}
	if (n < 0) {
		err_sys(e, EX_IOERR, errno, _("cannot read %s"), path);
		goto done;
	}
	rc = 0;
done:
	if (fd >= 0)
		close(fd);
	free(path);
	return rc;
}

/* 1 when a recipient's refusal says the message is too big: 5.3.4
 * ("message too big for system", RFC 3463) or 5.2.3 ("message length
 * exceeds administrative limit"), or a 552 without an enhanced code. */
static int
refused_as_too_big(const struct bounce_rcpt *br, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const char *st = br[i].status, *d = br[i].diagnostic;

		if (strcmp(st, "5.3.4") == 0 || strcmp(st, "5.2.3") == 0 ||
		    (d != NULL && strncmp(d, "552 ", 4) == 0 &&
		        strcmp(st, "5.0.0") == 0))
			return 1;
	}
	return 0;
}

/* The bytes text takes on the wire (CRLF line ends). */
static unsigned long long
wire_len(const struct buf *text)
{
	unsigned long long n = text->len;
	size_t i;

	for (i = 0; i < text->len; i++)
		n += text->data[i] == '\n';
	return n;
}

/* Decides whether the original goes in full (b->headers_only 0) or as
 * its headers only because of its size (bounce.h): it was refused for
 * its size, or the notice would exceed the SIZE the smarthost announced
 * in this run (BOUNCE_RETURN_MAX when no session told it).  Builds the
 * notice's beginning into text either way. */
static void
fit_notice(struct flusher *f, const struct envelope *env, struct bounce_info *b,
    struct buf *text)
{
	char *path;
	unsigned long long orig,
	    limit = f->size_limit ? f->size_limit : BOUNCE_RETURN_MAX;
	int refused;

	bounce_begin(b, text);
	if (b->headers_only)
		return;
	path = queue_body_path(f->o->queue, env->id);
	orig = flush_wire_size(path, env->size);
	free(path);
	refused = refused_as_too_big(b->rcpts, b->nrcpts);
	/* What bounce_finish adds is well under 512 bytes. */
	if (!refused && wire_len(text) + orig + 512 <= limit)
		return;
	b->headers_only = 1;
	b->too_big = orig;
	/* A refusal names the limit only when the message exceeds it (a
	 * 552 for one recipient may be that mailbox's own limit). */
	b->size_limit = !refused                      ? limit :
	    f->size_limit > 0 && orig > f->size_limit ? f->size_limit :
	                                                0;
	b->size_guessed = !refused && f->size_limit == 0;
	buf_reset(text);
	bounce_begin(b, text);
}

int
flush_bounce(struct flusher *f, const struct envelope *env,
    const unsigned char *which, const struct result *const *why, int delayed,
    struct err *e)
{
	struct bounce_rcpt *br = xcalloc(env->nrcpt, sizeof(*br));
	char(*diag)[RESULT_TEXT_MAX + 32] = xcalloc(env->nrcpt, sizeof(*diag));
	char(*status)[RCPT_STATUS_MAX] = xcalloc(env->nrcpt, sizeof(*status));
	struct buf *stored = xcalloc(env->nrcpt, sizeof(*stored));
	struct bounce_info b;
	struct notice nt;
	struct notice_env ne;
	struct buf text = BUF_INIT;
	const char *remote = f->set.hosts.n > 0 ? f->set.hosts.v[0].host : NULL;
	size_t i, n = 0;
	int ended_nl, text_8bit, rc = -1;

	memset(&nt, 0, sizeof(nt));
	if (env->sender[0] == '\0') {
		log_msg(LOG_INFO,
		    "%s: no failure notice: the sender is <> (a notice "
		    "itself, or mail that asked for none)",
		    env->id);
		rc = 0;
		goto done;
	}
	for (i = 0; i < env->nrcpt; i++) {
		if (!which[i])
			continue;
		br[n].addr = env->rcpt[i].addr;
		br[n].orcpt = env->rcpt[i].orcpt;
		if (why[i] != NULL) {
			br[n].status = why[i]->status;
			br[n].diagnostic = why[i]->code ?
			    result_diagnostic(why[i], diag[n],
			        sizeof(diag[n])) :
			    NULL;
			br[n].in_reply_to = why[i]->code ? why[i]->stage : NULL;
			if (why[i]->code == 0)
				br[n].diagnostic = why[i]->text;
		} else {
			/* Failed in an earlier run: its stored reply carries
			 * the enhanced status ("550" without one gives 5.0.0,
			 * as RFC 3463 derives it). */
			br[n].status = rcpt_reply_status(&env->rcpt[i].reply,
			    status[n], delayed ? "4.0.0" : "5.0.0");
			rcpt_reply_format(&env->rcpt[i].reply, &stored[n]);
			br[n].diagnostic = env->rcpt[i].reply.text != NULL ?
			    buf_cstr(&stored[n]) :
			    NULL;
		}
		br[n].remote_mta =
		    why[i] != NULL && why[i]->code ? remote : NULL;
		br[n].last_attempt = env->rcpt[i].last_attempt;
		n++;
	}
	if (notice_create(&nt, f->o->queue, e) < 0)
		goto done;
	memset(&b, 0, sizeof(b));
	b.action = delayed ? BOUNCE_DELAYED : BOUNCE_FAILED;
	b.reporting_mta = f->o->id->fqdn;
	b.domain = f->o->conf->domain ? f->o->conf->domain : f->o->id->fqdn;
	/* A smarthost that takes only from_address takes notices only from
	 * it too; the envelope sender stays <>. */
	b.from = f->o->conf->from_address;
	b.to = env->sender;
	b.queue_id = env->id;
	b.envid = env->envid;
	b.arrival = env->created;
	b.now = f->now;
	b.retry_until = env->created + f->o->conf->queue_lifetime;
	b.headers_only = env->ret == ENVELOPE_RET_HDRS;
	b.original_8bit = env->body == ENVELOPE_BODY_8BITMIME;
	b.unique = nt.m.id;
	b.rcpts = br;
	b.nrcpts = n;
	fit_notice(f, env, &b, &text);
	/* The readable part is 8-bit in a translation with umlauts, or with
	 * a UTF-8 reply quoted: then the notice is 8BITMIME even when the
	 * original was not (bounce.c chose its transfer encoding). */
	text_8bit = utf8_any_8bit(text.data, text.len);
	if (b.too_big > 0)
		log_msg(LOG_INFO,
		    "%s: the notice returns the headers only: the "
		    "message (%llu bytes) is too large to return%s",
		    env->id, b.too_big,
		    b.size_guessed ? " (the smarthost's SIZE is not known "
		                     "in this run)" :
		                     "");
	if (notice_write(&nt, text.data, text.len, e) < 0 ||
	    copy_original(f, env, b.headers_only, &nt, &ended_nl, e) < 0)
		goto done;
	buf_reset(&text);
	bounce_finish(&b, ended_nl, &text);
	if (notice_write(&nt, text.data, text.len, e) < 0)
		goto done;
	memset(&ne, 0, sizeof(ne));
	ne.to = env->sender;
	ne.created = f->now;
	ne.uid = f->o->id->uid;
	ne.user = f->o->id->user;
	ne.body = b.original_8bit || text_8bit ? ENVELOPE_BODY_8BITMIME :
	                                         ENVELOPE_BODY_7BIT;
	if (notice_commit(&nt, &ne, e) < 0)
		goto done;
	log_msg(LOG_INFO, "%s: sender %s notice: %s", env->id,
	    delayed ? "delay" : "non-delivery", nt.m.id);
	rc = 0;
done:
	notice_abort(&nt);
	buf_free(&text);
	for (i = 0; i < env->nrcpt; i++)
		buf_free(&stored[i]);
	free(stored);
	free(diag);
	free(status);
	free(br);
	return rc;
}
