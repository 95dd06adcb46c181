/* check_cli.c — sendmail flags, -o/-O options, relayq subcommands, argv[0]
 * dispatch, injection refusal.  Each table case parses one argv and
 * compares a canonical dump of every non-default field with one exact
 * string (or the exact exit code and a part of the message). */
#include "config.h"

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>

#include "lib/buf.h"
#include "lib/check_main.h"
#include "options/cli.h"
#include "options/conf.h"

static const char *const mode_names[] = { "deliver", "smtp", "addrtest",
	"verify", "newaliases", "hoststat", "purgestat", "qrun", "qlist",
	"qsummary", "qshow", "qdelete", "qhold", "qrelease", "qretry", "flush",
	"check", "oauthsetup", "version", "help" };

static void
dump_str(struct buf *b, const char *name, const char *v)
{
	if (v)
		buf_printf(b, " %s=%s", name, v);
}

static void
dump_num(struct buf *b, const char *name, long long v, long long def)
{
	if (v != def)
		buf_printf(b, " %s=%lld", name, v);
}

static void
dump_strv(struct buf *b, const char *name, const struct strv *sv)
{
	size_t i;

	for (i = 0; i < sv->n; i++) {
		if (i == 0)
			buf_printf(b, " %s=", name);
		buf_printf(b, "%s%s", i ? "|" : "", sv->v[i]);
	}
}

/* Every field that differs from cli_init(), in a fixed order. */
static char *
dump(const struct cli_options *o)
{
	struct buf b = BUF_INIT;
	size_t i;

	buf_adds(&b, mode_names[o->mode]);
	dump_str(&b, "C", o->config_file);
	dump_str(&b, "f", o->sender);
	dump_str(&b, "F", o->full_name);
	dump_str(&b, "V", o->envid);
	dump_str(&b, "L", o->syslog_tag);
	dump_str(&b, "p", o->protocol);
	dump_str(&b, "A", o->alias_file);
	dump_str(&b, "Q", o->queue_dir);
	dump_num(&b, "N", o->notify, 0);
	dump_num(&b, "R", o->ret, 0);
	dump_num(&b, "B", o->body, 0);
	dump_num(&b, "8", o->eightbit_mode, 0);
	dump_num(&b, "norcpt", o->no_rcpt_action, 0);
	dump_num(&b, "d", o->delivery_mode, CONF_DELIVERY_BACKGROUND);
	dump_num(&b, "e", o->error_mode, CONF_ERRMODE_PRINT);
	dump_num(&b, "h", o->hop_count, 0);
	dump_num(&b, "maxhops", o->max_hops, 25);
	dump_num(&b, "loglevel", o->log_level, -1);
	dump_num(&b, "ckpt", o->checkpoint, -1);
	dump_num(&b, "qret", o->queue_return, -1);
	dump_num(&b, "qwarn", o->queue_warn, -1);
	dump_num(&b, "minage", o->min_queue_age, -1);
	dump_num(&b, "qint", o->queue_interval, -1);
	dump_num(&b, "i", o->ignore_dots, 0);
	dump_num(&b, "t", o->extract_rcpts, 0);
	dump_num(&b, "n", o->no_alias, 0);
	dump_num(&b, "m", o->me_too, 0);
	dump_num(&b, "v", o->verbose, 0);
	dump_num(&b, "force", o->flush_force, 0);
	dump_num(&b, "connect", o->check_connect, 0);
	dump_num(&b, "fg", o->flush_foreground, 0);
	dump_num(&b, "json", o->json, 0);
	dump_num(&b, "metrics", o->metrics, 0);
	dump_num(&b, "all", o->all, 0);
	dump_num(&b, "set", o->set, 0);
	for (i = 0; i < o->nqfilters; i++)
		buf_printf(&b, " q%s%c:%s", o->qfilters[i].negate ? "!" : "",
		    o->qfilters[i].kind, o->qfilters[i].substr);
	dump_strv(&b, "ign", &o->ignored);
	dump_strv(&b, "args", &o->args);
	return buf_steal(&b);
}

struct pcase {
	const char *argv[10]; /* argv[0] first, NULL-terminated */
	int code;             /* 0: success, else the expected EX_* code */
	const char *want;     /* code 0: the dump; else a part of the message */
};

#define OK(want, ...) \
	{ \
		{ __VA_ARGS__, NULL }, 0, want \
	}
