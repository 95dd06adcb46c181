/* check_flush.c — a whole relayq-flush run over a real queue in a
 * temporary directory against scripted peers (one script per connection,
 * through flush_opts.connect): recipients in several transactions, 452
 * 4.5.3 for some RCPTs, sessions the server closes (421 after MAIL, a
 * reset between messages) or limits (452 4.5.3 on a later message), a
 * server that answers 421 every time, and a crash between transactions.
 * Each script lists every line the client must send, so a recipient sent
 * twice or a transaction out of place fails the script. */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "conf.h"
#include "envelope.h"
#include "flush.h"
#include "identity.h"
#include "log.h"
#include "queue.h"
#include "resolver.h"
#include "xalloc.h"
#include "lib/check_main.h"
#include "lib/script_stream.h"
#include "lib/tmpdir.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define MAXPEERS 16
#define MAXMSGS 16

/* ---- the network: one script per connection ----------------------------- */

struct peer {
	const char *const *steps;
	size_t n;
};

struct net {
	const struct peer *peers;
	size_t npeers, used;
	struct script_stream sc[MAXPEERS];
};

static int
fake_connect(void *ctx, const char *host, struct stream *s, struct err *e)
{
	struct net *n = ctx;
	struct script_stream *sc;

	if (n->used >= n->npeers || n->used >= MAXPEERS)
		return err_set(e, EX_TEMPFAIL, "connection to %s refused "
		    "(connection %zu: no script)", host, n->used + 1);
	sc = &n->sc[n->used];
	script_stream_init(sc, n->peers[n->used].steps, n->peers[n->used].n);
	script_stream_attach(sc, s);
	n->used++;
	return 0;
}

static int
fake_mx(void *ctx, const char *name, struct resolver_mx_list *out, struct err *e)
{
	(void)ctx;
	(void)out;
	return err_set(e, EX_NOHOST, "no MX lookup expected for %s", name);
}

static int
fake_addrs(void *ctx, const char *host, unsigned port, int family,
    struct resolver_addr_list *out, struct err *e)
{
	struct sockaddr_in *sin;

	(void)ctx;
	(void)host;
	(void)family;
	(void)e;
	out->v = xcalloc(1, sizeof(*out->v));
	out->n = 1;
	sin = (struct sockaddr_in *)&out->v[0].ss;
	sin->sin_family = AF_INET;
	sin->sin_port = htons((unsigned short)port);
	sin->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	out->v[0].len = sizeof(*sin);
	return 1;
}

static const struct resolver_ops fake_resolver = { fake_mx, fake_addrs };

/* ---- a queue, a configuration, a run ------------------------------------ */

struct fx {
	struct conf conf;
	struct identity id;
	struct queue q;
	struct resolver res;
	struct net net;
	struct flush_opts o;
	struct flush_stats st;
	char ids[MAXMSGS][32];
	size_t nids;
	char user[8], host[8], fqdn[16];
};

static void
fx_init(struct fx *x, const char *conftext, const struct peer *peers,
    size_t npeers)
{
	char *qdir;
	struct err e;

	memset(x, 0, sizeof(*x));
	snprintf(x->user, sizeof(x->user), "tester");
	snprintf(x->host, sizeof(x->host), "client");
	snprintf(x->fqdn, sizeof(x->fqdn), "client.test");
	test_tmpdir_setup();
	setenv("HOME", test_dir, 1);
	setenv("XDG_CONFIG_HOME", test_dir, 1);
	log_set_syslog(0);
	conf_init(&x->conf);
	ck_assert_msg(conf_parse(&x->conf, "test", conftext, strlen(conftext),
	    &e) == 0, "%s", e.msg);
	qdir = xasprintf("%s/queue", test_dir);
	ck_assert_msg(queue_open(&x->q, qdir, getuid(), &e) == 0, "%s", e.msg);
	free(qdir);
	x->id.uid = getuid();
	x->id.user = x->user;
	x->id.host = x->host;
	x->id.fqdn = x->fqdn;
	x->res.ops = &fake_resolver;
	x->net.peers = peers;
	x->net.npeers = npeers;
	x->o.conf = &x->conf;
	x->o.id = &x->id;
	x->o.queue = &x->q;
	x->o.resolver = &x->res;
	x->o.connect = fake_connect;
	x->o.connect_ctx = &x->net;
}

static void
fx_free(struct fx *x)
{
	size_t i;

	for (i = 0; i < x->net.used; i++)
		script_stream_free(&x->net.sc[i]);
	queue_close(&x->q);
	conf_free(&x->conf);
	test_tmpdir_teardown();
}

