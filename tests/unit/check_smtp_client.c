/* check_smtp_client.c — the client against a scripted peer: every reply
 * class at every stage, exact bytes, pipelining in one write, RSET between
 * messages, mixed recipients, local refusals, AUTH and its redaction,
 * STARTTLS policy, replies split at any byte, drops after any byte. */
#include "config.h"

#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "lib/check_main.h"
#include "lib/mem_stream.h"
#include "script_stream.h"
#include "smtp/smtp_client.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define MAXR 4

/* ---- fixtures ---------------------------------------------------------- */

struct rec {
	int nrcpt[MAXR];
	struct result rcpt[MAXR];
	int nmsg;
	struct result msg;
	struct buf tr; /* transcript */
	int tls_calls, tls_rc;
	int starts, steps, finishes;
	int finish_code;
	const char *mechs[3]; /* offered by start, in order */
	const char *initial[3];
};

static void
on_rcpt(void *ctx, size_t i, const struct result *r)
{
	struct rec *x = ctx;

	ck_assert_uint_lt(i, MAXR);
	x->nrcpt[i]++;
	x->rcpt[i] = *r;
}

static void
on_message(void *ctx, const struct result *r)
{
	struct rec *x = ctx;

	x->nmsg++;
	x->msg = *r;
}

static void
transcript(void *ctx, const char *dir, const char *line)
{
	struct rec *x = ctx;

	buf_printf(&x->tr, "%s %s\n", dir, line);
}

static int
starttls(void *ctx, struct stream *s, struct err *e)
{
	struct rec *x = ctx;

	x->tls_calls++;
	if (x->tls_rc < 0)
		return err_set(e, EX_PROTOCOL, "certificate of %s not trusted",
		    s->name);
	return 0;
}

static int
fa_start(void *ctx, const char *server_mechs, const struct auth_conn *conn,
    const char **mech, char **initial, struct err *e)
{
	struct rec *x = ctx;
	int k = x->starts++;

	(void)conn;
	if (k >= 3 || x->mechs[k] == NULL ||
	    strstr(server_mechs, x->mechs[k]) == NULL)
		return err_set(e, EX_NOPERM, "no acceptable mechanism"), 1;
	*mech = x->mechs[k];
	*initial = x->initial[k] ? strdup(x->initial[k]) : NULL;
	return 0;
}

static int
fa_step(void *ctx, const char *challenge, char **response, struct err *e)
{
	struct rec *x = ctx;

	x->steps++;
	if (strcmp(challenge, "YmFk") == 0)
		return err_set(e, EX_PROTOCOL, "bad challenge");
	*response = strdup("cmVzcG9uc2U=");
	return 0;
}

static int
fa_finish(void *ctx, int code, const char *enhanced)
{
	struct rec *x = ctx;

	(void)enhanced;
	x->finishes++;
	x->finish_code = code;
	return code == 504;
}

static const struct auth_ops fake_auth = { fa_start, fa_step, fa_finish };

static struct auth_conn conn;

static void
cfg_init(struct smtp_client_cfg *cfg, struct rec *x, int auth,
    enum smtp_tls_mode tls)
{
	memset(cfg, 0, sizeof(*cfg));
	memset(x, 0, sizeof(*x));
	memset(&conn, 0, sizeof(conn));
	cfg->helo = "client.test";
	cfg->tls = tls;
	cfg->starttls = starttls;
	cfg->starttls_ctx = x;
	cfg->auth = auth ? &fake_auth : NULL;
	cfg->auth_ctx = x;
	cfg->conn = &conn;
	cfg->on_rcpt = on_rcpt;
	cfg->on_message = on_message;
	cfg->cb_ctx = x;
	cfg->transcript = transcript;
	cfg->transcript_ctx = x;
	x->mechs[0] = "TEST";
}

/* A recipient as the client takes it (the strings are never written). */
#define RC(a, n, o) \
	{ \
		.addr = (char *)(a), .notify = (n), .orcpt = (char *)(o) \
	}

static const struct rcpt two[] = {
	RC("a@x.test", 0, NULL),
	RC("b@x.test", 0, NULL),
};

/* Sends one message with body text; returns smtp_client_send's value. */
static int
send_msg(struct smtp_client *c, struct smtp_msg *m, const char *body,
    struct result *r)
{
	struct mem_stream s;
	struct stream st;
	int rc;

	mem_stream_init(&s, body, strlen(body), NULL);
	mem_stream_attach(&s, &st, "queue/1A2B");
	m->body = &st;
	rc = smtp_client_send(c, m, r);
	stream_close(&st);
	return rc;
}

static void
msg_init(struct smtp_msg *m, const struct rcpt *rc, size_t n)
{
	memset(m, 0, sizeof(*m));
	m->sender = "s@x.test";
	m->rcpts = rc;
	m->nrcpts = n;
	m->size = 12;
}

/* One session against a script: the client, its configuration, the
 * recorder, and the scripted peer. */
struct sess {
	struct script_stream sc;
	struct smtp_client_cfg cfg;
	struct smtp_client *c;
	struct stream st;
	struct rec x;
};

static void
sess_start(struct sess *s, const char *const *steps, size_t n, int auth,
    enum smtp_tls_mode tls)
{
	cfg_init(&s->cfg, &s->x, auth, tls);
	script_stream_init(&s->sc, steps, n);
	script_stream_attach(&s->sc, &s->st);
	s->c = smtp_client_new(&s->st, &s->cfg);
}

static void
sess_free(struct sess *s)
{
	smtp_client_free(s->c);
	stream_close(&s->st);
	ck_assert_int_eq(s->sc.closed, 1);
	script_stream_free(&s->sc);
	buf_free(&s->x.tr);
}

/* Starts a session without TLS or AUTH that must open. */
static void
sess_open(struct sess *s, const char *const *steps, size_t n)
{
	struct result r;

	sess_start(s, steps, n, 0, SMTP_TLS_NONE);
	ck_assert_int_eq(smtp_client_open(s->c, &r), 0);
}

/* QUITs (if still open); the script must have been played in full. */
static void
sess_end(struct sess *s)
{
	smtp_client_quit(s->c);
	ck_assert_int_eq(smtp_client_state(s->c), SMTP_ST_CLOSED);
	ck_assert_msg(script_stream_check(&s->sc) == NULL, "%s", s->sc.error);
	sess_free(s);
}

/* ---- every reply class at every stage ----------------------------------- */

enum stage {
	T_GREETING,
	T_EHLO,
	T_STARTTLS,
	T_AUTH,
	T_AUTHSTEP,
	T_MAIL,
	T_RCPTA,
	T_RCPTB,
	T_DATA,
	T_DOT,
	T_RSET,
	T_QUIT,
	NSTAGES
};
enum fault { F_4XX, F_5XX, F_421, F_DROP, NFAULTS };
#define MSG2 100

