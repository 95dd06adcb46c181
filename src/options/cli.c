/* cli.c — sendmail flags → struct cli_options: the flag table and its
 * parser, the helpers the other cli files share (cli_private.h), and the
 * struct's life cycle (see cli.h for what each flag sets).  The -o/-O
 * options are in cli_opt.c, relayq subcommands and argv[0] in
 * cli_relayq.c. */
#include "config.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>

#include "lib/i18n.h"
#include "lib/xalloc.h"
#include "message/rcpt.h"
#include "options/cli.h"
#include "options/cli_private.h"

/* ---- helpers shared with cli_opt.c and cli_relayq.c (cli_private.h) ------ */

/* 1 when s has no control characters (TAB allowed when tab is set). */
int
cli_clean(const char *s, int tab)
{
	for (; *s; s++)
		if (((unsigned char)*s < 0x20 && !(tab && *s == '\t')) ||
		    *s == 0x7f)
			return 0;
	return 1;
}

int
cli_refuse_ctl(const char *flag, struct err *e)
{
	return err_set(e, EX_USAGE,
	    _("%s: control character (CR, LF, ...) in argument; refused"),
	    flag);
}

int
cli_set_str(char **dst, const char *flag, const char *v, int tab, struct err *e)
{
	if (!cli_clean(v, tab))
		return cli_refuse_ctl(flag, e);
	free(*dst);
	*dst = xstrdup(v);
	return 0;
}

void
cli_ignore(struct cli_options *o, const char *what)
{
	if (!strv_contains(&o->ignored, what, 0))
		strv_add(&o->ignored, what);
}

int
cli_bad_value(const char *flag, const char *v, struct err *e)
{
	if (!cli_clean(v, 0))
		return cli_refuse_ctl(flag, e);
	return err_set(e, EX_USAGE,
	    _("%s: invalid value \"%s\"; see relayq(8)"), flag, v);
}

/* ---- sendmail flags ------------------------------------------------------ */

static int
flag_b(struct cli_options *o, const char *arg, struct err *e)
{
	/* clang-format off */
	static const struct { char c; enum cli_mode mode; } modes[] = {
		{ 'm', CLI_MODE_DELIVER }, { 'a', CLI_MODE_DELIVER },
		{ 's', CLI_MODE_SMTP }, { 'p', CLI_MODE_QUEUE_LIST },
		{ 'P', CLI_MODE_QUEUE_SUMMARY }, { 'i', CLI_MODE_NEWALIASES },
		{ 't', CLI_MODE_ADDRESS_TEST }, { 'v', CLI_MODE_VERIFY },
		{ 'h', CLI_MODE_HOSTSTAT }, { 'H', CLI_MODE_PURGESTAT },
	};
	/* clang-format on */
	size_t i;

	if ((arg[0] == 'd' || arg[0] == 'D') && arg[1] == '\0')
		return err_set(e, EX_USAGE,
		    _("-b%c: relayq has no daemon; mail is sent by relayq-flush from the queue"),
		    arg[0]);
	for (i = 0;
	     arg[0] && arg[1] == '\0' && i < sizeof(modes) / sizeof(modes[0]);
	     i++) {
		if (modes[i].c == arg[0]) {
			o->mode = modes[i].mode;
			if (arg[0] == 'a')
				cli_ignore(o, "-ba");
			return 0;
		}
	}
	if (!cli_clean(arg, 0))
		return cli_refuse_ctl("-b", e);
	return err_set(e, EX_USAGE, _("unknown flag -b%s; see relayq(8)"), arg);
}

static int
flag_N(struct cli_options *o, const char *arg, struct err *e)
{
	const char *p = arg;
	unsigned bits = 0, bit;
	size_t n;

	/* A word may repeat here (sendmail takes "-N success,success"). */
	while (*p) {
		n = strcspn(p, ",");
		if ((bit = rcpt_notify_word(p, n)) == 0)
			return cli_bad_value("-N", arg, e);
		bits |= bit;
		p += n + (p[n] == ',');
		if (p[-1] == ',' && *p == '\0')
			return cli_bad_value("-N", arg, e);
	}
	if (bits == 0 ||
	    ((bits & RCPT_NOTIFY_NEVER) && bits != RCPT_NOTIFY_NEVER))
		return cli_bad_value("-N", arg, e);
	o->notify = bits;
	return 0;
}