#define BAD(code, want, ...) \
	{ \
		{ __VA_ARGS__, NULL }, code, want \
	}

static const struct pcase cases[] = {
	/* modes: -b */
	OK("deliver args=a@x", "sendmail", "a@x"),
	OK("deliver", "sendmail", "-bm"),
	OK("smtp", "sendmail", "-bs"),
	OK("smtp", "sendmail", "-b", "s"),
	OK("qlist", "sendmail", "-bp"),
	OK("qsummary", "sendmail", "-bP"),
	OK("newaliases", "sendmail", "-bi"),
	OK("newaliases", "sendmail", "-I"),
	OK("addrtest", "sendmail", "-bt"),
	OK("verify args=a@x", "sendmail", "-bv", "a@x"),
	OK("hoststat", "sendmail", "-bh"),
	OK("purgestat", "sendmail", "-bH"),
	OK("deliver ign=-ba args=a", "sendmail", "-ba", "a"),
	BAD(EX_USAGE, "no daemon", "sendmail", "-bd"),
	BAD(EX_USAGE, "no daemon", "sendmail", "-bD"),
	BAD(EX_USAGE, "unknown flag -bz", "sendmail", "-bz"),
	BAD(EX_USAGE, "unknown flag -bms", "sendmail", "-bms"),
	/* sender, attached and separate, -r as -f */
	OK("deliver f=u@x args=a", "sendmail", "-fu@x", "a"),
	OK("deliver f=u@x args=a", "sendmail", "-f", "u@x", "a"),
	OK("deliver f=u@x args=a", "sendmail", "-ru@x", "a"),
	OK("deliver f=u@x args=a", "sendmail", "-r", "u@x", "a"),
	OK("deliver f=<>", "sendmail", "-f", "<>"),
	BAD(EX_USAGE, "more than one sender", "sendmail", "-fa", "-rb"),
	BAD(EX_USAGE, "needs an argument", "sendmail", "-f"),
	/* full name, envid, tag, protocol, config */
	OK("deliver F=Jane Doe", "sendmail", "-FJane Doe"),
	OK("deliver F=Jane\tDoe", "sendmail", "-F", "Jane\tDoe"),
	OK("deliver V=abc+2Bdef", "sendmail", "-Vabc+2Bdef"),
	OK("deliver V=id1", "sendmail", "-V", "id1"),
	BAD(EX_USAGE, "envelope id", "sendmail", "-Va=b"),
	BAD(EX_USAGE, "envelope id", "sendmail", "-Va+2b"),
	BAD(EX_USAGE, "envelope id", "sendmail", "-V", "a b"),
	OK("deliver L=cronmail", "sendmail", "-Lcronmail"),
	OK("deliver L=cronmail", "sendmail", "-L", "cronmail"),
	OK("deliver p=esmtp:h.example", "sendmail", "-pesmtp:h.example"),
	OK("deliver p=local", "sendmail", "-p", "local"),
	OK("deliver C=/tmp/r.conf", "sendmail", "-C/tmp/r.conf"),
	OK("deliver C=/tmp/r.conf", "sendmail", "-C", "/tmp/r.conf"),
	BAD(EX_USAGE, "-C needs an argument", "sendmail", "-C"),
	/* -N, -R, -B */
	OK("deliver N=1", "sendmail", "-Nnever"),
	OK("deliver N=14", "sendmail", "-N", "success,failure,delay"),
	OK("deliver N=12", "sendmail", "-NFailure,Delay"),
	OK("deliver N=2", "sendmail", "-Nsuccess,SUCCESS"),
	BAD(EX_USAGE, "-N: invalid value", "sendmail", "-Nnever,success"),
	BAD(EX_USAGE, "-N: invalid value", "sendmail", "-Nsuccess,"),
	BAD(EX_USAGE, "-N: invalid value", "sendmail", "-Nsometimes"),
	OK("deliver R=1", "sendmail", "-Rfull"),
	OK("deliver R=2", "sendmail", "-R", "HDRS"),
	BAD(EX_USAGE, "-R: invalid value", "sendmail", "-Rall"),
	OK("deliver B=1", "sendmail", "-B7BIT"),
	OK("deliver B=2", "sendmail", "-B", "8bitmime"),
	BAD(EX_USAGE, "-B: invalid value", "sendmail", "-BBINARYMIME"),
	/* -h, booleans, clustering */
	OK("deliver h=3", "sendmail", "-h3"),
	OK("deliver h=3", "sendmail", "-h", "3"),
	BAD(EX_USAGE, "-h: invalid value", "sendmail", "-h", "x3"),
	OK("deliver i=1 t=1", "sendmail", "-ti"),
	OK("deliver f=me i=1 t=1", "sendmail", "-tifme"),
	OK("deliver n=1 m=1 v=2", "sendmail", "-n", "-m", "-vv"),
	/* ignored flags are recorded */
	OK("deliver ign=-d", "sendmail", "-d0.1"),
	OK("deliver ign=-d args=a", "sendmail", "-d", "a"),
	OK("deliver ign=-X args=a", "sendmail", "-X", "/tmp/log", "a"),
	OK("deliver ign=-X", "sendmail", "-X/var/www/shell.php"),
	OK("deliver ign=-U|-G|-c|-s", "sendmail", "-U", "-G", "-c", "-s"),
	OK("qlist ign=-Ac", "sendmail", "-bp", "-Ac"),
	OK("deliver ign=-Am", "sendmail", "-A", "m"),
	OK("deliver ign=-M", "sendmail", "-Mrsmtp"),
	BAD(EX_USAGE, "-A: invalid value", "sendmail", "-Ax"),
	BAD(EX_USAGE, "no quarantine", "sendmail", "-Qreason"),
	/* -q */
	OK("qrun", "sendmail", "-q"),
	OK("qrun qint=1800 ign=-q interval", "sendmail", "-q30m"),
	OK("qrun qint=3600 ign=-q interval", "sendmail", "-q1h"),
	OK("qrun qint=120 ign=-q interval", "sendmail", "-q2"),
	OK("qrun qint=5400 ign=-q interval", "sendmail", "-qp1h30m"),
	OK("qrun fg=1", "sendmail", "-qf"),
	OK("qrun qI:1A2B", "sendmail", "-qI1A2B"),
	OK("qrun qI:1A2B", "sendmail", "-qI", "1A2B"),
	OK("qrun qR:example.com", "sendmail", "-qRexample.com"),
	OK("qrun qS:alice", "sendmail", "-qS", "alice"),
	OK("qrun q!R:bob q!I:X", "sendmail", "-q!Rbob", "-q!I", "X"),
	BAD(EX_USAGE, "needs a substring", "sendmail", "-qR"),
	BAD(EX_USAGE, "no queue groups", "sendmail", "-qGname"),
	BAD(EX_USAGE, "no queue groups", "sendmail", "-qQ"),
	BAD(EX_USAGE, "-q: invalid value", "sendmail", "-q30x"),
	/* -o short options */
	OK("deliver i=1", "sendmail", "-oi"),
	OK("deliver i=1", "sendmail", "-o", "i"),
	OK("deliver", "sendmail", "-oi", "-oiF"),
	OK("deliver d=2 set=1", "sendmail", "-odi"),
	OK("deliver d=3 set=1", "sendmail", "-odq"),
	OK("deliver d=4 set=1", "sendmail", "-odd"),
	OK("deliver set=1", "sendmail", "-odb"),
	OK("deliver set=2", "sendmail", "-oep"),
	OK("deliver e=3 set=2", "sendmail", "-oeq"),
	OK("deliver e=4 set=2", "sendmail", "-oew"),
	OK("deliver e=5 set=2", "sendmail", "-oee"),
	OK("deliver e=1 set=2", "sendmail", "-oem"),
	OK("deliver m=1", "sendmail", "-om"),
	OK("deliver maxhops=40 set=4", "sendmail", "-oh40"),
	OK("deliver A=/etc/mail/aliases set=16", "sendmail",
	    "-oA/etc/mail/aliases"),
	OK("deliver Q=/var/q set=8", "sendmail", "-oQ/var/q"),
	OK("deliver Q=/var/q set=8", "sendmail", "-o", "Q/var/q"),
	OK("deliver Q=/var/q set=8 args=a", "sendmail", "-o", "Q", "/var/q",
	    "a"),
	OK("deliver qret=432000", "sendmail", "-oT5d"),
	OK("deliver qret=432000 qwarn=14400", "sendmail", "-oT5d/4h"),
	OK("deliver 8=2", "sendmail", "-o8p"),
	OK("deliver loglevel=9", "sendmail", "-oL9"),
	OK("deliver ckpt=10", "sendmail", "-oC10"),
	OK("deliver v=1", "sendmail", "-ov"),
	OK("deliver ign=-oo|-os", "sendmail", "-oo", "-osFalse"),
	OK("deliver ign=-oM args=a", "sendmail", "-oMrsmtp", "a"),
	BAD(EX_USAGE, "-od: invalid value", "sendmail", "-odx"),
	BAD(EX_USAGE, "-oh: invalid value", "sendmail", "-ohmany"),
	BAD(EX_USAGE, "-oi: invalid value", "sendmail", "-oimaybe"),
	BAD(EX_USAGE, "unknown option -o!", "sendmail", "-o!"),
	BAD(EX_USAGE, "-oQ needs a value", "sendmail", "-oQ"),
	/* -O long options */
	OK("deliver A=/a set=16", "sendmail", "-O", "AliasFile=/a"),
	OK("deliver d=3 set=1", "sendmail", "-ODeliveryMode=queue"),
	OK("deliver set=2", "sendmail", "-O", "ErrorMode=print"),
	OK("deliver maxhops=10 set=4", "sendmail", "-O", "MaxHopCount=10"),
	OK("deliver i=1", "sendmail", "-O", "IgnoreDots"),
	OK("deliver", "sendmail", "-O", "IgnoreDots=false"),
	OK("deliver m=1", "sendmail", "-O", "metoo=true"),
	OK("deliver Q=/q set=8", "sendmail", "-O", "QueueDirectory=/q"),
	OK("deliver qret=86400", "sendmail", "-O", "Timeout.queuereturn=1d"),
	OK("deliver qwarn=7200", "sendmail", "-O", "Timeout.queuewarn=2h"),
	OK("deliver 8=3", "sendmail", "-O", "EightBitMode=strict"),
	OK("deliver minage=1800", "sendmail", "-O", "MinQueueAge=30m"),
	OK("deliver norcpt=5", "sendmail", "-O",
	    "NoRecipientAction=add-to-undisclosed"),
	OK("deliver norcpt=4", "sendmail", "-O", "NoRecipientAction=Add-Bcc"),
	OK("deliver loglevel=12", "sendmail", "-O", "LogLevel=12"),
	OK("deliver ckpt=5", "sendmail", "-O", "CheckpointInterval=5"),
	OK("deliver ign=-O SuperSafe", "sendmail", "-O", "SuperSafe=true"),
	OK("deliver ign=-O Timeout.initial", "sendmail", "-O",
	    "Timeout.initial=5m"),
	BAD(EX_USAGE, "unknown option -O NoSuchOption", "sendmail", "-O",
	    "NoSuchOption=1"),
	BAD(EX_USAGE, "needs a value", "sendmail", "-O", "QueueDirectory"),
	BAD(EX_USAGE, "NoRecipientAction: invalid value", "sendmail", "-O",
	    "NoRecipientAction=drop"),
	BAD(EX_USAGE, "MinQueueAge: invalid value", "sendmail", "-O",
	    "MinQueueAge=soon"),
	/* -t, --, recipients */
	OK("deliver t=1 args=a@x|b@y", "sendmail", "-t", "a@x", "b@y"),
	OK("deliver args=-weird@x", "sendmail", "--", "-weird@x"),
	OK("deliver f=me args=-", "sendmail", "-f", "me", "-"),
	BAD(EX_USAGE, "after the recipients", "sendmail", "a@x", "-fme"),
	BAD(EX_USAGE, "unknown flag -k", "sendmail", "-k"),
	BAD(EX_USAGE, "unknown flag -Z", "sendmail", "-tZ"),
	BAD(EX_USAGE, "unknown flag -?", "sendmail", "-\001"),
	/* header injection */
	BAD(EX_USAGE, "-f: control character", "sendmail", "-f",
	    "a@x\r\nBcc: v@y"),
	BAD(EX_USAGE, "-F: control character", "sendmail", "-FEvil\nBcc: v@y"),
	BAD(EX_USAGE, "-V: control character", "sendmail", "-Vid\r"),
	BAD(EX_USAGE, "-N: control character", "sendmail", "-Nnever\n"),
	BAD(EX_USAGE, "-L: control character", "sendmail", "-Ltag\n"),
	BAD(EX_USAGE, "-p: control character", "sendmail", "-pesmtp\r\n"),
	BAD(EX_USAGE, "-oQ: control character", "sendmail", "-oQ/q\n"),
	BAD(EX_USAGE, "-oM: control character", "sendmail", "-oMr\nx"),
	BAD(EX_USAGE, "-O: control character", "sendmail", "-O",
	    "SuperSafe=\r\n"),
	BAD(EX_USAGE, "-qR: control character", "sendmail", "-qRa\nb"),
	BAD(EX_DATAERR, "recipient address with a control", "sendmail",
	    "a@x\r\nBcc: v@y"),
	BAD(EX_DATAERR, "recipient address with a control", "sendmail", "--",
	    "a@x\n"),
	/* argv[0] dispatch */
	OK("deliver args=a", "/usr/sbin/sendmail", "a"),
	OK("deliver args=a", "/usr/lib/send-mail", "a"),
	OK("qlist", "mailq"),
	OK("qlist v=1 ign=-Ac", "/usr/bin/mailq", "-v", "-Ac"),
	OK("newaliases", "/usr/bin/newaliases"),
	OK("hoststat", "hoststat"),
	OK("purgestat", "purgestat"),
	OK("deliver", "relayq", "sendmail"),
	OK("deliver i=1 t=1", "/usr/bin/relayq", "sendmail", "-t", "-i"),
	/* relayq subcommands */
	OK("version", "relayq", "--version"),
	OK("help", "relayq", "--help"),
	OK("version", "relayq", "version"),
	OK("check", "relayq", "check"),
	OK("oauthsetup", "relayq", "oauth", "setup"),
	OK("oauthsetup C=/x.conf", "relayq", "-C", "/x.conf", "oauth", "setup"),
	OK("check C=/x.conf", "relayq", "-C", "/x.conf", "check"),
	OK("check C=/x.conf v=1", "relayq", "check", "--config", "/x.conf",
	    "-v"),
	OK("check v=1 connect=1", "relayq", "check", "--connect", "-v"),
	OK("flush", "relayq", "flush"),
	OK("flush v=1 force=1", "relayq", "flush", "--force", "-v"),
	OK("flush v=1", "relayq", "-v", "flush"),
	OK("qlist", "relayq", "queue"),
	OK("qlist json=1", "relayq", "queue", "--json"),
	OK("qsummary", "relayq", "queue", "--summary"),
	OK("qsummary metrics=1", "relayq", "queue", "--summary",
	    "--format=prometheus"),
	OK("qsummary metrics=2", "relayq", "queue", "--format=openmetrics",
	    "--summary"),
	OK("qsummary json=1", "relayq", "queue", "--summary", "--format=json"),
	OK("qsummary", "relayq", "queue", "--json", "--summary",
	    "--format=text"),
	OK("qsummary json=1", "relayq", "queue", "--format=prometheus",
	    "--summary", "--json"),
	OK("qlist json=1", "relayq", "queue", "--format=json"),
	OK("qshow args=1A2B.c-3", "relayq", "queue", "show", "1A2B.c-3"),
	OK("qshow json=1 args=X1", "relayq", "queue", "show", "--json", "X1"),
	OK("qdelete args=A|B", "relayq", "queue", "delete", "A", "B"),
	OK("qdelete all=1", "relayq", "queue", "delete", "--all"),
	OK("qhold args=A", "relayq", "queue", "hold", "A"),
	OK("qrelease all=1", "relayq", "queue", "release", "--all"),
	OK("qretry args=A", "relayq", "queue", "retry", "A"),
	BAD(EX_USAGE, "no command given", "relayq"),
	BAD(EX_USAGE, "unknown command \"frobnicate\"", "relayq", "frobnicate"),
	BAD(EX_USAGE, "unknown command \"-t\"", "relayq", "-t"),
	BAD(EX_USAGE, "unknown action \"purge\"", "relayq", "queue", "purge"),
	BAD(EX_USAGE, "unknown format \"yaml\"", "relayq", "queue", "--summary",
	    "--format=yaml"),
	BAD(EX_USAGE, "unknown format \"\"", "relayq", "queue", "--format="),
	BAD(EX_USAGE, "go with --summary", "relayq", "queue",
	    "--format=prometheus"),
	BAD(EX_USAGE, "go with --summary", "relayq", "queue", "show",
	    "--format=openmetrics", "X1"),
	BAD(EX_USAGE, "exactly one ID", "relayq", "queue", "show"),
	BAD(EX_USAGE, "exactly one ID", "relayq", "queue", "show", "A", "B"),
	BAD(EX_USAGE, "IDs or --all", "relayq", "queue", "delete"),
	BAD(EX_USAGE, "IDs or --all", "relayq", "queue", "hold", "A", "--all"),
	BAD(EX_USAGE, "not a message ID", "relayq", "queue", "delete",
	    "../etc"),
	BAD(EX_USAGE, "not a message ID", "relayq", "queue", "delete",
	    ".hidden"),
	BAD(EX_USAGE, "--summary goes alone", "relayq", "queue", "hold", "A",
	    "--summary"),
	BAD(EX_USAGE, "go with show", "relayq", "queue", "--all"),
	BAD(EX_USAGE, "unknown flag \"--force\"", "relayq", "queue", "--force"),
	BAD(EX_USAGE, "unexpected argument \"now\"", "relayq", "flush", "now"),
	BAD(EX_USAGE, "unexpected argument \"--force\"", "relayq", "check",
	    "--force"),
	BAD(EX_USAGE, "the only command is \"relayq oauth setup\"", "relayq",
	    "oauth"),
	BAD(EX_USAGE, "the only command is \"relayq oauth setup\"", "relayq",
	    "oauth", "login"),
	BAD(EX_USAGE, "unexpected argument \"x\"", "relayq", "oauth", "setup",
	    "x"),
	BAD(EX_USAGE, "unexpected argument \"--connect\"", "relayq", "flush",
	    "--connect"),
	BAD(EX_USAGE, "needs a file name", "relayq", "check", "-C"),
};

