/* check_queue_all.c — root's view of the machine's queues: the listing
 * with owners, JSON with uid/user, the summary as text, JSON, Prometheus
 * and OpenMetrics (checked by a small exposition-format validator), the
 * framing of what a queue's owner sends back, and — as root — real spool
 * queues of other uids read and changed through children that dropped
 * to their owners, with a FIFO and a symlink planted in one of them. */
#include "config.h"

#include <check.h>
#include <ctype.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "lib/check_main.h"
#include "lib/log.h"
#include "lib/strv.h"
#include "lib/tmpdir.h"
#include "lib/xalloc.h"
#include "queue/queue_all.h"
#include "queue/queue_view.h"

#define T0 1606039200 /* Sun Nov 22 10:00:00 2020 UTC */

/* ---- fixtures: views built in memory ------------------------------------- */

/* clang-format off */
static struct queue_all_q qs[3] = {
	{ 0, 0, (char *)"root", (char *)"/var/spool/relayq/0", 1, 0, 0 },
	{ 1001, 1001, (char *)"alice", (char *)"/var/spool/relayq/1001", 0, 0, 1 },
	{ 64999, 64999, NULL, (char *)"/var/spool/relayq/64999", 0, 0, 2 },
};
/* clang-format on */

static void
add_msg(struct queue_all_msgs *m, const char *id, time_t created,
    unsigned flags, unsigned attempts, const char *damaged)
{
	struct queue_all_msg *g;

	m->v = xreallocarray(m->v, m->n + 1, sizeof(*m->v));
	g = &m->v[m->n++];
	memset(g, 0, sizeof(*g));
	snprintf(g->id, sizeof(g->id), "%s", id);
	envelope_init(&g->env);
	if (damaged != NULL) {
		g->damaged = xstrdup(damaged);
		return;
	}
	envelope_set(&g->env.id, id);
	envelope_set(&g->env.sender, "a@example.com");
	g->env.created = created;
	g->env.size = 1000;
	g->env.flags = flags;
	g->env.attempts = attempts;
	envelope_add_rcpt(&g->env, "b@example.org");
}

/* root: one message; alice: a held one and a deferred one; uid 64999
 * (no passwd entry): one damaged envelope. */
static void
views(struct queue_view *v)
{
	memset(v, 0, 3 * sizeof(*v));
	v[0].q = &qs[0];
	v[1].q = &qs[1];
	v[2].q = &qs[2];
	add_msg(&v[0].msgs, "1A2B3C4D50", T0, 0, 0, NULL);
	add_msg(&v[1].msgs, "1A2B3C4D60", T0 - 600, ENVELOPE_F_HELD, 0, NULL);
	add_msg(&v[1].msgs, "1A2B3C4D70", T0 - 60, 0, 2, NULL);
	add_msg(&v[2].msgs, "1A2B3C4D80", 0, 0, 0, "refusing damaged envelope");
}

static void
setup(void)
{
	log_set_syslog(0);
	setenv("TZ", "UTC0", 1);
	tzset();
}

#define HDR \
	"-Queue ID-  --Size-- ----Arrival Time---- -Owner-- -Sender/Recipient-------\n"
#define IND "                                                  "

START_TEST(test_list_owners)
{
	struct queue_view v[3];
	struct buf b = BUF_INIT;

	views(v);
	queue_view_list(&b, v, 3, 1);
	ck_assert_str_eq(buf_cstr(&b),
	    HDR
	    "1A2B3C4D50      1000 Sun Nov 22 10:00:00  root     a@example.com\n" IND
	    "b@example.org\n\n"
	    "1A2B3C4D60!     1000 Sun Nov 22 09:50:00  alice    a@example.com\n" IND
	    "b@example.org\n\n"
	    "1A2B3C4D70      1000 Sun Nov 22 09:59:00  alice    a@example.com\n" IND
	    "b@example.org\n\n"
	    "1A2B3C4D80  64999    (damaged envelope: refusing damaged envelope)\n\n"
	    "-- 3 Kbytes in 4 Requests.\n");
	buf_reset(&b);
	/* A user's view: no owner column. */
	queue_view_list(&b, v + 1, 1, 0);
	ck_assert_str_eq(buf_cstr(&b),
	    "-Queue ID-  --Size-- ----Arrival Time---- -Sender/Recipient-------\n"
	    "1A2B3C4D60!     1000 Sun Nov 22 09:50:00  a@example.com\n"
	    "                                         b@example.org\n\n"
	    "1A2B3C4D70      1000 Sun Nov 22 09:59:00  a@example.com\n"
	    "                                         b@example.org\n\n"
	    "-- 2 Kbytes in 2 Requests.\n");
	buf_reset(&b);
	queue_view_list(&b, v, 0, 1);
	ck_assert_str_eq(buf_cstr(&b), "Mail queue is empty\n");
	queue_view_free(v, 3);
	buf_free(&b);
}
END_TEST