static const struct {
	int tag;
	const char *s;
	/* clang-format off */
} base[] = {
	{ T_GREETING, "S:220 mx.test ESMTP" },
	{ -1, "C:EHLO client.test" },
	{ T_EHLO, "S:250-mx.test\r\n250-STARTTLS\r\n250 AUTH TEST" },
	{ -1, "C:STARTTLS" },
	{ T_STARTTLS, "S:220 ready" },
	{ -1, "C:EHLO client.test" },
	{ -1, "S:250-mx.test\r\n250-ENHANCEDSTATUSCODES\r\n250-SIZE 1000\r\n250 AUTH TEST" },
	{ -1, "C:AUTH TEST" },
	{ T_AUTH, "S:334 Y2hhbGxlbmdl" },
	{ -1, "C:cmVzcG9uc2U=" },
	{ T_AUTHSTEP, "S:235 2.7.0 ok" },
	{ -1, "C:MAIL FROM:<s@x.test> SIZE=12" },
	{ T_MAIL, "S:250 2.1.0 ok" },
	{ -1, "C:RCPT TO:<a@x.test>" },
	{ T_RCPTA, "S:250 2.1.5 ok" },
	{ -1, "C:RCPT TO:<b@x.test>" },
	{ T_RCPTB, "S:250 2.1.5 ok" },
	{ -1, "C:DATA" },
	{ T_DATA, "S:354 go ahead" },
	{ -1, "B" },
	{ T_DOT, "S:250 2.0.0 queued as A" },
	{ MSG2, "C:RSET" },
	{ T_RSET, "S:250 2.0.0 ok" },
	{ -1, "C:MAIL FROM:<s@x.test> SIZE=12" },
	{ -1, "S:250 2.1.0 ok" },
	{ -1, "C:RCPT TO:<a@x.test>" },
	{ -1, "S:250 2.1.5 ok" },
	{ -1, "C:RCPT TO:<b@x.test>" },
	{ -1, "S:250 2.1.5 ok" },
	{ -1, "C:DATA" },
	{ -1, "S:354 go ahead" },
	{ -1, "B" },
	{ -1, "S:250 2.0.0 queued as B" },
	{ -1, "C:QUIT" },
	{ T_QUIT, "S:221 2.0.0 bye" },
};
/* clang-format on */

static const char *const fault_reply[] = {
	"S:451 4.3.0 try later",
	"S:554 5.7.1 refused",
	"S:421 4.4.2 closing",
	"D",
};
static const int fault_code[] = { 451, 554, 421, 0 };

static size_t
build(enum stage stage, enum fault f, const char **out)
{
	size_t i, n = 0;

	for (i = 0; i < NELEM(base); i++) {
		if (base[i].tag != (int)stage) {
			out[n++] = base[i].s;
			continue;
		}
		out[n++] = fault_reply[f];
		if (f == F_421 || f == F_DROP || stage == T_RSET ||
		    stage == T_QUIT)
			return n;
		if (stage <= T_AUTHSTEP) {
			out[n++] = "C:QUIT";
			out[n++] = "S:221 bye";
			return n;
		}
		if (stage == T_MAIL || stage == T_DATA)
			while (base[i + 1].tag != MSG2)
				i++;
	}
	return n;
}

static void
assert_fail(const struct result *r, enum stage stage, enum fault f)
{
	ck_assert_int_eq(r->code, fault_code[f]);
	if (f == F_DROP) {
		ck_assert_int_eq(r->cls,
		    stage == T_DOT ? RESULT_UNKNOWN : RESULT_TEMP);
		ck_assert_str_eq(r->status, "4.4.2");
	} else {
		ck_assert_int_eq(r->cls,
		    f == F_5XX ? RESULT_PERM : RESULT_TEMP);
	}
	if (f != F_DROP && stage >= T_AUTH)
		ck_assert_str_eq(r->status,
		    f == F_4XX     ? "4.3.0" :
		        f == F_5XX ? "5.7.1" :
		                     "4.4.2");
}

static void
assert_ok(const struct result *r, const char *text)
{
	ck_assert_int_eq(r->cls, RESULT_OK);
	ck_assert_int_eq(r->code, 250);
	ck_assert_str_eq(r->text, text);
}

START_TEST(test_stage_matrix)
{
	enum stage stage = (enum stage)(_i / NFAULTS);
	enum fault f = (enum fault)(_i % NFAULTS);
	const char *steps[NELEM(base) + 4];
	size_t n = build(stage, f, steps), k;
	int ended = f == F_421 || f == F_DROP;
	struct sess s;
	struct smtp_msg m;
	struct result r, r1a, r1b;
	int rc;

	sess_start(&s, steps, n, 1, SMTP_TLS_REQUIRED);
	rc = smtp_client_open(s.c, &r);
	if (stage <= T_AUTHSTEP) {
		ck_assert_int_eq(rc, -1);
		ck_assert_int_eq(r.scope, RESULT_SCOPE_SESSION);
		ck_assert_int_eq(result_action(&r), RESULT_ACTION_RETRY);
		assert_fail(&r, stage, f);
		ck_assert_int_eq(smtp_client_state(s.c), SMTP_ST_CLOSED);
		smtp_client_quit(s.c);
		goto out;
	}
	ck_assert_int_eq(rc, 0);
	ck_assert_int_eq(s.x.tls_calls, 1);
	ck_assert_int_eq(conn.tls, 1);
	msg_init(&m, two, 2);
	rc = send_msg(s.c, &m, "hello\n", &r);
	ck_assert_int_eq(s.x.nmsg, 1);
	ck_assert_int_eq(s.x.nrcpt[0], 1);
	ck_assert_int_eq(s.x.nrcpt[1], 1);
	r1a = s.x.rcpt[0];
	r1b = s.x.rcpt[1];
	if (stage >= T_RSET) {
		assert_ok(&r1a, "queued as A");
		assert_ok(&r1b, "queued as A");
	} else if (stage == T_RCPTA) {
		assert_fail(&r1a, stage, f);
		if (ended)
			assert_fail(&r1b, stage, f);
		else
			assert_ok(&r1b, "queued as A");
	} else if (stage == T_RCPTB) {
		assert_fail(&r1b, stage, f);
		if (ended)
			assert_fail(&r1a, stage, f);
		else
			assert_ok(&r1a, "queued as A");
	} else {
		assert_fail(&r1a, stage, f);
		assert_fail(&r1b, stage, f);
	}
	ck_assert_int_eq(rc,
	    ended && stage != T_RSET && stage != T_QUIT ? -1 : 0);
	memset(s.x.nrcpt, 0, sizeof(s.x.nrcpt));
	rc = send_msg(s.c, &m, "hello\n", &r);
	ck_assert_int_eq(s.x.nmsg, 2);
	for (k = 0; k < 2; k++) {
		ck_assert_int_eq(s.x.nrcpt[k], 1);
		if (stage == T_RSET) {
			assert_fail(&s.x.rcpt[k], stage, f);
			ck_assert_int_eq(s.x.rcpt[k].scope,
			    RESULT_SCOPE_SESSION);
		} else if (ended && stage != T_QUIT) {
			ck_assert_int_eq(s.x.rcpt[k].cls, RESULT_TEMP);
			ck_assert_int_eq(s.x.rcpt[k].code, 0);
		} else {
			assert_ok(&s.x.rcpt[k], "queued as B");
		}
	}
out:
	sess_end(&s);
}
END_TEST

/* ---- exact bytes, pipelining --------------------------------------------- */

static const char *const pipelined[] = {
	"S:220 mx.test ESMTP",
	"C:EHLO client.test",
	"S:250-mx.test\r\n250-PIPELINING\r\n250-SIZE 10000\r\n250-8BITMIME\r\n"
	"250-SMTPUTF8\r\n250-DSN\r\n250 ENHANCEDSTATUSCODES",
	"C:MAIL FROM:<s@x.test> SIZE=12 BODY=8BITMIME SMTPUTF8 RET=HDRS ENVID=QQ1",
	"C:RCPT TO:<a@x.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;a@x.test",
	"C:RCPT TO:<b@x.test>",
	"C:RCPT TO:<c@x.test> NOTIFY=NEVER",
	"C:DATA",
	"S:250 2.1.0 ok",
	"S:250 2.1.5 ok",
	"S:550 5.1.1 <b@x.test>: no such user",
	"S:451 4.2.1 mailbox busy",
	"S:354 go ahead",
	"B",
	"S:250 2.0.0 queued as A",
	"C:RSET",
	"C:MAIL FROM:<> SIZE=12",
	"C:RCPT TO:<a@x.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;a@x.test",
	"C:DATA",
	"S:250 2.0.0 ok",
	"S:250 2.1.0 ok",
	"S:250 2.1.5 ok",
	"S:354 go ahead",
	"B",
	"S:250 2.0.0 queued as B",
	"C:QUIT",
	"S:221 bye",
};