static int
flag_word(int *field, const char *flag, const char *arg, const char *w1,
    const char *w2, struct err *e)
{
	if (strcasecmp(arg, w1) == 0)
		return *field = 1, 0;
	if (strcasecmp(arg, w2) == 0)
		return *field = 2, 0;
	return cli_bad_value(flag, arg, e);
}

static int
flag_sender(struct cli_options *o, char ch, const char *arg, struct err *e)
{
	char flag[3] = { '-', ch, '\0' };

	if (o->sender)
		return err_set(e, EX_USAGE,
		    _("more than one sender (-f/-r) given"));
	return cli_set_str(&o->sender, flag, arg, 0, e);
}

static int
flag_V(struct cli_options *o, const char *arg, struct err *e)
{
	if (!cli_clean(arg, 0))
		return cli_refuse_ctl("-V", e);
	if (strlen(arg) > 100 || !cli_xtext_valid(arg))
		return err_set(e, EX_USAGE,
		    _("-V: invalid envelope id \"%s\": use at most 100 printable characters, no '+' or '=' except as +XX"),
		    arg);
	return cli_set_str(&o->envid, "-V", arg, 0, e);
}

static int
qfilter_add(struct cli_options *o, char kind, int negate, const char *s,
    struct err *e)
{
	char flag[5] = { '-', 'q', kind, '\0', '\0' };

	if (negate)
		flag[2] = '!', flag[3] = kind;
	if (!cli_clean(s, 0))
		return cli_refuse_ctl(flag, e);
	o->qfilters =
	    xreallocarray(o->qfilters, o->nqfilters + 1, sizeof(*o->qfilters));
	o->qfilters[o->nqfilters].kind = kind;
	o->qfilters[o->nqfilters].negate = negate;
	o->qfilters[o->nqfilters].substr = xstrdup(s);
	o->nqfilters++;
	return 0;
}

static int
flag_q(struct cli_options *o, const char *arg, struct cli_cursor *cur,
    struct err *e)
{
	int negate = arg[0] == '!';
	const char *p = arg + negate;

	o->mode = CLI_MODE_QUEUE_RUN;
	if (p[0] == 'I' || p[0] == 'R' || p[0] == 'S') {
		if (p[1] != '\0')
			return qfilter_add(o, p[0], negate, p + 1, e);
		if (*cur->i + 1 >= cur->argc)
			return err_set(e, EX_USAGE, _("-q%s needs a substring"),
			    arg);
		return qfilter_add(o, p[0], negate, cur->argv[++*cur->i], e);
	}
	if (negate || p[0] == 'G' || p[0] == 'Q' || p[0] == 'L')
		return err_set(e, EX_USAGE,
		    _("-q%.*s: relayq has no queue groups and no quarantine"),
		    2, arg);
	if (p[0] == 'f' && p[1] == '\0')
		return o->flush_foreground = 1, 0;
	if (p[0] == 'p')
		p++;
	if (p[0] == '\0')
		return 0;
	if (conf_duration(p, 'm', &o->queue_interval, NULL) < 0)
		return cli_bad_value("-q", arg, e);
	cli_ignore(o, "-q interval");
	return 0;
}

enum argkind { A_NONE, A_REQ, A_OPT }; /* A_OPT: optional, attached only */

struct cli_flag {
	char ch;
	enum argkind arg;
};

/* clang-format off */
static const struct cli_flag cli_flags[] = {
	{ 'A', A_REQ }, { 'B', A_REQ }, { 'C', A_REQ }, { 'F', A_REQ },
	{ 'G', A_NONE }, { 'I', A_NONE }, { 'L', A_REQ }, { 'M', A_REQ },
	{ 'N', A_REQ }, { 'O', A_REQ }, { 'Q', A_OPT }, { 'R', A_REQ },
	{ 'U', A_NONE }, { 'V', A_REQ }, { 'X', A_REQ }, { 'b', A_REQ },
	{ 'c', A_NONE }, { 'd', A_OPT }, { 'f', A_REQ }, { 'h', A_REQ },
	{ 'i', A_NONE }, { 'm', A_NONE }, { 'n', A_NONE }, { 'o', A_REQ },
	{ 'p', A_REQ }, { 'q', A_OPT }, { 'r', A_REQ }, { 's', A_NONE },
	{ 't', A_NONE }, { 'v', A_NONE },
};
/* clang-format on */