START_TEST(test_json_owner)
{
	struct queue_view v[3];
	struct buf b = BUF_INIT;
	char *l2, *l4;

	views(v);
	queue_view_json(&b, v, 3);
	l2 = strchr(buf_cstr(&b), '\n') + 1;
	l4 = strstr(l2, "{\"id\":\"1A2B3C4D80\"");
	ck_assert_ptr_nonnull(l4);
	ck_assert_ptr_nonnull(strstr(buf_cstr(&b),
	    "\"recipients\":[{\"address\":"
	    "\"b@example.org\",\"state\":\"pending\",\"attempts\":0,\"last_reply\""
	    ":null}],\"uid\":0,\"user\":\"root\"}\n{\"id\":\"1A2B3C4D60\""));
	ck_assert(strncmp(l2, "{\"id\":\"1A2B3C4D60\"", 18) == 0);
	ck_assert_str_eq(l4,
	    "{\"id\":\"1A2B3C4D80\",\"damaged\":true,\"error\":"
	    "\"refusing damaged envelope\",\"uid\":64999,\"user\":null}\n");
	ck_assert_ptr_nonnull(
	    strstr(l2, ",\"uid\":1001,\"user\":\"alice\"}\n"));
	queue_view_free(v, 3);
	buf_free(&b);
}
END_TEST

START_TEST(test_summary_text)
{
	struct queue_view v[3];
	struct buf b = BUF_INIT;

	views(v);
	v[2].unreadable = 1;
	queue_view_summary(&b, v, 3, QUEUE_VIEW_TEXT, 1, 0, T0 + 5);
	ck_assert_str_eq(buf_cstr(&b),
	    "messages: 3\nrecipients_pending: 3\nheld: 1\ndeferred: 1\n"
	    "maybe_delivered: 0\ndamaged: 1\noldest_age_seconds: 605\n"
	    "\nuid: 0\nuser: root\n"
	    "messages: 1\nrecipients_pending: 1\nheld: 0\ndeferred: 0\n"
	    "maybe_delivered: 0\ndamaged: 0\noldest_age_seconds: 5\n"
	    "\nuid: 1001\nuser: alice\n"
	    "messages: 2\nrecipients_pending: 2\nheld: 1\ndeferred: 1\n"
	    "maybe_delivered: 0\ndamaged: 0\noldest_age_seconds: 605\n"
	    "\nuid: 64999\nuser: 64999\nreadable: no\n"
	    "messages: 0\nrecipients_pending: 0\nheld: 0\ndeferred: 0\n"
	    "maybe_delivered: 0\ndamaged: 1\noldest_age_seconds: 0\n");
	buf_reset(&b);
	/* A user's summary is the totals alone, as before. */
	queue_view_summary(&b, v + 1, 1, QUEUE_VIEW_TEXT, 0, 0, T0 + 5);
	ck_assert_str_eq(buf_cstr(&b),
	    "messages: 2\nrecipients_pending: 2\nheld: 1\ndeferred: 1\n"
	    "maybe_delivered: 0\ndamaged: 0\noldest_age_seconds: 605\n");
	queue_view_free(v, 3);
	buf_free(&b);
}
END_TEST

START_TEST(test_summary_json)
{
	struct queue_view v[3];
	struct buf b = BUF_INIT;

	views(v);
	/* Root's two queues (personal and spool) are one owner. */
	v[1].q = &qs[0];
	queue_view_summary(&b, v, 3, QUEUE_VIEW_JSON, 1, 7, T0);
	ck_assert_str_eq(buf_cstr(&b),
	    "{\"messages\":3,\"recipients_pending\":3,\"held\":1,\"deferred\":1,"
	    "\"maybe_delivered\":0,\"damaged\":1,\"oldest_age_seconds\":600,"
	    "\"skipped_spool_entries\":7,\"owners\":["
	    "{\"uid\":0,\"user\":\"root\",\"readable\":true,\"messages\":3,"
	    "\"recipients_pending\":3,\"held\":1,\"deferred\":1,"
	    "\"maybe_delivered\":0,\"damaged\":0,\"oldest_age_seconds\":600},"
	    "{\"uid\":64999,\"user\":null,\"readable\":true,\"messages\":0,"
	    "\"recipients_pending\":0,\"held\":0,\"deferred\":0,"
	    "\"maybe_delivered\":0,\"damaged\":1,\"oldest_age_seconds\":0}]}\n");
	queue_view_free(v, 3);
	buf_free(&b);
}
END_TEST