static const struct rcpt three[] = {
	RC("a@x.test", RCPT_NOTIFY_SUCCESS | RCPT_NOTIFY_FAILURE,
	    "rfc822;a@x.test"),
	RC("b@x.test", 0, NULL),
	RC("c@x.test", RCPT_NOTIFY_NEVER, NULL),
};

static const char pipelined_bytes[] =
    "EHLO client.test\r\n"
    "MAIL FROM:<s@x.test> SIZE=12 BODY=8BITMIME SMTPUTF8 RET=HDRS ENVID=QQ1\r\n"
    "RCPT TO:<a@x.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;a@x.test\r\n"
    "RCPT TO:<b@x.test>\r\n"
    "RCPT TO:<c@x.test> NOTIFY=NEVER\r\n"
    "DATA\r\n"
    "h\xc3\xa9llo\r\n..dot\r\n.\r\n"
    "RSET\r\nMAIL FROM:<> SIZE=12\r\n"
    "RCPT TO:<a@x.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;a@x.test\r\nDATA\r\n"
    "second\r\n.\r\n"
    "QUIT\r\n";

/* _i: how many bytes each read returns (0 = all): replies split anywhere. */
START_TEST(test_pipelined_session)
{
	struct sess s;
	struct smtp_msg m;
	struct result r;

	sess_open(&s, pipelined, NELEM(pipelined));
	s.sc.chunk = (size_t)_i;
	ck_assert_uint_eq(smtp_client_caps(s.c)->size, 10000);
	msg_init(&m, three, 3);
	m.eightbit = 1;
	m.smtputf8 = 1;
	m.ret = "HDRS";
	m.envid = "QQ1";
	ck_assert_int_eq(send_msg(s.c, &m, "h\xc3\xa9llo\n.dot\n", &r), 0);
	ck_assert_uint_eq(s.sc.nwrites, 3); /* EHLO, one batch, body */
	assert_ok(&s.x.rcpt[0], "queued as A");
	ck_assert_int_eq(s.x.rcpt[1].cls, RESULT_PERM);
	ck_assert_int_eq(s.x.rcpt[1].code, 550);
	ck_assert_str_eq(s.x.rcpt[1].status, "5.1.1");
	ck_assert_str_eq(s.x.rcpt[1].stage, "RCPT TO");
	ck_assert_int_eq(result_action(&s.x.rcpt[1]), RESULT_ACTION_BOUNCE);
	ck_assert_int_eq(s.x.rcpt[2].cls, RESULT_TEMP);
	ck_assert_str_eq(s.x.rcpt[2].status, "4.2.1");
	ck_assert_str_eq(s.x.rcpt[2].text, "mailbox busy");
	assert_ok(&s.x.msg, "queued as A");
	ck_assert_str_eq(s.x.msg.stage, "end of DATA");
	msg_init(&m, three, 1);
	m.sender = "";
	ck_assert_int_eq(send_msg(s.c, &m, "second", &r), 0);
	ck_assert_uint_eq(s.sc.nwrites, 5); /* one batch with RSET, body */
	assert_ok(&r, "queued as B");
	ck_assert_int_eq(s.x.nrcpt[0], 2);
	ck_assert_int_eq(s.x.nrcpt[1], 1);
	smtp_client_quit(s.c);
	ck_assert_uint_eq(s.sc.out.len, sizeof(pipelined_bytes) - 1);
	ck_assert_mem_eq(s.sc.out.data, pipelined_bytes,
	    sizeof(pipelined_bytes) - 1);
	ck_assert_ptr_nonnull(
	    strstr(s.x.tr.data, ">>> (message body, 15 bytes)\n>>> .\n"));
	ck_assert_ptr_nonnull(
	    strstr(s.x.tr.data, "<<< 250 2.0.0 queued as A\n"));
	sess_end(&s);
}
END_TEST

/* Faults after any byte: whatever happens, every recipient is reported
 * exactly once per message, the client ends in a sane state and a lost
 * end-of-data reply is never reported as delivered. */
START_TEST(test_drop_anywhere)
{
	int dir = _i % 2;
	long long at = _i / 2;
	struct sess s;
	struct smtp_msg m;
	struct result r;
	size_t k;

	sess_start(&s, pipelined, NELEM(pipelined), 0, SMTP_TLS_NONE);
	if (dir)
		s.sc.drop_after_write = at;
	else
		s.sc.drop_after_read = at;
	if (smtp_client_open(s.c, &r) == 0) {
		msg_init(&m, three, 3);
		m.eightbit = m.smtputf8 = 1;
		m.ret = "HDRS";
		m.envid = "QQ1";
		send_msg(s.c, &m, "h\xc3\xa9llo\n.dot\n", &r);
		ck_assert_int_eq(s.x.nmsg, 1);
		for (k = 0; k < 3; k++)
			ck_assert_int_eq(s.x.nrcpt[k], 1);
		if (s.x.rcpt[0].cls == RESULT_OK)
			ck_assert_ptr_nonnull(memmem(s.sc.out.data,
			    s.sc.out.len, "\r\n.\r\n", 5));
		send_msg(s.c, &m, "x\n", &r);
		ck_assert_int_eq(s.x.nmsg, 2);
		for (k = 0; k < 3; k++)
			ck_assert_int_eq(s.x.nrcpt[k], 2);
	} else {
		ck_assert_int_eq(r.cls, RESULT_TEMP);
		ck_assert_str_eq(r.status, "4.4.2");
	}
	smtp_client_quit(s.c);
	ck_assert_int_eq(smtp_client_state(s.c), SMTP_ST_CLOSED);
	sess_free(&s);
}
END_TEST

START_TEST(test_lost_after_dot_is_unknown)
{
	static const char *const steps[] = {
		"S:220 mx",
		"C:EHLO client.test",
		"S:250 mx",
		"C:MAIL FROM:<s@x.test>",
		"S:250 ok",
		"C:RCPT TO:<a@x.test>",
		"S:250 ok",
		"C:DATA",
		"S:354 go",
		"B",
		"R:250 2.0",
		"D",
	};
	struct sess s;
	struct smtp_msg m;
	struct result r;

	sess_open(&s, steps, NELEM(steps));
	msg_init(&m, two, 1);
	ck_assert_int_eq(send_msg(s.c, &m, "x\n", &r), -1);
	ck_assert_int_eq(r.cls, RESULT_UNKNOWN);
	ck_assert_int_eq(s.x.rcpt[0].cls, RESULT_UNKNOWN);
	ck_assert_str_eq(s.x.rcpt[0].stage, "end of DATA");
	ck_assert_ptr_nonnull(strstr(r.text, "may have been delivered"));
	ck_assert_int_eq(result_action(&r), RESULT_ACTION_RETRY);
	sess_end(&s);
}
END_TEST

/* ---- local refusals ------------------------------------------------------ */