/* Flags with a value stored as given (after the control-character check). */
static int
flag_string(struct cli_options *o, char ch, const char *arg, struct err *e)
{
	char flag[3] = { '-', ch, '\0' };

	switch (ch) {
	case 'C':
		return cli_set_str(&o->config_file, flag, arg, 0, e);
	case 'F':
		return strlen(arg) > 256 ?
		    cli_bad_value(flag, arg, e) :
		    cli_set_str(&o->full_name, flag, arg, 1, e);
	case 'L':
		return cli_set_str(&o->syslog_tag, flag, arg, 0, e);
	case 'p':
		return cli_set_str(&o->protocol, flag, arg, 0, e);
	default:
		return -1;
	}
}

/* Flags with an argument accepted and ignored (recorded), or refused. */
static int
flag_other(struct cli_options *o, char ch, const char *arg, struct err *e)
{
	char flag[4] = { '-', ch, '\0', '\0' };

	if (ch == 'Q')
		return err_set(e, EX_USAGE, _("-Q: relayq has no quarantine"));
	if (!cli_clean(arg, 0))
		return cli_refuse_ctl(flag, e);
	if (ch == 'A') {
		if (strcmp(arg, "c") != 0 && strcmp(arg, "m") != 0)
			return cli_bad_value("-A", arg, e);
		flag[2] = arg[0];
	}
	cli_ignore(o, flag);
	return 0;
}

/* Flags without an argument (A_NONE). */
static void
flag_bare(struct cli_options *o, char ch)
{
	char flag[3] = { '-', ch, '\0' };

	switch (ch) {
	case 'I':
		o->mode = CLI_MODE_NEWALIASES;
		return;
	case 'i':
		o->ignore_dots = 1;
		return;
	case 'm':
		o->me_too = 1;
		return;
	case 'n':
		o->no_alias = 1;
		return;
	case 't':
		o->extract_rcpts = 1;
		return;
	case 'v':
		o->verbose++;
		return;
	default:
		cli_ignore(o, flag);
		return; /* -G -U -c -s */
	}
}

/* Flags with an argument (A_REQ, A_OPT): arg is never NULL ("" when an
 * optional one is absent). */
static int
flag_apply(struct cli_options *o, char ch, const char *arg,
    struct cli_cursor *cur, struct err *e)
{
	long n;

	switch (ch) {
	case 'B':
		return flag_word((int *)&o->body, "-B", arg, "7BIT", "8BITMIME",
		    e);
	case 'C':
	case 'F':
	case 'L':
	case 'p':
		return flag_string(o, ch, arg, e);
	case 'N':
		return flag_N(o, arg, e);
	case 'O':
		return cli_flag_O(o, arg, e);
	case 'R':
		return flag_word((int *)&o->ret, "-R", arg, "full", "hdrs", e);
	case 'V':
		return flag_V(o, arg, e);
	case 'b':
		return flag_b(o, arg, e);
	case 'f':
	case 'r':
		return flag_sender(o, ch, arg, e);
	case 'h':
		if (conf_long(arg, 0, 1000, &n) < 0)
			return cli_bad_value("-h", arg, e);
		o->hop_count = n;
		return 0;
	case 'o':
		return cli_flag_o(o, arg, cur, e);
	case 'q':
		return flag_q(o, arg, cur, e);
	default:
		return flag_other(o, ch, arg, e);
	}
}

static const struct cli_flag *
flag_find(char ch)
{
	size_t i;

	for (i = 0; i < sizeof(cli_flags) / sizeof(cli_flags[0]); i++)
		if (cli_flags[i].ch == ch)
			return &cli_flags[i];
	return NULL;
}

/* One argv word of clustered flags ("-ti", "-fuser", "-f" + next). */
static int
flag_word_cluster(struct cli_options *o, struct cli_cursor *cur, struct err *e)
{
	const char *w = cur->argv[*cur->i];
	const struct cli_flag *f;
	size_t j;

	for (j = 1; w[j]; j++) {
		if ((f = flag_find(w[j])) == NULL)
			return err_set(e, EX_USAGE,
			    _("unknown flag -%c; see relayq(8)"),
			    (unsigned char)w[j] > 0x20 &&
			            (unsigned char)w[j] < 0x7f ?
			        w[j] :
			        '?');
		if (f->arg == A_NONE) {
			flag_bare(o, f->ch);
			continue;
		}
		if (f->arg == A_OPT || w[j + 1] != '\0')
			return flag_apply(o, f->ch, w + j + 1, cur, e);
		if (*cur->i + 1 >= cur->argc)
			return err_set(e, EX_USAGE,
			    _("flag -%c needs an argument"), f->ch);
		return flag_apply(o, f->ch, cur->argv[++*cur->i], cur, e);
	}
	return 0;
}