/* ---- a small validator of the text exposition formats -------------------- */

static int
metric_name(const char **p)
{
	const char *s = *p;

	if (!isalpha((unsigned char)*s) && *s != '_' && *s != ':')
		return 0;
	while (isalnum((unsigned char)*s) || *s == '_' || *s == ':')
		s++;
	*p = s;
	return 1;
}

/* Checks one sample line of family fam; appends its series to seen.
 * Returns NULL or what is wrong. */
static const char *
check_sample(const char *l, const char *fam, struct strv *seen)
{
	const char *p = l, *start = l;
	char *series, *end;

	if (!metric_name(&p))
		return "bad metric name";
	if ((size_t)(p - start) != strlen(fam) ||
	    strncmp(start, fam, strlen(fam)) != 0)
		return "sample outside its family";
	if (*p == '{') {
		p++;
		while (*p != '}') {
			if (!isalpha((unsigned char)*p) && *p != '_')
				return "bad label name";
			while (isalnum((unsigned char)*p) || *p == '_')
				p++;
			if (p[0] != '=' || p[1] != '"')
				return "label without =\"";
			for (p += 2; *p != '"'; p++) {
				if (*p == '\0' || *p == '\n')
					return "unterminated label value";
				if (*p == '\\' && !strchr("\\\"n", *++p))
					return "bad escape";
			}
			p++;
			if (*p == ',')
				p++;
			else if (*p != '}')
				return "bad label list";
		}
		p++;
	}
	series = xstrndup(l, (size_t)(p - l));
	if (strv_contains(seen, series, 0)) {
		free(series);
		return "duplicate series";
	}
	strv_take(seen, series);
	if (*p++ != ' ')
		return "no space before the value";
	strtod(p, &end);
	if (end == p || *end != '\0')
		return "bad value";
	return NULL;
}

/* Validates text as Prometheus 0.0.4 (om = 0) or OpenMetrics 1.0 (om =
 * 1) for gauges with HELP and TYPE.  Returns NULL or the problem. */
static const char *
validate(const char *text, int om, size_t *nsamples)
{
	struct strv lines = STRV_INIT, fams = STRV_INIT, seen = STRV_INIT;
	const char *p = text, *nl, *why = NULL, *l, *q;
	char *fam = NULL, *help = NULL;
	size_t i;

	*nsamples = 0;
	for (; *p; p = nl + 1) {
		if ((nl = strchr(p, '\n')) == NULL) {
			strv_free(&lines);
			return "last line without newline";
		}
		strv_take(&lines, xstrndup(p, (size_t)(nl - p)));
	}
	for (i = 0; i < lines.n && why == NULL; i++) {
		l = lines.v[i];
		if (strcmp(l, "# EOF") == 0) {
			why = !om            ? "# EOF in Prometheus text" :
			    i + 1 != lines.n ? "text after # EOF" :
			                       NULL;
		} else if (strncmp(l, "# HELP ", 7) == 0) {
			q = l + 7;
			why = !metric_name(&q) || *q != ' ' ? "bad HELP" : NULL;
			free(help);
			help = xstrndup(l + 7, (size_t)(q - (l + 7)));
		} else if (strncmp(l, "# TYPE ", 7) == 0) {
			q = l + 7;
			if (!metric_name(&q) || strcmp(q, " gauge") != 0)
				why = "bad TYPE";
			free(fam);
			fam = xstrndup(l + 7, (size_t)(q - (l + 7)));
			if (why == NULL &&
			    (help == NULL || strcmp(help, fam) != 0))
				why = "TYPE without its HELP";
			if (why == NULL && strv_contains(&fams, fam, 0))
				why = "family given twice";
			strv_add(&fams, fam);
		} else if (l[0] == '#' || l[0] == '\0') {
			why = "stray comment or empty line";
		} else {
			why = fam == NULL ? "sample before any TYPE" :
			                    check_sample(l, fam, &seen);
			(*nsamples)++;
		}
	}
	if (why == NULL && om &&
	    (lines.n == 0 || strcmp(lines.v[lines.n - 1], "# EOF") != 0))
		why = "OpenMetrics without # EOF";
	free(fam);
	free(help);
	strv_free(&lines);
	strv_free(&fams);
	strv_free(&seen);
	return why;
}