/* Queues a message from s@x.test to the n recipients. */
static void
fx_queue(struct fx *x, const char *const *rcpts, size_t n)
{
	static const char body[] = "Subject: t\n\nbody\n";
	struct queue_msg m;
	struct envelope env;
	struct err e;
	size_t i;

	ck_assert_uint_lt(x->nids, MAXMSGS);
	ck_assert_int_eq(queue_msg_create(&x->q, &m, &e), 0);
	ck_assert_int_eq(write(m.body.fd, body, sizeof(body) - 1),
	    (ssize_t)sizeof(body) - 1);
	envelope_init(&env);
	envelope_set(&env.sender, "s@x.test");
	env.created = time(NULL);
	for (i = 0; i < n; i++)
		envelope_add_rcpt(&env, rcpts[i]);
	ck_assert_msg(queue_msg_commit(&x->q, &m, &env, &e) == 0, "%s", e.msg);
	snprintf(x->ids[x->nids++], sizeof(x->ids[0]), "%s", env.id);
	envelope_free(&env);
	/* ids order messages by arrival: keep them apart */
	usleep(2000);
}

/* Runs relayq-flush once; every script must have been played in full. */
static void
fx_run(struct fx *x)
{
	struct err e;
	size_t i;

	ck_assert_msg(flush_run(&x->o, &x->st, &e) == 0, "%s", e.msg);
	for (i = 0; i < x->net.used; i++) {
		const char *why = script_stream_check(&x->net.sc[i]);

		ck_assert_msg(why == NULL, "connection %zu: %s", i + 1, why);
		ck_assert_int_eq(x->net.sc[i].closed, 1);
	}
}

/* The state of recipient addr of message k ("gone": the message left the
 * queue). */
static const char *
fx_state(struct fx *x, size_t k, const char *addr)
{
	static char out[32];
	struct envelope env;
	struct err e;
	size_t i;

	envelope_init(&env);
	if (queue_env_read(&x->q, x->ids[k], &env, &e) < 0) {
		envelope_free(&env);
		return "gone";
	}
	snprintf(out, sizeof(out), "absent");
	for (i = 0; i < env.nrcpt; i++)
		if (strcmp(env.rcpt[i].addr, addr) == 0)
			snprintf(out, sizeof(out), "%s",
			    envelope_state_name(env.rcpt[i].state));
	envelope_free(&env);
	return out;
}

/* ---- scripts ------------------------------------------------------------- */

#define HELLO "S:220 mx.test ESMTP", "C:EHLO client.test", "S:250 mx.test"
#define BYE "C:QUIT", "S:221 bye"
#define MAIL "C:MAIL FROM:<s@x.test>", "S:250 ok"
#define TO(a) "C:RCPT TO:<" a ">", "S:250 ok"
#define DATA "C:DATA", "S:354 go", "B", "S:250 2.0.0 queued"
#define RSET "C:RSET", "S:250 ok"

static const char *const conf_plain =
	"smarthost [mx.test]:25\ntls none\nmax_recipients 0\n";

/* 421 after MAIL on the second message: it goes at once over a new
 * session, and the server's limit (one message) is learned, so the third
 * message gets a session of its own without meeting the 421. */
static const char *const s421a[] = { HELLO, MAIL, TO("a@x.test"), DATA,
	"C:RSET", "S:250 ok", "C:MAIL FROM:<s@x.test>",
	"S:421 4.7.0 mx.test too many messages in this session" };
static const char *const s421b[] = { HELLO, MAIL, TO("b@x.test"), DATA, BYE };
static const char *const s421c[] = { HELLO, MAIL, TO("c@x.test"), DATA, BYE };

START_TEST(test_421_after_mail)
{
	static const struct peer peers[] = { { s421a, NELEM(s421a) },
	    { s421b, NELEM(s421b) }, { s421c, NELEM(s421c) } };
	static const char *const a[] = { "a@x.test" }, *const b[] = { "b@x.test" },
	    *const c[] = { "c@x.test" };
	struct fx x;

	fx_init(&x, conf_plain, peers, NELEM(peers));
	fx_queue(&x, a, 1);
	fx_queue(&x, b, 1);
	fx_queue(&x, c, 1);
	fx_run(&x);
	ck_assert_uint_eq(x.net.used, 3);
	ck_assert_uint_eq(x.st.sessions, 3);
	ck_assert_uint_eq(x.st.sent, 3);
	ck_assert_uint_eq(x.st.deferred, 0);
	ck_assert_str_eq(fx_state(&x, 1, "b@x.test"), "gone");
	ck_assert_int_eq(x.st.exit_code, EX_OK);
	fx_free(&x);
}
END_TEST

