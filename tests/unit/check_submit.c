/* check_submit.c — the submission engine (submit.h) on a temporary queue:
 * lines in, then what lands in the envelope and the queued message —
 * recipients with their ORCPT and NOTIFY through alias expansion, -t
 * extraction, -f / -F, the DSN and body fields — and that a refused
 * submission leaves nothing in the queue. */
#include "config.h"

#include <check.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "lib/check_main.h"
#include "lib/log.h"
#include "lib/tmpdir.h"
#include "lib/xalloc.h"
#include "message/rcpt.h"
#include "queue/envelope.h"
#include "queue/queue.h"
#include "rewrite/aliases.h"
#include "rewrite/rewrite.h"
#include "submit/submit.h"

static const char alias_text[] = "root: admin, bob@remote.test\n"
                                 "team: carol, dave@remote.test, admin\n";
static const char *const names[] = { "host", "host.example.org", NULL };

static struct queue q;
static struct aliases table = ALIASES_INIT;
static struct rewrite_ctx rw;
static struct identity id;
static char user[] = "alice", fullname[] = "Alice Example", host[] = "host",
            fqdn[] = "host.example.org";

static void
setup(void)
{
	struct err e;
	char *qdir;

	log_set_syslog(0);
	test_tmpdir_setup();
	qdir = xasprintf("%s/queue", test_dir);
	err_clear(&e);
	ck_assert_msg(queue_open(&q, qdir, getuid(), &e) == 0, "%s", e.msg);
	free(qdir);
	ck_assert_int_eq(aliases_parse(&table, "aliases", alias_text,
	                     strlen(alias_text), NULL, NULL, &e),
	    0);
	memset(&rw, 0, sizeof(rw));
	rw.qualify_domain = "example.org";
	rw.local_names = names;
	rw.aliases = &table;
	memset(&id, 0, sizeof(id));
	id.uid = getuid();
	id.gid = getgid();
	id.user = user;
	id.fullname = fullname;
	id.host = host;
	id.fqdn = fqdn;
}

static void
teardown(void)
{
	aliases_free(&table);
	queue_close(&q);
	test_tmpdir_teardown();
}

/* A context with the fixture's identity, rewriting and queue. */
static void
ctx_init(struct submit_ctx *c, const struct rcpt_list *given)
{
	memset(c, 0, sizeof(*c));
	c->id = &id;
	c->rw = &rw;
	c->queue = &q;
	c->rcpts = given;
	c->max_hops = 25;
	c->now = 1700000000;
}

static int
queue_empty(void)
{
	return test_count_entries(q.tmp) == 0 &&
	    test_count_entries(q.new) == 0 && test_count_entries(q.env) == 0;
}

/* The queued body of id, allocated. */
static char *
body_of(const char *qid)
{
	char *path = queue_body_path(&q, qid);
	struct buf b = BUF_INIT;
	char chunk[4096];
	ssize_t n;
	int fd = open(path, O_RDONLY);

	ck_assert_int_ge(fd, 0);
	while ((n = read(fd, chunk, sizeof(chunk))) > 0)
		buf_add(&b, chunk, (size_t)n);
	close(fd);
	free(path);
	return buf_steal(&b);
}

/* Submits text (lines separated by LF) with c.  Returns submit_end's
 * value; on success env holds the envelope read back from the queue and
 * *body the queued message (allocated). */
static int
submit_text(const struct submit_ctx *c, const char *text, struct envelope *env,
    char **body, struct err *e)
{
	struct submission *s;
	const char *p = text, *nl, *qid;
	int rc;

	envelope_init(env);
	*body = NULL;
	err_clear(e);
	s = submit_begin(c, e);
	ck_assert_msg(s != NULL, "%s", e->msg);
	for (rc = 0; rc == 0 && *p != '\0'; p = *nl ? nl + 1 : nl) {
		nl = strchr(p, '\n');
		if (nl == NULL)
			nl = p + strlen(p);
		rc = submit_line(s, p, (size_t)(nl - p), 1, e);
	}
	if (rc == 0)
		rc = submit_end(s, &qid, e);
	if (rc == 0) {
		ck_assert_int_eq(queue_env_read(&q, qid, env, e), 0);
		*body = body_of(qid);
	}
	submit_free(s);
	return rc;
}

static const char plain[] = "Subject: hi\n\nbody\n";

/* Each given address keeps the ORCPT and NOTIFY it was given with; an
 * argument naming several addresses gives each of them its parameters. */