/* The validator itself: each broken text is caught. */
static const struct {
	const char *text;
	int om;
	const char *why;
	/* clang-format off */
} bad_texts[] = {
	{ "# HELP a x\n# TYPE a gauge\na 1\n", 0, NULL },
	{ "# HELP a x\n# TYPE a gauge\na 1\n# EOF\n", 1, NULL },
	{ "# HELP a x\n# TYPE a gauge\na 1\n", 1, "OpenMetrics without # EOF" },
	{ "# HELP a x\n# TYPE a gauge\na 1\n# EOF\n", 0, "# EOF in Prometheus text" },
	{ "# HELP a x\n# TYPE a gauge\nb 1\n", 0, "sample outside its family" },
	{ "# HELP a x\n# TYPE a gauge\na{u=\"x\"} 1\na{u=\"x\"} 2\n", 0, "duplicate series" },
	{ "# HELP a x\n# TYPE a gauge\na{u=\"x\\q\"} 1\n", 0, "bad escape" },
	{ "# HELP a x\n# TYPE a gauge\na{u=\"x} 1\n", 0, "unterminated label value" },
	{ "# HELP a x\n# TYPE a gauge\na one\n", 0, "bad value" },
	{ "# TYPE a gauge\na 1\n", 0, "TYPE without its HELP" },
	{ "a 1\n", 0, "sample before any TYPE" },
	{ "# HELP a x\n# TYPE a gauge\na 1", 0, "last line without newline" },
};
/* clang-format on */

START_TEST(test_validator)
{
	const char *why;
	size_t n;

	why = validate(bad_texts[_i].text, bad_texts[_i].om, &n);
	if (bad_texts[_i].why == NULL)
		ck_assert_ptr_null(why);
	else
		ck_assert_str_eq(why ? why : "(accepted)", bad_texts[_i].why);
}
END_TEST

static const struct {
	enum queue_view_format fmt;
	int om;
	size_t nviews;
	size_t skipped;
	size_t samples; /* 8 families × owners + 1 */
	                /* clang-format off */
} metric_cases[] = {
	{ QUEUE_VIEW_PROMETHEUS, 0, 3, 0, 25 },
	{ QUEUE_VIEW_OPENMETRICS, 1, 3, 2, 25 },
	{ QUEUE_VIEW_PROMETHEUS, 0, 0, 0, 1 },
	{ QUEUE_VIEW_OPENMETRICS, 1, 0, 5, 1 },
	{ QUEUE_VIEW_PROMETHEUS, 0, 1, 0, 9 },
};
/* clang-format on */

START_TEST(test_metrics)
{
	struct queue_view v[3];
	struct buf b = BUF_INIT;
	const char *why;
	char *want;
	size_t n;

	views(v);
	v[2].unreadable = 1;
	queue_view_summary(&b, v, metric_cases[_i].nviews, metric_cases[_i].fmt,
	    1, metric_cases[_i].skipped, T0 + 5);
	why = validate(buf_cstr(&b), metric_cases[_i].om, &n);
	if (why != NULL)
		ck_abort_msg("%s in:\n%s", why, buf_cstr(&b));
	ck_assert_uint_eq(n, metric_cases[_i].samples);
	want = xasprintf("relayq_spool_skipped_entries %zu\n",
	    metric_cases[_i].skipped);
	ck_assert_ptr_nonnull(strstr(buf_cstr(&b), want));
	free(want);
	if (metric_cases[_i].nviews == 3) {
		ck_assert_ptr_nonnull(strstr(buf_cstr(&b),
		    "# HELP relayq_queue_messages Messages in the queue (readable "
		    "envelopes).\n# TYPE relayq_queue_messages gauge\n"
		    "relayq_queue_messages{user=\"root\",uid=\"0\"} 1\n"
		    "relayq_queue_messages{user=\"alice\",uid=\"1001\"} 2\n"
		    "relayq_queue_messages{user=\"64999\",uid=\"64999\"} 0\n"));
		ck_assert_ptr_nonnull(strstr(buf_cstr(&b),
		    "relayq_queue_deferred_messages{user=\"alice\",uid=\"1001\"} 1\n"));
		ck_assert_ptr_nonnull(strstr(buf_cstr(&b),
		    "relayq_queue_held_messages{user=\"alice\",uid=\"1001\"} 1\n"));
		ck_assert_ptr_nonnull(strstr(buf_cstr(&b),
		    "relayq_queue_oldest_message_age_seconds{user=\"alice\",uid=\"1001\"} 605\n"));
		ck_assert_ptr_nonnull(strstr(buf_cstr(&b),
		    "relayq_queue_damaged_messages{user=\"64999\",uid=\"64999\"} 1\n"));
		ck_assert_ptr_nonnull(strstr(buf_cstr(&b),
		    "relayq_queue_readable{user=\"64999\",uid=\"64999\"} 0\n"));
		ck_assert_ptr_nonnull(strstr(buf_cstr(&b),
		    "relayq_queue_readable{user=\"alice\",uid=\"1001\"} 1\n"));
	}
	queue_view_free(v, 3);
	buf_free(&b);
}
END_TEST