START_TEST(test_parse)
{
	const struct pcase *c = &cases[_i];
	struct cli_options o;
	struct err e;
	int argc = 0, rc;
	char *got;

	while (c->argv[argc])
		argc++;
	err_clear(&e);
	rc = cli_parse(&o, argc, (char *const *)c->argv, &e);
	if (c->code == 0) {
		ck_assert_msg(rc == 0, "case %d (%s): failed: %s", _i,
		    c->argv[1], e.msg);
		got = dump(&o);
		ck_assert_msg(strcmp(got, c->want) == 0,
		    "case %d: got \"%s\", want \"%s\"", _i, got, c->want);
		free(got);
	} else {
		ck_assert_msg(rc == -1, "case %d (%s): parsed, want error", _i,
		    c->argv[1]);
		ck_assert_int_eq(e.code, c->code);
		ck_assert_msg(strstr(e.msg, c->want) != NULL,
		    "case %d: message \"%s\" lacks \"%s\"", _i, e.msg, c->want);
	}
	cli_free(&o);
}
END_TEST

START_TEST(test_personality)
{
	ck_assert_int_eq(cli_personality(NULL), CLI_AS_SENDMAIL);
	ck_assert_int_eq(cli_personality("sendmail"), CLI_AS_SENDMAIL);
	ck_assert_int_eq(cli_personality("/usr/sbin/sendmail"),
	    CLI_AS_SENDMAIL);
	ck_assert_int_eq(cli_personality("./mailq"), CLI_AS_MAILQ);
	ck_assert_int_eq(cli_personality("newaliases"), CLI_AS_NEWALIASES);
	ck_assert_int_eq(cli_personality("/x/hoststat"), CLI_AS_HOSTSTAT);
	ck_assert_int_eq(cli_personality("purgestat"), CLI_AS_PURGESTAT);
	ck_assert_int_eq(cli_personality("/usr/bin/relayq"), CLI_AS_RELAYQ);
	ck_assert_int_eq(cli_personality("relayq-flush"), CLI_AS_SENDMAIL);
}
END_TEST