static int
add_recipients(struct cli_options *o, int argc, char *const *argv, int i,
    int dashdash, struct err *e)
{
	for (; i < argc; i++) {
		if (!cli_clean(argv[i], 0))
			return err_set(e, EX_DATAERR,
			    _("recipient address with a control character (CR, LF, ...); refused"));
		if (!dashdash && argv[i][0] == '-' && argv[i][1] != '\0')
			return err_set(e, EX_USAGE,
			    _("flag \"%s\" after the recipients; put flags first (or \"--\" before an address starting with '-')"),
			    argv[i]);
		strv_add(&o->args, argv[i]);
	}
	return 0;
}

int
cli_parse_sendmail(struct cli_options *o, int argc, char *const *argv,
    int first, struct err *e)
{
	struct cli_cursor cur;
	int i;

	cur.argc = argc;
	cur.argv = argv;
	cur.i = &i;
	for (i = first; i < argc; i++) {
		if (strcmp(argv[i], "--") == 0)
			return add_recipients(o, argc, argv, i + 1, 1, e);
		if (argv[i][0] != '-' || argv[i][1] == '\0')
			break;
		if (flag_word_cluster(o, &cur, e) < 0)
			return -1;
	}
	return add_recipients(o, argc, argv, i, 0, e);
}

/* ---- the options struct ------------------------------------------------- */

void
cli_init(struct cli_options *o)
{
	memset(o, 0, sizeof(*o));
	o->mode = CLI_MODE_DELIVER;
	o->delivery_mode = CONF_DELIVERY_BACKGROUND;
	o->error_mode = CONF_ERRMODE_PRINT;
	o->max_hops = 25;
	o->log_level = -1;
	o->checkpoint = -1;
	o->queue_return = -1;
	o->queue_warn = -1;
	o->min_queue_age = -1;
	o->queue_interval = -1;
}

void
cli_free(struct cli_options *o)
{
	size_t k;

	free(o->config_file);
	free(o->sender);
	free(o->full_name);
	free(o->envid);
	free(o->syslog_tag);
	free(o->protocol);
	free(o->alias_file);
	free(o->queue_dir);
	for (k = 0; k < o->nqfilters; k++)
		free(o->qfilters[k].substr);
	free(o->qfilters);
	strv_free(&o->ignored);
	strv_free(&o->args);
	cli_init(o);
}

void
cli_merge_conf(struct cli_options *o, const struct conf *c)
{
	if (!(o->set & CLI_SET_DELIVERY))
		o->delivery_mode = c->delivery_mode;
	if (!(o->set & CLI_SET_ERRMODE))
		o->error_mode = c->error_mode;
	if (!(o->set & CLI_SET_MAXHOPS))
		o->max_hops = c->hop_limit;
	if (!(o->set & CLI_SET_QUEUEDIR) && c->queue_dir) {
		free(o->queue_dir);
		o->queue_dir = xstrdup(c->queue_dir);
	}
	if (!(o->set & CLI_SET_ALIASES) && c->aliases) {
		free(o->alias_file);
		o->alias_file = xstrdup(c->aliases);
	}
}

static int
addr_eq(const char *a, const char *b)
{
	const char *da = strrchr(a, '@'), *db = strrchr(b, '@');

	if (!da || !db)
		return !da && !db && strcmp(a, b) == 0;
	return da - a == db - b && strncmp(a, b, (size_t)(da - a)) == 0 &&
	    strcasecmp(da, db) == 0;
}

void
cli_t_recipients(const struct strv *from_headers, const struct strv *cmdline,
    struct strv *out)
{
	size_t i, j;

	for (i = 0; i < from_headers->n; i++) {
		for (j = 0; j < cmdline->n; j++)
			if (addr_eq(from_headers->v[i], cmdline->v[j]))
				break;
		if (j == cmdline->n)
			strv_add(out, from_headers->v[i]);
	}
}

int
cli_xtext_valid(const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '+') {
			if (!isxdigit((unsigned char)s[1]) ||
			    !isxdigit((unsigned char)s[2]) ||
			    islower((unsigned char)s[1]) ||
			    islower((unsigned char)s[2]))
				return 0;
			s += 2;
		} else if (c < 33 || c > 126 || c == '=') {
			return 0;
		}
	}
	return 1;
}