static const struct {
	const char *in, *out;
	/* clang-format off */
} labels[] = {
	{ "alice", "alice" },
	{ "a\"b", "a\\\"b" },
	{ "a\\b", "a\\\\b" },
	{ "a\nb", "a?b" },
	{ "\xc3\xa9t\xc3\xa9", "??t??" },
	{ "", "" },
};
/* clang-format on */

START_TEST(test_label)
{
	struct buf b = BUF_INIT;

	queue_view_label(&b, labels[_i].in);
	ck_assert_str_eq(buf_cstr(&b), labels[_i].out);
	buf_free(&b);
}
END_TEST

/* ---- the framing of a queue owner's answer ------------------------------- */

#define ENV(id) \
	"relayq-envelope 1\nid " id "\ncreated 1606039200\nsize 10\n" \
	"sender a@example.com\nrcpt b@example.org\nrcpt-state pending\nend\n"

static const struct {
	const char *desc, *in;
	int rc;
	size_t n;
	const char *damaged[3]; /* NULL: a readable envelope */
	                        /* clang-format off */
} frames[] = {
	{ "empty", "", 0, 0, { NULL } },
	{ "one", "E 1A2B3C4D50 122\n" ENV("1A2B3C4D50"), 0, 1, { NULL } },
	{ "damaged record", "D 1A2B3C4D50 3\nwhy", 0, 1, { "why" } },
	{ "two", "D 1A2B3C4D40 1\nxE 1A2B3C4D50 122\n" ENV("1A2B3C4D50"), 0, 2,
	  { "x", NULL } },
	{ "envelope of another id", "E 1A2B3C4D60 122\n" ENV("1A2B3C4D50"), 0, 1,
	  { "the envelope names another queue id" } },
	{ "unparsable envelope", "E 1A2B3C4D50 5\njunk\n", 0, 1,
	  { "not a relayq envelope" } },
	{ "length past the end", "E 1A2B3C4D50 500\n" ENV("1A2B3C4D50"), -1, 0, { NULL } },
	{ "bad id", "E ../../etc 1\nx", -1, 0, { NULL } },
	{ "bad kind", "X 1A2B3C4D50 1\nx", -1, 0, { NULL } },
	{ "huge length", "D 1A2B3C4D50 99999999999999999999\n", -1, 0, { NULL } },
	{ "no newline", "D 1A2B3C4D50 1", -1, 0, { NULL } },
	{ "good then bad", "D 1A2B3C4D50 1\nxgarbage", -1, 1, { "x" } },
};
/* clang-format on */

START_TEST(test_parse)
{
	struct queue_all_msgs m;
	struct err e;
	size_t k;

	memset(&m, 0, sizeof(m));
	ck_assert_int_eq(queue_all_parse(frames[_i].in, strlen(frames[_i].in),
	                     &m, &e),
	    frames[_i].rc);
	ck_assert_uint_eq(m.n, frames[_i].n);
	for (k = 0; k < m.n; k++) {
		if (frames[_i].damaged[k] == NULL) {
			ck_assert_ptr_null(m.v[k].damaged);
			ck_assert_str_eq(m.v[k].env.id, m.v[k].id);
		} else {
			ck_assert_ptr_nonnull(m.v[k].damaged);
			ck_assert_ptr_nonnull(
			    strstr(m.v[k].damaged, frames[_i].damaged[k]));
		}
	}
	if (frames[_i].rc < 0)
		ck_assert_int_eq(e.code, EX_DATAERR);
	queue_all_msgs_free(&m);
}
END_TEST

/* ---- as root: real queues of other uids ---------------------------------- */

#define U1 65534 /* nobody: has a passwd entry */
#define U2 64997 /* no passwd entry */

/* Queues one message (to rcpt) in test_dir/uid as uid, in a child.  Writes
 * the id into id. */