START_TEST(test_defaults)
{
	struct cli_options o;

	cli_init(&o);
	ck_assert_int_eq(o.mode, CLI_MODE_DELIVER);
	ck_assert_int_eq(o.delivery_mode, CONF_DELIVERY_BACKGROUND);
	ck_assert_int_eq(o.error_mode, CONF_ERRMODE_PRINT);
	ck_assert_int_eq(o.max_hops, 25);
	ck_assert_int_eq(o.ignore_dots, 0);
	ck_assert_int_eq(o.hop_count, 0);
	ck_assert_ptr_null(o.sender);
	cli_free(&o);
}
END_TEST

START_TEST(test_merge_conf)
{
	const char *argv[] = { "sendmail", "-odq", "-oA/cli/aliases", NULL };
	struct cli_options o;
	struct conf c;
	struct err e;
	static const char text[] =
	    "delivery_mode interactive\nerror_mode print\n"
	    "hop_limit 7\nqueue_dir /conf/q\naliases /conf/aliases\n";

	conf_init(&c);
	ck_assert_int_eq(conf_parse(&c, "t", text, strlen(text), &e), 0);
	ck_assert_int_eq(cli_parse(&o, 3, (char *const *)argv, &e), 0);
	cli_merge_conf(&o, &c);
	ck_assert_int_eq(o.delivery_mode,
	    CONF_DELIVERY_QUEUE); /* command line wins */
	ck_assert_str_eq(o.alias_file, "/cli/aliases");
	ck_assert_int_eq(o.error_mode, CONF_ERRMODE_PRINT); /* from the file */
	ck_assert_int_eq(o.max_hops, 7);
	ck_assert_str_eq(o.queue_dir, "/conf/q");
	cli_free(&o);
	conf_free(&c);
}
END_TEST