static const struct {
	const char *caps;
	unsigned long long size;
	int eightbit, smtputf8; /* smtputf8 2: raw UTF-8 headers only */
	enum smtp_eightbit mode;
	const char *status; /* NULL: sent */
	const char *mail;   /* the expected MAIL command */
	                    /* clang-format off */
} refusals[] = {
	{ "250-mx\r\n250 SIZE 100", 101, 0, 0, SMTP_8BIT_PASS, "5.3.4", NULL },
	{ "250-mx\r\n250 SIZE 100", 100, 0, 0, SMTP_8BIT_PASS, NULL, "C:MAIL FROM:<s@x.test> SIZE=100" },
	{ "250-mx\r\n250 SIZE", 99999, 0, 0, SMTP_8BIT_PASS, NULL, "C:MAIL FROM:<s@x.test> SIZE=99999" },
	{ "250-mx\r\n250 8BITMIME", 5, 0, 1, SMTP_8BIT_PASS, "5.6.7", NULL },
	{ "250-mx\r\n250 SMTPUTF8", 5, 0, 1, SMTP_8BIT_PASS, NULL, "C:MAIL FROM:<s@x.test> SMTPUTF8" },
	{ "250 mx", 5, 1, 0, SMTP_8BIT_STRICT, "5.6.3", NULL },
	{ "250 mx", 5, 1, 0, SMTP_8BIT_PASS, NULL, "C:MAIL FROM:<s@x.test>" },
	{ "250-mx\r\n250 8BITMIME", 5, 1, 0, SMTP_8BIT_STRICT, NULL, "C:MAIL FROM:<s@x.test> BODY=8BITMIME" },
	/* Raw UTF-8 headers: SMTPUTF8 when offered, 8BITMIME when not. */
	{ "250-mx\r\n250-8BITMIME\r\n250 SMTPUTF8", 5, 1, 2, SMTP_8BIT_PASS, NULL,
	  "C:MAIL FROM:<s@x.test> BODY=8BITMIME SMTPUTF8" },
	{ "250-mx\r\n250 8BITMIME", 5, 1, 2, SMTP_8BIT_PASS, NULL, "C:MAIL FROM:<s@x.test> BODY=8BITMIME" },
	{ "250 mx", 5, 1, 2, SMTP_8BIT_PASS, NULL, "C:MAIL FROM:<s@x.test>" },
};
/* clang-format on */

START_TEST(test_local_refusal)
{
	const char *steps[16];
	char caps[64];
	size_t n = 0;
	struct sess s;
	struct smtp_msg m;
	struct result r;

	steps[n++] = "S:220 mx";
	steps[n++] = "C:EHLO client.test";
	steps[n++] = refusals[_i].caps;
	if (refusals[_i].mail != NULL) {
		steps[n++] = refusals[_i].mail;
		steps[n++] = "S:250 ok";
		steps[n++] = "C:RCPT TO:<a@x.test>";
		steps[n++] = "S:250 ok";
		steps[n++] = "C:DATA";
		steps[n++] = "S:354 go";
		steps[n++] = "B";
		steps[n++] = "S:250 ok";
	}
	steps[n++] = "C:QUIT";
	steps[n++] = "S:221 bye";
	snprintf(caps, sizeof(caps), "S:%s", refusals[_i].caps);
	steps[2] = caps;
	sess_open(&s, steps, n);
	s.cfg.eightbit = refusals[_i].mode;
	msg_init(&m, two, 2);
	m.size = refusals[_i].size;
	m.eightbit = refusals[_i].eightbit;
	m.smtputf8 = refusals[_i].smtputf8 == 1;
	m.utf8_headers = refusals[_i].smtputf8 == 2;
	if (refusals[_i].mail != NULL)
		m.nrcpts = 1;
	ck_assert_int_eq(send_msg(s.c, &m, "x\n", &r), 0);
	if (refusals[_i].status != NULL) {
		ck_assert_int_eq(r.cls, RESULT_PERM);
		ck_assert_int_eq(r.code, 0);
		ck_assert_str_eq(r.status, refusals[_i].status);
		ck_assert_int_eq(result_action(&r), RESULT_ACTION_BOUNCE);
		ck_assert_int_eq(s.x.nrcpt[0], 1);
		ck_assert_int_eq(s.x.nrcpt[1], 1);
		ck_assert_str_eq(s.x.rcpt[1].status, refusals[_i].status);
		ck_assert_ptr_nonnull(
		    strstr(r.text, "peer")); /* names the server */
	} else {
		assert_ok(&r, "ok");
	}
	sess_end(&s);
}
END_TEST

/* ---- session variants: a script, a configuration, an expected outcome ---- */

struct variant {
	const char *name;
	const char *steps[24];
	int auth;
	enum smtp_tls_mode tls;
	int tls_rc;
	const char *mechs[3], *initial[3];
	int open_rc;
	int cls, code;
	const char *status;
	const char *in_transcript, *not_in_transcript;
	int tls_calls, starts, steps_called;
};