static void
queue_as(uid_t uid, gid_t gid, const char *rcpt, char *id)
{
	int fds[2], status;
	pid_t pid;

	ck_assert_int_eq(pipe(fds), 0);
	pid = fork();
	ck_assert_int_ge(pid, 0);
	if (pid == 0) {
		struct envelope env;
		struct queue_msg m;
		struct queue q;
		struct err e;
		char *dir = xasprintf("%s/%lu", test_dir, (unsigned long)uid);

		if (setgroups(0, NULL) < 0 || setgid(gid) < 0 ||
		    setuid(uid) < 0 || queue_open(&q, dir, uid, &e) < 0 ||
		    queue_msg_create(&q, &m, &e) < 0 ||
		    write(m.body.fd, "Subject: x\n\nbody\n", 17) != 17)
			_exit(1);
		envelope_init(&env);
		envelope_set(&env.sender, "s@example.com");
		env.created = time(NULL);
		env.uid = uid;
		envelope_add_rcpt(&env, rcpt);
		if (queue_msg_commit(&q, &m, &env, &e) < 0 ||
		    write(fds[1], m.id, QUEUE_ID_LEN) != QUEUE_ID_LEN)
			_exit(2);
		_exit(0);
	}
	close(fds[1]);
	ck_assert_int_eq(read(fds[0], id, QUEUE_ID_LEN), QUEUE_ID_LEN);
	id[QUEUE_ID_LEN] = '\0';
	close(fds[0]);
	ck_assert_int_eq(waitpid(pid, &status, 0), pid);
	ck_assert_int_eq(status, 0);
}

static char id1[QUEUE_ID_LEN + 1], id2[QUEUE_ID_LEN + 1], id0[QUEUE_ID_LEN + 1];

static void
root_setup(void)
{
	char *p;

	setup();
	if (geteuid() != 0)
		return;
	test_tmpdir_setup();
	ck_assert_int_eq(chmod(test_dir, 01733), 0);
	queue_as(U1, U1, "one@example.org", id1);
	queue_as(U2, U2, "two@example.org", id2);
	/* root's own spool queue, in-process */
	{
		struct envelope env;
		struct queue_msg m;
		struct queue q;
		struct err e;

		p = xasprintf("%s/0", test_dir);
		ck_assert_int_eq(queue_open(&q, p, 0, &e), 0);
		ck_assert_int_eq(queue_msg_create(&q, &m, &e), 0);
		ck_assert_int_eq(write(m.body.fd, "x\n", 2), 2);
		envelope_init(&env);
		envelope_set(&env.sender, "root@example.com");
		env.created = time(NULL);
		envelope_add_rcpt(&env, "zero@example.org");
		ck_assert_int_eq(queue_msg_commit(&q, &m, &env, &e), 0);
		memcpy(id0, m.id, sizeof(id0));
		envelope_free(&env);
		queue_close(&q);
		free(p);
	}
	/* Not queues: a file, a wrong owner. */
	p = xasprintf("%s/junk", test_dir);
	ck_assert_int_eq(mkdir(p, 0700), 0);
	free(p);
}

static void
root_teardown(void)
{
	if (geteuid() != 0)
		return;
	test_tmpdir_teardown();
}

/* Reads all queues of the spool into v (3 views). */
static void
read_spool(struct queue_all *a, struct queue_view *v)
{
	struct err e;
	size_t i;

	queue_all_init(a);
	ck_assert_int_eq(queue_all_add_spool(a, test_dir, &e), 0);
	ck_assert_uint_eq(a->n, 3);
	for (i = 0; i < a->n; i++) {
		memset(&v[i], 0, sizeof(v[i]));
		v[i].q = &a->v[i];
		if (queue_all_read(&a->v[i], &v[i].msgs, &e) < 0)
			ck_abort_msg("%s", e.msg);
	}
}

START_TEST(test_root_list)
{
	struct queue_all a;
	struct queue_view v[3];
	struct buf b = BUF_INIT;
	struct passwd *pw = getpwuid(U1);
	char *want;

	read_spool(&a, v);
	/* Sorted by entry name: "0", "64997", "65534". */
	ck_assert_uint_eq(a.v[0].uid, 0);
	ck_assert_int_eq(a.v[0].inproc, 1);
	ck_assert_uint_eq(a.v[1].uid, U2);
	ck_assert_ptr_null(a.v[1].user);
	ck_assert_int_eq(a.v[1].inproc, 0);
	ck_assert_uint_eq(a.v[2].uid, U1);
	ck_assert_str_eq(a.v[2].user, pw->pw_name);
	ck_assert_uint_eq(a.skipped.n, 1);
	ck_assert_ptr_nonnull(
	    strstr(a.skipped.v[0], "1 entry is not a queue and skipped"));
	ck_assert_ptr_nonnull(strstr(a.skipped.v[0], "/junk"));
	ck_assert_str_eq(v[1].msgs.v[0].id, id2);
	ck_assert_str_eq(v[2].msgs.v[0].env.rcpt[0].addr, "one@example.org");
	queue_view_list(&b, v, 3, 1);
	want = xasprintf("%-8s %s", pw->pw_name, "s@example.com\n");
	ck_assert_ptr_nonnull(strstr(buf_cstr(&b), want));
	ck_assert_ptr_nonnull(
	    strstr(buf_cstr(&b), "  64997    s@example.com\n"));
	ck_assert_ptr_nonnull(
	    strstr(buf_cstr(&b), "  root     root@example.com\n"));
	ck_assert_ptr_nonnull(
	    strstr(buf_cstr(&b), "-- 1 Kbytes in 3 Requests.\n"));
	free(want);
	/* Listing created nothing as root in the users' queues. */
	{
		struct stat st;
		char *p = xasprintf("%s/%d/env", test_dir, U2);

		ck_assert_int_eq(lstat(p, &st), 0);
		ck_assert_uint_eq(st.st_uid, U2);
		free(p);
	}
	queue_view_free(v, 3);
	queue_all_free(&a);
	buf_free(&b);
}
END_TEST