START_TEST(test_t_recipients)
{
	struct strv hdr = STRV_INIT, cmd = STRV_INIT, out = STRV_INIT;

	strv_add(&hdr, "a@Example.com");
	strv_add(&hdr, "B@example.com");
	strv_add(&hdr, "c@example.com");
	strv_add(&hdr, "local");
	strv_add(&cmd, "a@example.COM"); /* same: domain case-insensitive */
	strv_add(&cmd, "b@example.com"); /* differs: local part exact */
	strv_add(&cmd, "local");
	cli_t_recipients(&hdr, &cmd, &out);
	ck_assert_uint_eq(out.n, 2);
	ck_assert_str_eq(out.v[0], "B@example.com");
	ck_assert_str_eq(out.v[1], "c@example.com");
	ck_assert_int_eq(CLI_T_POLICY_REMOVE, 1);
	strv_free(&hdr);
	strv_free(&cmd);
	strv_free(&out);
}
END_TEST

/* clang-format off */
static const struct { const char *s; int ok; } xtext_cases[] = {
	{ "abc", 1 }, { "", 1 }, { "a+2Bb", 1 }, { "+3D", 1 }, { "~!", 1 },
	{ "a=b", 0 }, { "a+2b", 0 }, { "a+", 0 }, { "a+G0", 0 }, { "a b", 0 },
	{ "\x80", 0 },
};
/* clang-format on */