#define EHLO_AUTH "S:250-mx\r\n250 AUTH PLAIN LOGIN XTEST"
static const struct variant variants[] = {
	{ "auth plain redacted",
	    { "S:220 mx", "C:EHLO client.test", EHLO_AUTH,
	        "C:AUTH PLAIN AHVzZXIAc2VjcmV0", "S:235 2.7.0 ok", "C:QUIT",
	        "S:221 bye" },
	    1, SMTP_TLS_NONE, 0, { "PLAIN" }, { "AHVzZXIAc2VjcmV0" }, 0,
	    RESULT_OK, 0, "", ">>> AUTH PLAIN <redacted>\n", "AHVzZXIAc2VjcmV0",
	    0, 1, 0 },
	{ "auth login steps redacted",
	    { "S:220 mx", "C:EHLO client.test", EHLO_AUTH, "C:AUTH LOGIN",
	        "S:334 VXNlcm5hbWU6", "C:cmVzcG9uc2U=", "S:334 UGFzc3dvcmQ6",
	        "C:cmVzcG9uc2U=", "S:235 ok", "C:QUIT", "S:221 bye" },
	    1, SMTP_TLS_NONE, 0, { "LOGIN" }, { NULL }, 0, RESULT_OK, 0, "",
	    ">>> AUTH LOGIN\n<<< 334 VXNlcm5hbWU6\n>>> <redacted>\n",
	    "cmVzcG9uc2U=", 0, 1, 2 },
	{ "auth next mechanism after 504",
	    { "S:220 mx", "C:EHLO client.test", EHLO_AUTH, "C:AUTH XTEST =",
	        "S:504 5.5.4 unrecognized", "C:AUTH PLAIN AHVzZXIAc2VjcmV0",
	        "S:235 ok", "C:QUIT", "S:221 bye" },
	    1, SMTP_TLS_NONE, 0, { "XTEST", "PLAIN" },
	    { "=", "AHVzZXIAc2VjcmV0" }, 0, RESULT_OK, 0, "",
	    ">>> AUTH XTEST <redacted>\n", NULL, 0, 2, 0 },
	{ "auth wrong password never sends",
	    { "S:220 mx", "C:EHLO client.test", EHLO_AUTH,
	        "C:AUTH PLAIN AHVzZXIAc2VjcmV0", "S:535 5.7.8 bad credentials",
	        "C:QUIT", "S:221 bye" },
	    1, SMTP_TLS_NONE, 0, { "PLAIN", "LOGIN" }, { "AHVzZXIAc2VjcmV0" },
	    -1, RESULT_PERM, 535, "5.7.8", NULL, NULL, 0, 1, 0 },
	{ "auth 535 without enhanced code",
	    { "S:220 mx", "C:EHLO client.test", EHLO_AUTH, "C:AUTH LOGIN",
	        "S:535 no", "C:QUIT", "S:221 bye" },
	    1, SMTP_TLS_NONE, 0, { "LOGIN" }, { NULL }, -1, RESULT_PERM, 535,
	    "5.7.8", NULL, NULL, 0, 1, 0 },
	{ "auth step fails: cancel with *",
	    { "S:220 mx", "C:EHLO client.test", EHLO_AUTH, "C:AUTH LOGIN",
	        "S:334 YmFk", "C:*", "S:501 5.0.0 cancelled", "C:QUIT",
	        "S:221 bye" },
	    1, SMTP_TLS_NONE, 0, { "LOGIN" }, { NULL }, -1, RESULT_PERM, 501,
	    "5.0.0", ">>> *\n", NULL, 0, 1, 1 },
	{ "auth no acceptable mechanism",
	    { "S:220 mx", "C:EHLO client.test", "S:250-mx\r\n250 AUTH CRAM-MD5",
	        "C:QUIT", "S:221 bye" },
	    1, SMTP_TLS_NONE, 0, { "PLAIN" }, { NULL }, -1, RESULT_PERM, 0,
	    "5.7.8", NULL, NULL, 0, 1, 0 },
	{ "auth configured, server offers none",
	    { "S:220 mx", "C:EHLO client.test", "S:250 mx", "C:QUIT",
	        "S:221 bye" },
	    1, SMTP_TLS_NONE, 0, { "PLAIN" }, { NULL }, -1, RESULT_PERM, 0,
	    "5.7.4", NULL, NULL, 0, 0, 0 },
	{ "helo fallback on 502",
	    { "S:220 mx", "C:EHLO client.test", "S:502 no",
	        "C:HELO client.test", "S:250 mx", "C:QUIT", "S:221 bye" },
	    0, SMTP_TLS_NONE, 0, { NULL }, { NULL }, 0, RESULT_OK, 0, "", NULL,
	    NULL, 0, 0, 0 },
	{ "helo fallback on 500, then refused",
	    { "S:220 mx", "C:EHLO client.test", "S:500 what",
	        "C:HELO client.test", "S:550 go away", "C:QUIT", "S:221 bye" },
	    0, SMTP_TLS_NONE, 0, { NULL }, { NULL }, -1, RESULT_PERM, 550,
	    "5.0.0", NULL, NULL, 0, 0, 0 },
	{ "tls required, helo only",
	    { "S:220 mx", "C:EHLO client.test", "S:502 no",
	        "C:HELO client.test", "S:250 mx", "C:QUIT", "S:221 bye" },
	    0, SMTP_TLS_REQUIRED, 0, { NULL }, { NULL }, -1, RESULT_PERM, 0,
	    "5.7.10", NULL, NULL, 0, 0, 0 },
	{ "tls required, not offered",
	    { "S:220 mx", "C:EHLO client.test", "S:250-mx\r\n250 AUTH PLAIN",
	        "C:QUIT", "S:221 bye" },
	    1, SMTP_TLS_REQUIRED, 0, { "PLAIN" }, { "AHVzZXIAc2VjcmV0" }, -1,
	    RESULT_PERM, 0, "5.7.10", NULL, ">>> AUTH", 0, 0, 0 },
	{ "tls opportunistic, not offered",
	    { "S:220 mx", "C:EHLO client.test", "S:250 mx", "C:QUIT",
	        "S:221 bye" },
	    0, SMTP_TLS_OPPORTUNISTIC, 0, { NULL }, { NULL }, 0, RESULT_OK, 0,
	    "", NULL, NULL, 0, 0, 0 },
	{ "tls opportunistic, 454 goes on in plain",
	    { "S:220 mx", "C:EHLO client.test", "S:250-mx\r\n250 STARTTLS",
	        "C:STARTTLS", "S:454 4.7.0 not now", "C:QUIT", "S:221 bye" },
	    0, SMTP_TLS_OPPORTUNISTIC, 0, { NULL }, { NULL }, 0, RESULT_OK, 0,
	    "", NULL, NULL, 0, 0, 0 },
	{ "tls handshake fails: dropped, no QUIT",
	    { "S:220 mx", "C:EHLO client.test", "S:250-mx\r\n250 STARTTLS",
	        "C:STARTTLS", "S:220 go" },
	    0, SMTP_TLS_OPPORTUNISTIC, -1, { NULL }, { NULL }, -1, RESULT_TEMP,
	    0, "4.7.5", NULL, NULL, 1, 0, 0 },
	{ "tls then auth after second EHLO",
	    { "S:220 mx", "C:EHLO client.test", "S:250-mx\r\n250 STARTTLS",
	        "C:STARTTLS", "S:220 go", "C:EHLO client.test", EHLO_AUTH,
	        "C:AUTH PLAIN AHVzZXIAc2VjcmV0", "S:235 ok", "C:QUIT",
	        "S:221 bye" },
	    1, SMTP_TLS_REQUIRED, 0, { "PLAIN" }, { "AHVzZXIAc2VjcmV0" }, 0,
	    RESULT_OK, 0, "", NULL, NULL, 1, 1, 0 },
	/* the greeting's enhanced code is the server's, read before EHLO */
	{ "greeting 554", { "S:554 5.3.2 no service", "C:QUIT", "S:221 bye" },
	    0, SMTP_TLS_NONE, 0, { NULL }, { NULL }, -1, RESULT_PERM, 554,
	    "5.3.2", NULL, NULL, 0, 0, 0 },
	{ "greeting multi-line",
	    { "S:220-mx\r\n220-more\r\n220 ready", "C:EHLO client.test",
	        "S:250 mx", "C:QUIT", "S:221 bye" },
	    0, SMTP_TLS_NONE, 0, { NULL }, { NULL }, 0, RESULT_OK, 0, "", NULL,
	    NULL, 0, 0, 0 },
	{ "malformed reply", { "S:220 mx", "C:EHLO client.test", "S:2x0 what" },
	    0, SMTP_TLS_NONE, 0, { NULL }, { NULL }, -1, RESULT_TEMP, 0,
	    "4.5.0", NULL, NULL, 0, 0, 0 },
	{ "code changes inside a reply",
	    { "S:220 mx", "C:EHLO client.test", "S:250-mx\r\n251 odd" }, 0,
	    SMTP_TLS_NONE, 0, { NULL }, { NULL }, -1, RESULT_TEMP, 0, "4.5.0",
	    NULL, NULL, 0, 0, 0 },
	{ "hostile reply text is sanitised",
	    { "S:220 mx\x1b]0;x\x07", "C:EHLO client.test", "S:250 mx",
	        "C:QUIT", "S:221 bye" },
	    0, SMTP_TLS_NONE, 0, { NULL }, { NULL }, 0, RESULT_OK, 0, "",
	    "<<< 220 mx?]0;x?\n", "\x1b", 0, 0, 0 },
};

START_TEST(test_variant)
{
	const struct variant *v = &variants[_i];
	struct sess s;
	struct smtp_msg m;
	struct result r;
	size_t n;
	int rc;

	for (n = 0; n < NELEM(v->steps) && v->steps[n] != NULL; n++)
		;
	sess_start(&s, v->steps, n, v->auth, v->tls);
	s.x.tls_rc = v->tls_rc;
	memcpy(s.x.mechs, v->mechs, sizeof(s.x.mechs));
	memcpy(s.x.initial, v->initial, sizeof(s.x.initial));
	rc = smtp_client_open(s.c, &r);
	ck_assert_msg(rc == v->open_rc, "%s: open %d: %s", v->name, rc, r.text);
	ck_assert_int_eq(r.cls, v->cls);
	ck_assert_int_eq(r.code, v->code);
	ck_assert_str_eq(r.status, v->status);
	if (rc < 0) {
		ck_assert_int_eq(r.scope, RESULT_SCOPE_SESSION);
		ck_assert_int_eq(result_action(&r), RESULT_ACTION_RETRY);
		/* nothing is ever sent after a failed session */
		msg_init(&m, two, 2);
		ck_assert_int_eq(send_msg(s.c, &m, "x\n", &r), -1);
		ck_assert_int_eq(s.x.nrcpt[0], 1);
		ck_assert_int_eq(s.x.rcpt[0].cls, RESULT_TEMP);
		ck_assert_ptr_null(
		    memmem(s.sc.out.data, s.sc.out.len, "MAIL", 4));
	}
	if (v->in_transcript != NULL)
		ck_assert_msg(strstr(buf_cstr(&s.x.tr), v->in_transcript) !=
		        NULL,
		    "%s: transcript lacks %s:\n%s", v->name, v->in_transcript,
		    s.x.tr.data);
	if (v->not_in_transcript != NULL)
		ck_assert_ptr_null(
		    strstr(buf_cstr(&s.x.tr), v->not_in_transcript));
	ck_assert_int_eq(s.x.tls_calls, v->tls_calls);
	ck_assert_int_eq(s.x.starts, v->starts);
	ck_assert_int_eq(s.x.steps, v->steps_called);
	if (v->starts > 0 && rc == 0)
		ck_assert_int_eq(s.x.finish_code, 235);
	sess_end(&s);
}
END_TEST