/* The connection is reset between messages (the RSET finds it gone): the
 * second message goes over a new session in the same run. */
static const char *const sreset_a[] = { HELLO, MAIL, TO("a@x.test"), DATA, "D" };
static const char *const sreset_b[] = { HELLO, MAIL, TO("b@x.test"), DATA, BYE };

START_TEST(test_reset_between_messages)
{
	static const struct peer peers[] = { { sreset_a, NELEM(sreset_a) },
	    { sreset_b, NELEM(sreset_b) } };
	static const char *const a[] = { "a@x.test" }, *const b[] = { "b@x.test" };
	struct fx x;

	fx_init(&x, conf_plain, peers, NELEM(peers));
	fx_queue(&x, a, 1);
	fx_queue(&x, b, 1);
	fx_run(&x);
	ck_assert_uint_eq(x.st.sessions, 2);
	ck_assert_uint_eq(x.st.sent, 2);
	ck_assert_uint_eq(x.st.deferred, 0);
	ck_assert_str_eq(fx_state(&x, 0, "a@x.test"), "gone");
	ck_assert_str_eq(fx_state(&x, 1, "b@x.test"), "gone");
	fx_free(&x);
}
END_TEST

/* 452 4.5.3 for some RCPTs after two were accepted: the message goes to
 * those two, then to the rest in transactions of two (the limit learned)
 * over the same session; each recipient is sent exactly once. */
#define TOOMANY(a) "C:RCPT TO:<" a ">", "S:452 4.5.3 Error: too many recipients"
static const char *const s452[] = { HELLO,
	MAIL, TO("r1@x.test"), TO("r2@x.test"), TOOMANY("r3@x.test"),
	TOOMANY("r4@x.test"), TOOMANY("r5@x.test"), DATA,
	RSET, MAIL, TO("r3@x.test"), TO("r4@x.test"), DATA,
	RSET, MAIL, TO("r5@x.test"), DATA, BYE };
static const char *const five[] = { "r1@x.test", "r2@x.test", "r3@x.test",
	"r4@x.test", "r5@x.test" };

START_TEST(test_452_some_rcpts)
{
	static const struct peer peers[] = { { s452, NELEM(s452) } };
	struct fx x;

	fx_init(&x, conf_plain, peers, NELEM(peers));
	fx_queue(&x, five, 5);
	fx_run(&x);
	ck_assert_uint_eq(x.st.sessions, 1);
	ck_assert_uint_eq(x.st.sent, 1);
	ck_assert_uint_eq(x.st.deferred, 0);
	ck_assert_str_eq(fx_state(&x, 0, "r1@x.test"), "gone");
	ck_assert_uint_eq(x.net.sc[0].body.len, 3 * strlen("Subject: t\r\n\r\nbody\r\n.\r\n"));
	fx_free(&x);
}
END_TEST

/* max_recipients splits a message before the server has to refuse. */
static const char *const ssplit[] = { HELLO,
	MAIL, TO("r1@x.test"), TO("r2@x.test"), DATA,
	RSET, MAIL, TO("r3@x.test"), TO("r4@x.test"), DATA,
	RSET, MAIL, TO("r5@x.test"), DATA, BYE };

START_TEST(test_max_recipients)
{
	static const struct peer peers[] = { { ssplit, NELEM(ssplit) } };
	struct fx x;

	fx_init(&x, "smarthost [mx.test]:25\ntls none\nmax_recipients 2\n",
	    peers, NELEM(peers));
	fx_queue(&x, five, 5);
	fx_run(&x);
	ck_assert_uint_eq(x.st.sent, 1);
	ck_assert_str_eq(fx_state(&x, 0, "r5@x.test"), "gone");
	fx_free(&x);
}
END_TEST

/* A crash between two transactions of one message: the next run sends
 * only to the recipients the first run had not finished. */
static const char *const scrash1[] = { HELLO,
	MAIL, TO("r1@x.test"), TO("r2@x.test"), DATA, "X" };
static const char *const scrash2[] = { HELLO,
	MAIL, TO("r3@x.test"), TO("r4@x.test"), DATA,
	RSET, MAIL, TO("r5@x.test"), DATA, BYE };