START_TEST(test_given_dsn)
{
	struct rcpt_list given = RCPT_LIST_INIT;
	struct submit_ctx c;
	struct envelope env;
	struct err e;
	char *body;

	rcpt_list_add(&given, "bob@example.net", "rfc822;bob@example.net",
	    RCPT_NOTIFY_SUCCESS | RCPT_NOTIFY_FAILURE);
	rcpt_list_add(&given, "carol@x.test, Dave <dave@x.test>", NULL,
	    RCPT_NOTIFY_NEVER);
	rcpt_list_add(&given, "erin@x.test", NULL, 0);
	ctx_init(&c, &given);
	ck_assert_msg(submit_text(&c, plain, &env, &body, &e) == 0, "%s",
	    e.msg);
	ck_assert_uint_eq(env.nrcpt, 4);
	ck_assert_str_eq(env.rcpt[0].addr, "bob@example.net");
	ck_assert_str_eq(env.rcpt[0].orcpt, "rfc822;bob@example.net");
	ck_assert_uint_eq(env.rcpt[0].notify,
	    RCPT_NOTIFY_SUCCESS | RCPT_NOTIFY_FAILURE);
	ck_assert_str_eq(env.rcpt[1].addr, "carol@x.test");
	ck_assert_str_eq(env.rcpt[2].addr, "dave@x.test");
	ck_assert_ptr_null(env.rcpt[1].orcpt);
	ck_assert_uint_eq(env.rcpt[1].notify, RCPT_NOTIFY_NEVER);
	ck_assert_uint_eq(env.rcpt[2].notify, RCPT_NOTIFY_NEVER);
	ck_assert_str_eq(env.rcpt[3].addr, "erin@x.test");
	ck_assert_uint_eq(env.rcpt[3].notify, 0);
	ck_assert_int_eq(env.rcpt[3].state, RCPT_PENDING);
	ck_assert_ptr_null(env.rcpt[3].reply.text);
	envelope_free(&env);
	free(body);
	rcpt_list_free(&given);
}
END_TEST

/* Alias expansion: every address an alias gives keeps the DSN parameters
 * of the address given, and an address reached twice is queued once, with
 * the parameters of its first appearance. */
START_TEST(test_alias_dsn)
{
	struct rcpt_list given = RCPT_LIST_INIT;
	struct submit_ctx c;
	struct envelope env;
	struct err e;
	char *body;

	rcpt_list_add(&given, "root", "rfc822;root@example.org",
	    RCPT_NOTIFY_DELAY);
	rcpt_list_add(&given, "team", NULL, RCPT_NOTIFY_FAILURE);
	ctx_init(&c, &given);
	ck_assert_msg(submit_text(&c, plain, &env, &body, &e) == 0, "%s",
	    e.msg);
	ck_assert_uint_eq(env.nrcpt, 4);
	ck_assert_str_eq(env.rcpt[0].addr, "admin@example.org");
	ck_assert_str_eq(env.rcpt[1].addr, "bob@remote.test");
	ck_assert_str_eq(env.rcpt[2].addr, "carol@example.org");
	ck_assert_str_eq(env.rcpt[3].addr, "dave@remote.test");
	ck_assert_str_eq(env.rcpt[0].orcpt, "rfc822;root@example.org");
	ck_assert_str_eq(env.rcpt[1].orcpt, "rfc822;root@example.org");
	ck_assert_uint_eq(env.rcpt[0].notify, RCPT_NOTIFY_DELAY);
	ck_assert_uint_eq(env.rcpt[1].notify, RCPT_NOTIFY_DELAY);
	ck_assert_ptr_null(env.rcpt[2].orcpt);
	ck_assert_uint_eq(env.rcpt[2].notify, RCPT_NOTIFY_FAILURE);
	ck_assert_uint_eq(env.rcpt[3].notify, RCPT_NOTIFY_FAILURE);
	envelope_free(&env);
	free(body);
	rcpt_list_free(&given);
}
END_TEST

/* -t: To, Cc and Bcc recipients less the given ones, with -N's NOTIFY;
 * the Bcc header does not reach the queue. */
START_TEST(test_extract)
{
	static const char msg[] =
	    "To: Ann <ann@x.test>, root\n"
	    "Cc: ben@x.test\nBcc: secret@x.test\nSubject: t\n\nbody\n";
	struct rcpt_list given = RCPT_LIST_INIT;
	struct submit_ctx c;
	struct envelope env;
	struct err e;
	char *body;

	rcpt_list_add(&given, "ben@x.test", NULL, RCPT_NOTIFY_NEVER);
	ctx_init(&c, &given);
	c.extract_rcpts = 1;
	c.notify = RCPT_NOTIFY_SUCCESS;
	ck_assert_msg(submit_text(&c, msg, &env, &body, &e) == 0, "%s", e.msg);
	ck_assert_uint_eq(env.nrcpt, 4);
	ck_assert_str_eq(env.rcpt[0].addr, "ann@x.test");
	ck_assert_str_eq(env.rcpt[1].addr, "admin@example.org");
	ck_assert_str_eq(env.rcpt[2].addr, "bob@remote.test");
	ck_assert_str_eq(env.rcpt[3].addr, "secret@x.test");
	ck_assert_uint_eq(env.rcpt[0].notify, RCPT_NOTIFY_SUCCESS);
	ck_assert_uint_eq(env.rcpt[3].notify, RCPT_NOTIFY_SUCCESS);
	ck_assert_ptr_null(env.rcpt[0].orcpt);
	ck_assert_ptr_null(strstr(body, "secret"));
	ck_assert_ptr_nonnull(strstr(body, "\nCc: ben@x.test\n"));
	envelope_free(&env);
	free(body);
	rcpt_list_free(&given);
}
END_TEST