START_TEST(test_xtext)
{
	ck_assert_int_eq(cli_xtext_valid(xtext_cases[_i].s),
	    xtext_cases[_i].ok);
}
END_TEST

/* The out-parameter rule (err.h), the documented exception: after a
 * failed cli_parse the options hold what the flags before the bad one
 * set, a refused value never replaces a good one, and cli_free is right. */
START_TEST(test_failure_leaves_options_freeable)
{
	static const char *const bad_f[] = { "sendmail", "-f",
		"a@x\r\nBcc: v@y", "r@x", NULL };
	static const char *const bad_after[] = { "sendmail", "-F", "Ann", "-f",
		"me@x", "-V", "bad\001id", "r@x", NULL };
	struct cli_options o;
	struct err e;

	ck_assert_int_eq(cli_parse(&o, 4, (char *const *)bad_f, &e), -1);
	ck_assert_int_eq(e.code, EX_USAGE);
	ck_assert_ptr_null(o.sender);
	ck_assert_uint_eq(o.args.n, 0);
	cli_free(&o);
	ck_assert_int_eq(cli_parse(&o, 8, (char *const *)bad_after, &e), -1);
	ck_assert_int_eq(e.code, EX_USAGE);
	ck_assert_str_eq(o.full_name, "Ann");
	ck_assert_str_eq(o.sender, "me@x");
	ck_assert_ptr_null(o.envid);
	cli_free(&o);
	ck_assert_ptr_null(o.sender);
}
END_TEST

static Suite *
cli_suite(void)
{
	Suite *s = suite_create("cli");
	TCase *tc = tcase_create("core");

	tcase_add_loop_test(tc, test_parse, 0, TEST_NELEM(cases));
	tcase_add_test(tc, test_personality);
	tcase_add_test(tc, test_defaults);
	tcase_add_test(tc, test_failure_leaves_options_freeable);
	tcase_add_test(tc, test_merge_conf);
	tcase_add_test(tc, test_t_recipients);
	tcase_add_loop_test(tc, test_xtext, 0, TEST_NELEM(xtext_cases));
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	return check_main(cli_suite());
}