/* ---- transactions without pipelining ------------------------------------- */

START_TEST(test_all_rcpts_refused_then_rset)
{
	static const char *const steps[] = {
		"S:220 mx",
		"C:EHLO client.test",
		"S:250 mx",
		"C:MAIL FROM:<s@x.test>",
		"S:250 ok",
		"C:RCPT TO:<a@x.test>",
		"S:550 5.1.1 no a",
		"C:RCPT TO:<b@x.test>",
		"S:450 4.2.0 later b",
		"C:RSET",
		"S:250 ok",
		"C:MAIL FROM:<s@x.test>",
		"S:250 ok",
		"C:RCPT TO:<a@x.test>",
		"S:250 ok",
		"C:DATA",
		"S:354 go",
		"B",
		"S:250 2.0.0 done",
		"C:QUIT",
		"S:221 bye",
	};
	struct sess s;
	struct smtp_msg m;
	struct result r;

	sess_open(&s, steps, NELEM(steps));
	msg_init(&m, two, 2);
	ck_assert_int_eq(send_msg(s.c, &m, "x\n", &r), 0);
	ck_assert_int_eq(s.x.rcpt[0].cls, RESULT_PERM);
	ck_assert_int_eq(s.x.rcpt[1].cls, RESULT_TEMP);
	ck_assert_int_eq(r.cls, RESULT_TEMP); /* the last refusal */
	ck_assert_int_eq(r.scope, RESULT_SCOPE_MESSAGE);
	msg_init(&m, two, 1);
	ck_assert_int_eq(send_msg(s.c, &m, ".\n", &r), 0);
	/* no ENHANCEDSTATUSCODES, yet the server's code is read as such */
	assert_ok(&r, "done");
	ck_assert_str_eq(r.status, "2.0.0");
	ck_assert_int_eq(r.status_derived, 0);
	ck_assert_str_eq(s.sc.body.data, "..\r\n.\r\n");
	sess_end(&s);
}
END_TEST

START_TEST(test_pipelined_354_without_rcpts)
{
	static const char *const steps[] = {
		"S:220 mx",
		"C:EHLO client.test",
		"S:250-mx\r\n250 PIPELINING",
		"C:MAIL FROM:<s@x.test>",
		"C:RCPT TO:<a@x.test>",
		"C:DATA",
		"S:250 ok",
		"S:550 no",
		"S:354 odd server",
		"C:.",
		"S:554 no valid recipients",
		"C:QUIT",
		"S:221 bye",
	};
	struct sess s;
	struct smtp_msg m;
	struct result r;

	sess_open(&s, steps, NELEM(steps));
	msg_init(&m, two, 1);
	ck_assert_int_eq(send_msg(s.c, &m, "x\n", &r), 0);
	ck_assert_int_eq(s.x.rcpt[0].code, 550);
	ck_assert_int_eq(r.code, 550);
	sess_end(&s);
}
END_TEST

START_TEST(test_body_unreadable)
{
	static const char *const steps[] = {
		"S:220 mx",
		"C:EHLO client.test",
		"S:250 mx",
		"C:MAIL FROM:<s@x.test>",
		"S:250 ok",
		"C:RCPT TO:<a@x.test>",
		"S:250 ok",
		"C:DATA",
		"S:354 go",
	};
	struct sess s;
	struct smtp_msg m;
	struct result r;
	struct stream body;
	struct mem_stream bs;

	sess_open(&s, steps, NELEM(steps));
	msg_init(&m, two, 1);
	mem_stream_init(&bs, "x", 1, NULL);
	bs.eio_at = 0; /* the body cannot be read */
	mem_stream_attach(&bs, &body, "queue/1A2B");
	m.body = &body;
	ck_assert_int_eq(smtp_client_send(s.c, &m, &r), -1);
	ck_assert_int_eq(r.cls, RESULT_TEMP);
	ck_assert_str_eq(r.status, "4.3.0");
	ck_assert_ptr_nonnull(strstr(r.text, "queue/1A2B"));
	ck_assert_int_eq(s.x.rcpt[0].cls, RESULT_TEMP);
	smtp_client_quit(s.c); /* no QUIT: the DATA phase cannot be ended */
	ck_assert_msg(script_stream_check(&s.sc) == NULL, "%s", s.sc.error);
	ck_assert_ptr_null(memmem(s.sc.out.data, s.sc.out.len, "\r\n.\r\n", 5));
	stream_close(&body);
	sess_free(&s);
}
END_TEST

START_TEST(test_control_chars_refused)
{
	static const char *const steps[] = {
		"S:220 mx",
		"C:EHLO client.test",
		"S:250 mx",
		"C:MAIL FROM:<s@x.test>",
		"S:250 ok",
		"C:RCPT TO:<b@x.test>",
		"S:250 ok",
		"C:DATA",
		"S:354 go",
		"B",
		"S:250 ok",
		"C:QUIT",
		"S:221 bye",
	};
	static const struct rcpt bad[] = {
		RC("a@x.test>\r\nRCPT TO:<evil@x.test", 0, NULL),
		RC("b@x.test", 0, NULL),
	};
	struct sess s;
	struct smtp_msg m;
	struct result r;

	sess_open(&s, steps, NELEM(steps));
	msg_init(&m, bad, 2);
	ck_assert_int_eq(send_msg(s.c, &m, "x\n", &r), 0);
	ck_assert_int_eq(s.x.rcpt[0].cls, RESULT_PERM);
	ck_assert_str_eq(s.x.rcpt[0].status, "5.1.3");
	ck_assert_int_eq(s.x.rcpt[1].cls, RESULT_OK);
	msg_init(&m, two, 1);
	m.sender = "s@x.test\r\nDATA";
	ck_assert_int_eq(send_msg(s.c, &m, "x\n", &r), 0);
	ck_assert_str_eq(r.status, "5.1.7");
	sess_end(&s);
}
END_TEST

START_TEST(test_dsn_only_when_offered)
{
	static const char *const steps[] = {
		"S:220 mx",
		"C:EHLO client.test",
		"S:250-mx\r\n250 8BITMIME",
		"C:MAIL FROM:<s@x.test>",
		"S:250 ok",
		"C:RCPT TO:<a@x.test>",
		"S:250 ok",
		"C:DATA",
		"S:354 go",
		"B",
		"S:250 ok",
		"C:QUIT",
		"S:221 bye",
	};
	struct sess s;
	struct smtp_msg m;
	struct result r;

	sess_open(&s, steps, NELEM(steps));
	msg_init(&m, three, 1);
	m.ret = "FULL";
	m.envid = "ID1";
	ck_assert_int_eq(send_msg(s.c, &m, "x\n", &r), 0);
	assert_ok(&r, "ok");
	sess_end(&s);
}
END_TEST

/* relayq check --connect: MAIL FROM then RSET, never DATA; the EHLO
 * reply's lines are kept.  _i picks the server's answers. */