/* The envelope sender and the From: a message without one gets: -f,
 * -F, the user's own address and full name, and the null sender. */
static const struct {
	const char *sender, *full_name;
	const char *env_sender, *from;
	/* clang-format off */
} sender_cases[] = {
	{ NULL, NULL, "alice@example.org", "From: Alice Example <alice@example.org>\n" },
	{ "s@x.test", NULL, "s@x.test", "From: Alice Example <s@x.test>\n" },
	{ "s@x.test", "Fred", "s@x.test", "From: Fred <s@x.test>\n" },
	{ "Sam <sam@x.test>", NULL, "sam@x.test", "From: Sam <sam@x.test>\n" },
	{ "bob", NULL, "bob@example.org", "From: Alice Example <bob@example.org>\n" },
	{ "<>", NULL, "", "From: Alice Example <alice@example.org>\n" },
};
/* clang-format on */

START_TEST(test_sender)
{
	struct rcpt_list given = RCPT_LIST_INIT;
	struct submit_ctx c;
	struct envelope env;
	struct err e;
	char *body;

	rcpt_list_add(&given, "to@x.test", NULL, 0);
	ctx_init(&c, &given);
	c.sender = sender_cases[_i].sender;
	c.full_name = sender_cases[_i].full_name;
	ck_assert_msg(submit_text(&c, plain, &env, &body, &e) == 0, "%s",
	    e.msg);
	ck_assert_str_eq(env.sender, sender_cases[_i].env_sender);
	ck_assert_str_eq(env.user, "alice");
	ck_assert_uint_eq(env.uid, getuid());
	ck_assert_msg(strstr(body, sender_cases[_i].from) != NULL, "%s", body);
	envelope_free(&env);
	free(body);
	rcpt_list_free(&given);
}
END_TEST

/* RET, ENVID, the body type (declared, or 8BITMIME when the message has
 * 8-bit bytes), the UTF-8 header flag, the size as stored, the time. */
START_TEST(test_fields)
{
	static const char utf8[] = "Subject: caf\xc3\xa9\n\nplain\n";
	static const char latin1[] = "Subject: x\n\ncaf\xe9\n";
	struct rcpt_list given = RCPT_LIST_INIT;
	struct submit_ctx c;
	struct envelope env;
	struct err e;
	char *body;

	rcpt_list_add(&given, "to@x.test", NULL, 0);
	ctx_init(&c, &given);
	c.ret = ENVELOPE_RET_HDRS;
	c.envid = "QQ314159";
	c.body = ENVELOPE_BODY_7BIT;
	ck_assert_msg(submit_text(&c, plain, &env, &body, &e) == 0, "%s",
	    e.msg);
	ck_assert_int_eq(env.ret, ENVELOPE_RET_HDRS);
	ck_assert_str_eq(env.envid, "QQ314159");
	ck_assert_int_eq(env.body, ENVELOPE_BODY_7BIT);
	ck_assert_uint_eq(env.flags, 0);
	ck_assert_int_eq(env.created, 1700000000);
	ck_assert_uint_eq(env.size, strlen(body));
	ck_assert_ptr_nonnull(strstr(body, "\n\nbody\n"));
	envelope_free(&env);
	free(body);
	ck_assert_msg(submit_text(&c, utf8, &env, &body, &e) == 0, "%s", e.msg);
	ck_assert_uint_eq(env.flags, ENVELOPE_F_UTF8_HEADERS);
	ck_assert_int_eq(env.body, ENVELOPE_BODY_8BITMIME);
	envelope_free(&env);
	free(body);
	ck_assert_msg(submit_text(&c, latin1, &env, &body, &e) == 0, "%s",
	    e.msg);
	ck_assert_uint_eq(env.flags, 0);
	ck_assert_int_eq(env.body, ENVELOPE_BODY_8BITMIME);
	envelope_free(&env);
	free(body);
	rcpt_list_free(&given);
}
END_TEST