/* A FIFO in place of an envelope and a symlink to root's secret: listed
 * as damaged, quickly, and the secret is never read. */
START_TEST(test_root_hostile)
{
	char *fifo = xasprintf("%s/%d/env/0000000001", test_dir, U1);
	char *link = xasprintf("%s/%d/env/0000000002", test_dir, U1);
	char *body = xasprintf("%s/%d/new/%s", test_dir, U1, id1);
	char *secret = xasprintf("%s/secret", test_dir);
	struct queue_view v[3];
	struct queue_all a;
	struct buf b = BUF_INIT;
	struct queue_all_result *res;
	struct strv ids = STRV_INIT;
	struct err e;
	time_t t0;
	size_t n;
	int fd;

	fd = open(secret, O_CREAT | O_WRONLY, 0600);
	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, "relayq-envelope 1\nTOPSECRET\n", 28), 28);
	close(fd);
	ck_assert_int_eq(mkfifo(fifo, 0600), 0);
	ck_assert_int_eq(lchown(fifo, U1, U1), 0);
	ck_assert_int_eq(symlink(secret, link), 0);
	ck_assert_int_eq(lchown(link, U1, U1), 0);
	t0 = time(NULL);
	read_spool(&a, v);
	ck_assert_int_le(time(NULL) - t0, 3);
	ck_assert_uint_eq(v[2].msgs.n, 3);
	queue_view_list(&b, v, 3, 1);
	ck_assert_ptr_nonnull(strstr(buf_cstr(&b), "0000000001  "));
	ck_assert_ptr_nonnull(strstr(buf_cstr(&b), "not a regular file"));
	ck_assert_ptr_null(strstr(buf_cstr(&b), "TOPSECRET"));
	/* A FIFO in place of a body: the action neither hangs nor acts. */
	ck_assert_int_eq(unlink(body), 0);
	ck_assert_int_eq(mkfifo(body, 0600), 0);
	ck_assert_int_eq(lchown(body, U1, U1), 0);
	strv_add(&ids, id1);
	t0 = time(NULL);
	ck_assert_int_eq(queue_all_apply(&a.v[2], QUEUE_ADMIN_HOLD, &ids,
	                     time(NULL), &res, &n, &e),
	    0);
	ck_assert_int_le(time(NULL) - t0, 3);
	ck_assert_uint_eq(n, 1);
	ck_assert_int_eq(res[0].code, EX_DATAERR);
	ck_assert_ptr_nonnull(strstr(res[0].msg, "is not a regular file"));
	free(res);
	strv_free(&ids);
	queue_view_free(v, 3);
	queue_all_free(&a);
	buf_free(&b);
	free(fifo);
	free(link);
	free(body);
	free(secret);
}
END_TEST