static const struct {
	const char *mail, *rset; /* replies; NULL: not reached */
	int want;                /* smtp_client_try_sender's result */
	int code;                /* r.code afterwards */
	enum smtp_state after;
	/* clang-format off */
} senders[] = {
	{ "250 2.1.0 Ok", "250 2.0.0 Ok", 0, 250, SMTP_ST_READY },
	{ "553 5.7.1 Sender address rejected: not owned by user", "250 2.0.0 Ok",
	  1, 553, SMTP_ST_READY },
	{ "530 5.7.0 Authentication required", "250 2.0.0 Ok", 1, 530, SMTP_ST_READY },
	{ "421 4.7.0 closing", NULL, -1, 421, SMTP_ST_CLOSED },
	{ "250 2.1.0 Ok", "500 5.5.1 no", -1, 500, SMTP_ST_READY },
};
/* clang-format on */

START_TEST(test_try_sender)
{
	const char *steps[10];
	size_t n = 0;
	struct sess s;
	struct result r;
	const struct strv *ehlo;

	char mail[128], rset[128];

	snprintf(mail, sizeof(mail), "S:%s", senders[_i].mail);
	snprintf(rset, sizeof(rset), "S:%s",
	    senders[_i].rset ? senders[_i].rset : "");
	steps[n++] = "S:220 mx.test ESMTP";
	steps[n++] = "C:EHLO client.test";
	steps[n++] =
	    "S:250-mx.test\r\n250-PIPELINING\r\n250-SIZE 1000\r\n250 8BITMIME";
	steps[n++] = "C:MAIL FROM:<app@example.com>";
	steps[n++] = mail;
	if (senders[_i].rset != NULL) {
		steps[n++] = "C:RSET";
		steps[n++] = rset;
	}
	if (senders[_i].after == SMTP_ST_READY) {
		steps[n++] = "C:QUIT";
		steps[n++] = "S:221 bye";
	}
	sess_open(&s, steps, n);
	ehlo = smtp_client_ehlo(s.c);
	ck_assert_uint_eq(ehlo->n, 4);
	ck_assert_str_eq(ehlo->v[0], "mx.test");
	ck_assert_str_eq(ehlo->v[3], "8BITMIME");
	ck_assert_int_eq(smtp_client_try_sender(s.c, "app@example.com", &r),
	    senders[_i].want);
	ck_assert_int_eq(r.code, senders[_i].code);
	if (senders[_i].code == 500) /* RSET refused: the session is unusable */
		ck_assert_str_eq(r.stage, "RSET");
	ck_assert_int_eq(smtp_client_state(s.c), senders[_i].after);
	ck_assert_msg(strstr(s.x.tr.data, ">>> DATA") == NULL, "DATA was sent");
	sess_end(&s);
}
END_TEST

START_TEST(test_state_names)
{
	ck_assert_str_eq(smtp_client_state_name(SMTP_ST_GREETING), "greeting");
	ck_assert_str_eq(smtp_client_state_name(SMTP_ST_RCPT), "RCPT TO");
	ck_assert_str_eq(smtp_client_state_name(SMTP_ST_DOT), "end of DATA");
	ck_assert_str_eq(smtp_client_state_name(SMTP_ST_CLOSED), "closed");
	ck_assert_str_eq(smtp_client_state_name((enum smtp_state)99), "?");
}
END_TEST

/* ---- deadlines, TLS-mode mismatches, replies as servers write them ------ */

/* A greeting trickled one byte per (scripted) second: the reply deadline
 * bounds the whole reply, not each read.  With 30 s the same greeting
 * completes: the deadline, not the script, ends the first session. */
START_TEST(test_trickled_greeting)
{
	static const char *const steps[] = { "S:220 mx.test ESMTP ready",
		"C:EHLO client.test", "S:250 mx.test", "C:QUIT", "S:221 bye" };
	int limit_ms = _i == 0 ? 5000 : 30000;
	struct sess s;
	struct result r;
	int rc;

	sess_start(&s, steps, NELEM(steps), 0, SMTP_TLS_NONE);
	s.cfg.reply_timeout_ms = limit_ms;
	s.sc.chunk = 1;
	s.sc.ms_per_read = 1000;
	stream_set_clock(&s.st, script_stream_clock, &s.sc);
	rc = smtp_client_open(s.c, &r);
	if (_i == 0) {
		ck_assert_int_eq(rc, -1);
		ck_assert_int_eq(r.cls, RESULT_TEMP);
		ck_assert_int_eq(r.scope, RESULT_SCOPE_SESSION);
		ck_assert_msg(strstr(r.text, "no complete reply within 5 s") !=
		        NULL,
		    "%s", r.text);
		/* it gave up at the deadline: 5 bytes, not the 26 sent slowly
		 */
		ck_assert_uint_le(s.sc.nread, 6);
		ck_assert_int_le(s.sc.clock_ms, 6000);
		ck_assert_int_eq(smtp_client_state(s.c), SMTP_ST_CLOSED);
		sess_free(&s);
	} else {
		ck_assert_msg(rc == 0, "%s", r.text);
		sess_end(&s);
	}
}
END_TEST

/* A session that stops making progress mid-run: the first message goes,
 * the reply to the second one's MAIL trickles past the deadline; the
 * second is deferred (temporary, session scope: retried, never bounced)
 * and the session is over. */
START_TEST(test_stalled_session_defers)
{
	static const char *const steps[] = { "S:220 mx.test",
		"C:EHLO client.test", "S:250 mx.test", "C:MAIL FROM:<s@x.test>",
		"S:250 ok", "C:RCPT TO:<a@x.test>", "S:250 ok",
		"C:RCPT TO:<b@x.test>", "S:250 ok", "C:DATA", "S:354 go", "B",
		"S:250 queued", "C:RSET", "S:250 ok", "C:MAIL FROM:<s@x.test>",
		"S:250 2.1.0 fine, eventually, much later" };
	struct sess s;
	struct smtp_msg m;
	struct result r;

	sess_start(&s, steps, NELEM(steps), 0, SMTP_TLS_NONE);
	s.cfg.reply_timeout_ms = 10000;
	stream_set_clock(&s.st, script_stream_clock, &s.sc);
	ck_assert_int_eq(smtp_client_open(s.c, &r), 0);
	msg_init(&m, two, 2);
	ck_assert_int_eq(send_msg(s.c, &m, "one\n", &r), 0);
	ck_assert_int_eq(r.cls, RESULT_OK);
	s.sc.chunk = 1;
	s.sc.ms_per_read = 1000; /* now a byte a second */
	ck_assert_int_eq(send_msg(s.c, &m, "two\n", &r), -1);
	ck_assert_int_eq(r.cls, RESULT_TEMP);
	ck_assert_int_eq(result_action(&r), RESULT_ACTION_RETRY);
	ck_assert_int_eq(s.x.rcpt[0].cls, RESULT_TEMP);
	ck_assert_int_eq(s.x.rcpt[1].cls, RESULT_TEMP);
	ck_assert_msg(strstr(r.text, "no complete reply within 10 s") != NULL,
	    "%s", r.text);
	ck_assert_int_eq(smtp_client_state(s.c), SMTP_ST_CLOSED);
	sess_free(&s);
}
END_TEST

/* Each reply gets its own deadline: a session of many prompt replies
 * runs longer in total than one deadline. */
START_TEST(test_deadline_per_reply)
{
	static const char *const steps[] = { "S:220 mx.test",
		"C:EHLO client.test", "S:250 mx.test", "C:MAIL FROM:<s@x.test>",
		"S:250 ok", "C:RCPT TO:<a@x.test>", "S:250 ok",
		"C:RCPT TO:<b@x.test>", "S:250 ok", "C:DATA", "S:354 go", "B",
		"S:250 queued", "C:QUIT", "S:221 bye" };
	struct sess s;
	struct smtp_msg m;
	struct result r;

	sess_start(&s, steps, NELEM(steps), 0, SMTP_TLS_NONE);
	s.cfg.reply_timeout_ms = 2500;
	s.sc.ms_per_read = 1000; /* one whole reply a second */
	stream_set_clock(&s.st, script_stream_clock, &s.sc);
	ck_assert_int_eq(smtp_client_open(s.c, &r), 0);
	msg_init(&m, two, 2);
	ck_assert_int_eq(send_msg(s.c, &m, "hello\n", &r), 0);
	ck_assert_int_eq(r.cls, RESULT_OK);
	ck_assert_int_ge(s.sc.clock_ms, 6000);
	sess_end(&s);
}
END_TEST