START_TEST(test_crash_between_transactions)
{
	static const struct peer first[] = { { scrash1, NELEM(scrash1) } };
	static const struct peer second[] = { { scrash2, NELEM(scrash2) } };
	struct fx x;
	pid_t pid;
	int status;

	fx_init(&x, "smarthost [mx.test]:25\ntls none\nmax_recipients 2\n",
	    first, NELEM(first));
	fx_queue(&x, five, 5);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct err e;

		flush_run(&x.o, &x.st, &e);
		_exit(0);
	}
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert(WIFEXITED(status));
	ck_assert_int_eq(WEXITSTATUS(status), SCRIPT_CRASH_EXIT);
	ck_assert_str_eq(fx_state(&x, 0, "r1@x.test"), "done");
	ck_assert_str_eq(fx_state(&x, 0, "r2@x.test"), "done");
	ck_assert_str_eq(fx_state(&x, 0, "r3@x.test"), "pending");
	ck_assert_str_eq(fx_state(&x, 0, "r5@x.test"), "pending");
	x.net.peers = second;
	x.net.npeers = NELEM(second);
	x.net.used = 0;
	x.o.force = 1;
	fx_run(&x);
	ck_assert_uint_eq(x.st.sent, 1);
	ck_assert_str_eq(fx_state(&x, 0, "r5@x.test"), "gone");
	fx_free(&x);
}
END_TEST

/* 452 4.5.3 with none accepted on the second message of a session (a
 * per-session message limit, as OpenSMTPD's): a new session, the message
 * retried at once, the limit learned for the third. */
static const char *const slim_a[] = { HELLO, MAIL, TO("a@x.test"), DATA,
	RSET, MAIL, "C:RCPT TO:<b@x.test>", "S:452 4.5.3 Too many messages sent",
	BYE };
static const char *const slim_b[] = { HELLO, MAIL, TO("b@x.test"), DATA, BYE };
static const char *const slim_c[] = { HELLO, MAIL, TO("c@x.test"), DATA, BYE };

START_TEST(test_452_session_limit)
{
	static const struct peer peers[] = { { slim_a, NELEM(slim_a) },
	    { slim_b, NELEM(slim_b) }, { slim_c, NELEM(slim_c) } };
	static const char *const a[] = { "a@x.test" }, *const b[] = { "b@x.test" },
	    *const c[] = { "c@x.test" };
	struct fx x;

	fx_init(&x, conf_plain, peers, NELEM(peers));
	fx_queue(&x, a, 1);
	fx_queue(&x, b, 1);
	fx_queue(&x, c, 1);
	fx_run(&x);
	ck_assert_uint_eq(x.st.sessions, 3);
	ck_assert_uint_eq(x.st.sent, 3);
	ck_assert_uint_eq(x.st.deferred, 0);
	fx_free(&x);
}
END_TEST

/* The same reply on the first message of a session is not a session
 * limit: that recipient is deferred (a temporary failure). */
static const char *const sfirst[] = { HELLO, MAIL,
	"C:RCPT TO:<a@x.test>", "S:452 4.5.3 Too many messages sent", BYE };

START_TEST(test_452_first_message_defers)
{
	static const struct peer peers[] = { { sfirst, NELEM(sfirst) } };
	static const char *const a[] = { "a@x.test" };
	struct fx x;

	fx_init(&x, conf_plain, peers, NELEM(peers));
	fx_queue(&x, a, 1);
	fx_run(&x);
	ck_assert_uint_eq(x.st.sessions, 1);
	ck_assert_uint_eq(x.st.deferred, 1);
	ck_assert_str_eq(fx_state(&x, 0, "a@x.test"), "pending");
	ck_assert_int_eq(x.st.exit_code, EX_TEMPFAIL);
	fx_free(&x);
}
END_TEST

/* Other 452s (mailbox full, no storage) stay per-recipient temporary
 * failures: the others are delivered, no new transaction for them. */
static const char *const sfull[] = { HELLO, MAIL, TO("a@x.test"),
	"C:RCPT TO:<b@x.test>", "S:452 4.2.2 mailbox full",
	"C:RCPT TO:<c@x.test>", "S:452 4.3.1 insufficient system storage",
	DATA, BYE };

START_TEST(test_452_other_codes)
{
	static const struct peer peers[] = { { sfull, NELEM(sfull) } };
	static const char *const abc[] = { "a@x.test", "b@x.test", "c@x.test" };
	struct fx x;

	fx_init(&x, conf_plain, peers, NELEM(peers));
	fx_queue(&x, abc, 3);
	fx_run(&x);
	ck_assert_str_eq(fx_state(&x, 0, "a@x.test"), "done");
	ck_assert_str_eq(fx_state(&x, 0, "b@x.test"), "pending");
	ck_assert_str_eq(fx_state(&x, 0, "c@x.test"), "pending");
	ck_assert_uint_eq(x.st.deferred, 1);
	fx_free(&x);
}
END_TEST