START_TEST(test_root_apply)
{
	struct queue_view v[3];
	struct queue_all a;
	struct queue_all_result *res;
	struct strv ids = STRV_INIT;
	struct buf b = BUF_INIT;
	struct stat st;
	struct err e;
	size_t n, k;
	char *envp;

	read_spool(&a, v);
	queue_view_free(v, 3);
	ck_assert_int_eq(queue_all_find(&a, id1, &k, &e), 0);
	ck_assert_uint_eq(k, 2);
	ck_assert_int_eq(queue_all_find(&a, id0, &k, &e), 0);
	ck_assert_uint_eq(k, 0);
	ck_assert_int_eq(queue_all_find(&a, "0000000009", &k, &e), -1);
	ck_assert_int_eq(e.code, EX_NOINPUT);
	strv_add(&ids, id1);
	strv_add(&ids, "0000000009");
	ck_assert_int_eq(queue_all_apply(&a.v[2], QUEUE_ADMIN_HOLD, &ids,
	                     time(NULL), &res, &n, &e),
	    0);
	ck_assert_uint_eq(n, 2);
	ck_assert_str_eq(res[0].id, id1);
	ck_assert_int_eq(res[0].code, EX_OK);
	ck_assert_str_eq(res[1].id, "0000000009");
	ck_assert_int_eq(res[1].code, EX_NOINPUT);
	free(res);
	/* Changed as the owner: the new envelope is the user's file. */
	envp = xasprintf("%s/%d/env/%s", test_dir, U1, id1);
	ck_assert_int_eq(lstat(envp, &st), 0);
	ck_assert_uint_eq(st.st_uid, U1);
	free(envp);
	ck_assert_int_eq(queue_all_show(&a.v[2], id1, 0, &b, &e), 0);
	ck_assert_ptr_nonnull(
	    strstr(buf_cstr(&b), "held (not delivered until released)"));
	/* delete --all in uid U2's queue */
	ck_assert_int_eq(queue_all_apply(&a.v[1], QUEUE_ADMIN_DELETE, NULL,
	                     time(NULL), &res, &n, &e),
	    0);
	ck_assert_uint_eq(n, 1);
	ck_assert_str_eq(res[0].id, id2);
	ck_assert_int_eq(res[0].code, EX_OK);
	free(res);
	ck_assert_int_eq(queue_all_find(&a, id2, &k, &e), -1);
	/* The same id in two queues is refused, naming both owners. */
	{
		char *p = xasprintf("cp -p %s/%d/env/%s %s/0/env/", test_dir,
		    U1, id1, test_dir);

		ck_assert_int_eq(system(p), 0);
		free(p);
	}
	ck_assert_int_eq(queue_all_find(&a, id1, &k, &e), -1);
	ck_assert_int_eq(e.code, EX_USAGE);
	ck_assert_ptr_nonnull(strstr(e.msg, "root (uid 0) and "));
	strv_free(&ids);
	queue_all_free(&a);
	buf_free(&b);
}
END_TEST

static int
stall(struct queue *q, void *arg, struct buf *out, struct err *e)
{
	(void)q, (void)arg, (void)out, (void)e;
	pause();
	return 0;
}

/* A child that never answers is killed at the deadline. */
START_TEST(test_root_deadline)
{
	struct queue_view v[3];
	struct queue_all a;
	struct buf b = BUF_INIT;
	struct err e;
	time_t t0;

	read_spool(&a, v);
	queue_view_free(v, 3);
	t0 = time(NULL);
	ck_assert_int_eq(queue_all_run(&a.v[2], stall, NULL, &b, &e), -1);
	ck_assert_int_eq(e.code, EX_TEMPFAIL);
	ck_assert_ptr_nonnull(
	    strstr(e.msg, "no answer from the queue within 10 s"));
	ck_assert_int_le(time(NULL) - t0, QUEUE_ALL_TIMEOUT_MS / 1000 + 2);
	queue_all_free(&a);
	buf_free(&b);
}
END_TEST

static Suite *
suite(void)
{
	Suite *s = suite_create("queue_all");
	TCase *tc = tcase_create("view");
	TCase *tr = tcase_create("root");

	tcase_add_checked_fixture(tc, setup, NULL);
	tcase_add_test(tc, test_list_owners);
	tcase_add_test(tc, test_json_owner);
	tcase_add_test(tc, test_summary_text);
	tcase_add_test(tc, test_summary_json);
	tcase_add_loop_test(tc, test_validator, 0, TEST_NELEM(bad_texts));
	tcase_add_loop_test(tc, test_metrics, 0, TEST_NELEM(metric_cases));
	tcase_add_loop_test(tc, test_label, 0, TEST_NELEM(labels));
	tcase_add_loop_test(tc, test_parse, 0, TEST_NELEM(frames));
	suite_add_tcase(s, tc);
	/* Switching users needs root (CI runs as root). */
	if (geteuid() == 0) {
		tcase_add_checked_fixture(tr, root_setup, root_teardown);
		tcase_set_timeout(tr, 60);
		tcase_add_test(tr, test_root_list);
		tcase_add_test(tr, test_root_hostile);
		tcase_add_test(tr, test_root_apply);
		tcase_add_test(tr, test_root_deadline);
		suite_add_tcase(s, tr);
	} else {
		fprintf(stderr,
		    "check_queue_all: not root: the tests with real "
		    "users are not run\n");
	}
	return s;
}

int
main(void)
{
	return check_main(suite());
}