/* A STARTTLS (or plain) configuration against a port that speaks
 * implicit TLS: TLS bytes where the greeting should be, or silence. */
START_TEST(test_tls_where_greeting_expected)
{
	static const char *const tls_bytes[] = { "R:\x16\x03\x01\x02" };
	static const char *const silent[] = { "T" };
	struct sess s;
	struct result r;

	sess_start(&s, _i == 0 ? tls_bytes : silent, 1, 0, SMTP_TLS_REQUIRED);
	s.cfg.reply_timeout_ms = 300000;
	s.sc.silence_ms = 300000;
	stream_set_clock(&s.st, script_stream_clock, &s.sc);
	ck_assert_int_eq(smtp_client_open(s.c, &r), -1);
	ck_assert_int_eq(r.cls, RESULT_TEMP);
	ck_assert_int_eq(r.scope, RESULT_SCOPE_SESSION);
	ck_assert_msg(
	    strstr(r.text,
	        _i == 0 ?
	            "sent TLS where an SMTP greeting "
	            "was expected: it speaks implicit TLS; set \"tls implicit\"" :
	            "sent no SMTP greeting within 300 s; if it speaks implicit TLS, "
	            "set \"tls implicit\"") != NULL,
	    "%s", r.text);
	/* Nothing written leaves out.data NULL: memmem(NULL, 0) is undefined.
	 */
	ck_assert(s.sc.out.len == 0 ||
	    memmem(s.sc.out.data, s.sc.out.len, "EHLO", 4) == NULL);
	ck_assert_msg(script_stream_check(&s.sc) == NULL, "%s", s.sc.error);
	sess_free(&s);
}
END_TEST

/* Inside implicit TLS a silent server is only a timeout: no hint. */
START_TEST(test_silent_under_tls_no_hint)
{
	static const char *const silent[] = { "T" };
	struct sess s;
	struct result r;

	sess_start(&s, silent, 1, 0, SMTP_TLS_NONE);
	conn.tls = 1;
	s.cfg.reply_timeout_ms = 1000;
	ck_assert_int_eq(smtp_client_open(s.c, &r), -1);
	ck_assert_ptr_null(strstr(r.text, "tls implicit"));
	sess_free(&s);
}
END_TEST

/* A 421 greeting (read before EHLO) shows one status code, the server's. */
START_TEST(test_421_greeting_once)
{
	static const char *const steps[] = {
		"S:421 4.7.0 mx.test Error: too many connections from 127.0.0.1"
	};
	struct sess s;
	struct result r;
	char line[256];

	sess_start(&s, steps, NELEM(steps), 0, SMTP_TLS_NONE);
	ck_assert_int_eq(smtp_client_open(s.c, &r), -1);
	ck_assert_int_eq(r.code, 421);
	ck_assert_str_eq(r.status, "4.7.0");
	ck_assert_str_eq(result_format(&r, line, sizeof(line)),
	    "status=deferred "
	    "(421 4.7.0 mx.test Error: too many connections from 127.0.0.1)");
	ck_assert_msg(script_stream_check(&s.sc) == NULL, "%s", s.sc.error);
	sess_free(&s);
}
END_TEST

/* Exim: no ENHANCEDSTATUSCODES, "550 5.1.1" written anyway.  With
 * _i == 1 the server advertises the extension: the same results. */
START_TEST(test_enhanced_with_and_without_extension)
{
	static const char *const exim[] = { "S:220 exim.test ESMTP Exim 4.96",
		"C:EHLO client.test", "S:250-exim.test Hello\r\n250 HELP",
		"C:MAIL FROM:<s@x.test>", "S:250 OK", "C:RCPT TO:<a@x.test>",
		"S:550 5.1.1 <a@x.test>: rejected", "C:RCPT TO:<b@x.test>",
		"S:250 Accepted", "C:DATA", "S:354 Enter message", "B",
		"S:250 OK id=1tXyZa-0001", "C:QUIT", "S:221 bye" };
	static const char *const postfix[] = { "S:220 pf.test ESMTP",
		"C:EHLO client.test",
		"S:250-pf.test\r\n250 ENHANCEDSTATUSCODES",
		"C:MAIL FROM:<s@x.test>", "S:250 2.1.0 Ok",
		"C:RCPT TO:<a@x.test>", "S:550 5.1.1 <a@x.test>: rejected",
		"C:RCPT TO:<b@x.test>", "S:250 2.1.5 Ok", "C:DATA",
		"S:354 End data with <CR><LF>.<CR><LF>", "B",
		"S:250 2.0.0 Ok: queued as 4XyZ", "C:QUIT", "S:221 2.0.0 Bye" };
	struct sess s;
	struct smtp_msg m;
	struct result r;
	char line[256];

	sess_open(&s, _i == 0 ? exim : postfix,
	    _i == 0 ? NELEM(exim) : NELEM(postfix));
	msg_init(&m, two, 2);
	ck_assert_int_eq(send_msg(s.c, &m, "x\n", &r), 0);
	ck_assert_str_eq(s.x.rcpt[0].status, "5.1.1");
	ck_assert_int_eq(s.x.rcpt[0].status_derived, 0);
	ck_assert_str_eq(result_diagnostic(&s.x.rcpt[0], line, sizeof(line)),
	    "550 5.1.1 <a@x.test>: rejected");
	ck_assert_int_eq(result_action(&s.x.rcpt[0]), RESULT_ACTION_BOUNCE);
	ck_assert_int_eq(result_sysexit(&s.x.rcpt[0]), EX_NOUSER);
	ck_assert_str_eq(result_format(&s.x.rcpt[1], line, sizeof(line)),
	    _i == 0 ? "status=sent (250 OK id=1tXyZa-0001)" :
	              "status=sent (250 2.0.0 Ok: queued as 4XyZ)");
	sess_end(&s);
}
END_TEST

int
main(void)
{
	Suite *su = suite_create("smtp_client");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_stage_matrix, 0, NSTAGES * NFAULTS);
	tcase_add_loop_test(tc, test_pipelined_session, 0, 8);
	tcase_add_loop_test(tc, test_drop_anywhere, 0,
	    2 * (int)(sizeof(pipelined_bytes) + 64));
	tcase_add_test(tc, test_lost_after_dot_is_unknown);
	tcase_add_loop_test(tc, test_local_refusal, 0, NELEM(refusals));
	tcase_add_loop_test(tc, test_variant, 0, NELEM(variants));
	tcase_add_loop_test(tc, test_try_sender, 0, NELEM(senders));
	tcase_add_test(tc, test_all_rcpts_refused_then_rset);
	tcase_add_test(tc, test_pipelined_354_without_rcpts);
	tcase_add_test(tc, test_body_unreadable);
	tcase_add_test(tc, test_control_chars_refused);
	tcase_add_test(tc, test_dsn_only_when_offered);
	tcase_add_test(tc, test_state_names);
	tcase_add_loop_test(tc, test_trickled_greeting, 0, 2);
	tcase_add_test(tc, test_deadline_per_reply);
	tcase_add_test(tc, test_stalled_session_defers);
	tcase_add_loop_test(tc, test_tls_where_greeting_expected, 0, 2);
	tcase_add_test(tc, test_silent_under_tls_no_hint);
	tcase_add_test(tc, test_421_greeting_once);
	tcase_add_loop_test(tc, test_enhanced_with_and_without_extension, 0, 2);
	suite_add_tcase(su, tc);
	return check_main(su);
}