/* Postfix past its recipient limit: 452 4.5.3, then "421 too many
 * errors" before DATA.  Nothing was delivered, but the limit was learned:
 * the message goes again at once, in transactions of what was accepted. */
static const char *const spf_a[] = { HELLO, MAIL, TO("r1@x.test"),
	TO("r2@x.test"), TOOMANY("r3@x.test"),
	"C:RCPT TO:<r4@x.test>", "S:421 4.7.0 mx.test Error: too many errors" };
static const char *const spf_b[] = { HELLO,
	MAIL, TO("r1@x.test"), TO("r2@x.test"), DATA,
	RSET, MAIL, TO("r3@x.test"), TO("r4@x.test"), DATA,
	RSET, MAIL, TO("r5@x.test"), DATA, BYE };

START_TEST(test_452_then_421)
{
	static const struct peer peers[] = { { spf_a, NELEM(spf_a) },
	    { spf_b, NELEM(spf_b) } };
	struct fx x;

	fx_init(&x, conf_plain, peers, NELEM(peers));
	fx_queue(&x, five, 5);
	fx_run(&x);
	ck_assert_uint_eq(x.st.sessions, 2);
	ck_assert_uint_eq(x.st.sent, 1);
	ck_assert_str_eq(fx_state(&x, 0, "r1@x.test"), "gone");
	fx_free(&x);
}
END_TEST

/* A server that answers 421 to every MAIL: each message is deferred, not
 * retried at once (its session carried nothing), and the run stops
 * opening sessions after FLUSH_MAX_RECONNECTS (10) reconnects: 11
 * sessions for 14 messages, the last 3 deferred without a connection. */
static const char *const sno[] = { HELLO, "C:MAIL FROM:<s@x.test>",
	"S:421 4.3.2 mx.test service shutting down" };

START_TEST(test_421_every_time_capped)
{
	static struct peer peers[MAXPEERS];
	static const char *const a[] = { "a@x.test" };
	struct fx x;
	size_t i;

	for (i = 0; i < MAXPEERS; i++) {
		peers[i].steps = sno;
		peers[i].n = NELEM(sno);
	}
	fx_init(&x, conf_plain, peers, MAXPEERS);
	for (i = 0; i < 14; i++)
		fx_queue(&x, a, 1);
	fx_run(&x);
	ck_assert_uint_eq(x.net.used, 11);
	ck_assert_uint_eq(x.st.sessions, 11);
	ck_assert_uint_eq(x.st.deferred, 14);
	ck_assert_uint_eq(x.st.bounced, 0);
	ck_assert_int_eq(x.st.exit_code, EX_TEMPFAIL);
	for (i = 0; i < 14; i++)
		ck_assert_str_eq(fx_state(&x, i, "a@x.test"), "pending");
	fx_free(&x);
}
END_TEST

/* max_messages_per_connection still opens a new session after that many
 * messages (a planned reconnect: no reconnect counted, nothing deferred). */
static const char *const smax_a[] = { HELLO, MAIL, TO("a@x.test"), DATA, BYE };
static const char *const smax_b[] = { HELLO, MAIL, TO("b@x.test"), DATA, BYE };

START_TEST(test_max_messages_per_connection)
{
	static const struct peer peers[] = { { smax_a, NELEM(smax_a) },
	    { smax_b, NELEM(smax_b) } };
	static const char *const a[] = { "a@x.test" }, *const b[] = { "b@x.test" };
	struct fx x;

	fx_init(&x, "smarthost [mx.test]:25\ntls none\n"
	    "max_messages_per_connection 1\n", peers, NELEM(peers));
	fx_queue(&x, a, 1);
	fx_queue(&x, b, 1);
	fx_run(&x);
	ck_assert_uint_eq(x.st.sessions, 2);
	ck_assert_uint_eq(x.st.sent, 2);
	fx_free(&x);
}
END_TEST

int
main(void)
{
	Suite *su = suite_create("flush");
	TCase *tc = tcase_create("core");

	tcase_set_timeout(tc, 30);
	tcase_add_test(tc, test_421_after_mail);
	tcase_add_test(tc, test_reset_between_messages);
	tcase_add_test(tc, test_452_some_rcpts);
	tcase_add_test(tc, test_max_recipients);
	tcase_add_test(tc, test_crash_between_transactions);
	tcase_add_test(tc, test_452_session_limit);
	tcase_add_test(tc, test_452_first_message_defers);
	tcase_add_test(tc, test_452_other_codes);
	tcase_add_test(tc, test_452_then_421);
	tcase_add_test(tc, test_421_every_time_capped);
	tcase_add_test(tc, test_max_messages_per_connection);
	suite_add_tcase(su, tc);
	return check_main(su);
}