/* A header line given in pieces (eol = 0) is one line. */
START_TEST(test_pieces)
{
	struct rcpt_list given = RCPT_LIST_INIT;
	struct submit_ctx c;
	struct submission *s;
	struct envelope env;
	const char *qid;
	struct err e;
	char *body;

	rcpt_list_add(&given, "to@x.test", NULL, 0);
	ctx_init(&c, &given);
	s = submit_begin(&c, &e);
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(submit_line(s, "Subject: one ", 13, 0, &e), 0);
	ck_assert_int_eq(submit_line(s, "two", 3, 1, &e), 0);
	ck_assert_int_eq(submit_line(s, "", 0, 1, &e), 0);
	ck_assert_int_eq(submit_line(s, "bo", 2, 0, &e), 0);
	ck_assert_int_eq(submit_line(s, "dy", 2, 1, &e), 0);
	ck_assert_msg(submit_end(s, &qid, &e) == 0, "%s", e.msg);
	ck_assert_uint_eq(submit_recipients(s)->n, 1);
	ck_assert_str_eq(submit_recipients(s)->v[0].addr, "to@x.test");
	body = body_of(qid);
	ck_assert_ptr_nonnull(strstr(body, "Subject: one two\n"));
	ck_assert_ptr_nonnull(strstr(body, "\n\nbody\n"));
	ck_assert_int_eq(queue_env_read(&q, qid, &env, &e), 0);
	ck_assert_uint_eq(env.nrcpt, 1);
	envelope_free(&env);
	free(body);
	submit_free(s);
	rcpt_list_free(&given);
}
END_TEST

/* Refused submissions: the error, and nothing left in the queue. */
static const struct {
	const char *rcpt; /* NULL: none given */
	int extract;
	const char *text;
	int code;
	const char *msg; /* part of the message */
	                 /* clang-format off */
} refused[] = {
	{ NULL, 0, "Subject: x\n\nb\n", EX_USAGE, "no recipients given" },
	{ NULL, 1, "Subject: x\n\nb\n", EX_DATAERR, "no recipient addresses found" },
	{ "a@@x.test", 0, "Subject: x\n\nb\n", EX_DATAERR, "" },
	{ "to@x.test", 0, "Received: 1\nReceived: 2\nReceived: 3\n\nb\n",
	  EX_DATAERR, "mail loop" },
};
/* clang-format on */

START_TEST(test_refused)
{
	struct rcpt_list given = RCPT_LIST_INIT;
	struct submit_ctx c;
	struct envelope env;
	struct err e;
	char *body;

	if (refused[_i].rcpt != NULL)
		rcpt_list_add(&given, refused[_i].rcpt, NULL, 0);
	ctx_init(&c, &given);
	c.extract_rcpts = refused[_i].extract;
	c.max_hops = 3;
	ck_assert_int_eq(submit_text(&c, refused[_i].text, &env, &body, &e),
	    -1);
	ck_assert_int_eq(e.code, refused[_i].code);
	ck_assert_msg(strstr(e.msg, refused[_i].msg) != NULL, "%s", e.msg);
	ck_assert(queue_empty());
	envelope_free(&env);
	rcpt_list_free(&given);
}
END_TEST

/* A submission freed before submit_end leaves nothing behind. */
START_TEST(test_abandoned)
{
	struct rcpt_list given = RCPT_LIST_INIT;
	struct submit_ctx c;
	struct submission *s;
	struct err e;

	rcpt_list_add(&given, "to@x.test", NULL, 0);
	ctx_init(&c, &given);
	s = submit_begin(&c, &e);
	ck_assert_ptr_nonnull(s);
	ck_assert_int_eq(test_count_entries(q.tmp), 1);
	ck_assert_int_eq(submit_line(s, "Subject: x", 10, 1, &e), 0);
	ck_assert_int_eq(submit_line(s, "", 0, 1, &e), 0);
	ck_assert_int_eq(submit_line(s, "half", 4, 1, &e), 0);
	submit_free(s);
	ck_assert(queue_empty());
	rcpt_list_free(&given);
}
END_TEST

int
main(void)
{
	Suite *su = suite_create("submit");
	TCase *tc = tcase_create("core");

	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_given_dsn);
	tcase_add_test(tc, test_alias_dsn);
	tcase_add_test(tc, test_extract);
	tcase_add_loop_test(tc, test_sender, 0, TEST_NELEM(sender_cases));
	tcase_add_test(tc, test_fields);
	tcase_add_test(tc, test_pieces);
	tcase_add_loop_test(tc, test_refused, 0, TEST_NELEM(refused));
	tcase_add_test(tc, test_abandoned);
	suite_add_tcase(su, tc);
	return check_main(su);
}
