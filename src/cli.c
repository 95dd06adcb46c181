/* cli.c — sendmail flags and relayq subcommands → struct cli_options
 * (see cli.h for what each flag sets). */
#include "config.h"

#include <ctype.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>

#include "cli.h"
#include "i18n.h"
#include "xalloc.h"

/* Where the flag loop stands; handlers that take a further argument
 * (-qI substr, -o Q dir) advance *i. */
struct cursor {
	int argc;
	char *const *argv;
	int *i;
};

/* ---- small helpers ------------------------------------------------------- */

/* 1 when s has no control characters (TAB allowed when tab is set). */
static int
clean(const char *s, int tab)
{
	for (; *s; s++)
		if (((unsigned char)*s < 0x20 && !(tab && *s == '\t')) || *s == 0x7f)
			return 0;
	return 1;
}

static int
refuse_ctl(const char *flag, struct err *e)
{
	return err_set(e, EX_USAGE,
	    _("%s: control character (CR, LF, ...) in argument; refused"), flag);
}

static int
set_str(char **dst, const char *flag, const char *v, int tab, struct err *e)
{
	if (!clean(v, tab))
		return refuse_ctl(flag, e);
	free(*dst);
	*dst = xstrdup(v);
	return 0;
}

static void
ignore(struct cli_options *o, const char *what)
{
	if (!strv_contains(&o->ignored, what, 0))
		strv_add(&o->ignored, what);
}

static int
bad_value(const char *flag, const char *v, struct err *e)
{
	if (!clean(v, 0))
		return refuse_ctl(flag, e);
	return err_set(e, EX_USAGE, _("%s: invalid value \"%s\"; see relayq(8)"), flag, v);
}

/* ---- -o / -O processing options ------------------------------------------ */

enum otype { O_STR, O_INT, O_BOOL, O_CHOICE, O_DURATION, O_TIMEOUT, O_NORCPT };

struct cli_opt {
	char letter;            /* '\0': long name only */
	const char *name;
	enum otype type;
	size_t off;
	const char *choices;    /* O_CHOICE: first characters; index + 1 stored */
	char unit;              /* O_DURATION, O_TIMEOUT: unit of a bare number */
	unsigned setbit;        /* CLI_SET_* */
};

#define OFF(f) offsetof(struct cli_options, f)
static const struct cli_opt cli_opts[] = {
	{ 'A', "AliasFile", O_STR, OFF(alias_file), NULL, 0, CLI_SET_ALIASES },
	{ 'd', "DeliveryMode", O_CHOICE, OFF(delivery_mode), "biqd", 0, CLI_SET_DELIVERY },
	{ 'e', "ErrorMode", O_CHOICE, OFF(error_mode), "mpqwe", 0, CLI_SET_ERRMODE },
	{ 'h', "MaxHopCount", O_INT, OFF(max_hops), NULL, 0, CLI_SET_MAXHOPS },
	{ 'i', "IgnoreDots", O_BOOL, OFF(ignore_dots), NULL, 0, 0 },
	{ 'm', "MeToo", O_BOOL, OFF(me_too), NULL, 0, 0 },
	{ 'Q', "QueueDirectory", O_STR, OFF(queue_dir), NULL, 0, CLI_SET_QUEUEDIR },
	{ 'T', "Timeout.queuereturn", O_TIMEOUT, OFF(queue_return), NULL, 'd', 0 },
	{ '\0', "Timeout.queuewarn", O_DURATION, OFF(queue_warn), NULL, 'h', 0 },
	{ '8', "EightBitMode", O_CHOICE, OFF(eightbit_mode), "mps", 0, 0 },
	{ '\0', "MinQueueAge", O_DURATION, OFF(min_queue_age), NULL, 'm', 0 },
	{ '\0', "NoRecipientAction", O_NORCPT, OFF(no_rcpt_action), NULL, 0, 0 },
	{ 'L', "LogLevel", O_INT, OFF(log_level), NULL, 0, 0 },
	{ 'C', "CheckpointInterval", O_INT, OFF(checkpoint), NULL, 0, 0 },
	{ 'v', "Verbose", O_BOOL, OFF(verbose), NULL, 0, 0 },
};
#undef OFF
#define NOPTS (sizeof(cli_opts) / sizeof(cli_opts[0]))

/* sendmail.cf options with no meaning for a null client: accepted, ignored. */
static const char cli_ignored_letters[] = "7aBbcDEFfGHIJjKklMnOoPpqRrSstUuVwxXYyzZ";
static const char *const cli_ignored_names[] = {
	"AliasWait", "AllowBogusHELO", "AuthMechanisms", "AuthOptions",
	"AutoRebuildAliases", "BadRcptThrottle", "BlankSub", "ClassFactor",
	"ClientPortOptions", "ColonOkInAddr", "ConnectionCacheSize",
	"ConnectionCacheTimeout", "ConnectionRateThrottle", "ConnectOnlyTo",
	"ControlSocketName", "DaemonPortOptions", "DataFileBufferSize",
	"DeadLetterDrop", "DefaultCharSet", "DefaultUser", "DialDelay",
	"DontBlameSendmail", "DontExpandCnames", "DontInitGroups",
	"DontProbeInterfaces", "DontPruneRoutes", "DoubleBounceAddress",
	"ErrorHeader", "FallbackMXhost", "FastSplit", "ForkEachJob",
	"ForwardPath", "HelpFile", "HoldExpensive", "HostsFile",
	"HostStatusDirectory", "MatchGECOS", "MaxAliasRecursion",
	"MaxDaemonChildren", "MaxHeadersLength", "MaxMessageSize",
	"MaxMimeHeaderLength", "MaxQueueChildren", "MaxQueueRunSize",
	"MaxRecipientsPerMessage", "MaxRunnersPerQueue", "MinFreeBlocks",
	"MustQuoteChars", "NiceQueueRun", "OldStyleHeaders", "OperatorChars",
	"PidFile", "PostmasterCopy", "PrivacyOptions", "ProcessTitlePrefix",
	"QueueFactor", "QueueFileMode", "QueueLA", "QueueSortOrder",
	"RecipientFactor", "RefuseLA", "RejectLogInterval", "ResolverOptions",
	"RetryFactor", "RrtImpliesDsn", "RunAsUser", "SafeFileEnvironment",
	"SaveFromLine", "SendMimeErrors", "ServiceSwitchFile", "SevenBitInput",
	"SingleLineFromHeader", "SingleThreadDelivery", "SmtpGreetingMessage",
	"StatusFile", "SuperSafe", "TempFileMode", "TimeZoneSpec",
	"TryNullMXList", "UnixFromLine", "UnsafeGroupWrites", "UseErrorsTo",
	"UseMSP", "UserDatabaseSpec", "XscriptFileBufferSize", NULL
};

static const char *const norcpt_words[] = {
	"none", "add-to", "add-apparently-to", "add-bcc", "add-to-undisclosed", NULL
};

static int
opt_bool(const char *v)
{
	return v[0] == '\0' || strchr("tTyY1", v[0]) ? 1 : strchr("fFnN0", v[0]) ? 0 : -1;
}

static int
opt_duration(const char *v, char unit, long long *out)
{
	return conf_duration(v, unit, out, NULL);
}

/* -oT return[/warn] */
static int
opt_timeout(struct cli_options *o, const char *v)
{
	const char *slash = strchr(v, '/');
	char *ret = xstrndup(v, slash ? (size_t)(slash - v) : strlen(v));
	int rc = 0;

	if (ret[0] && opt_duration(ret, 'd', &o->queue_return) < 0)
		rc = -1;
	if (slash && opt_duration(slash + 1, 'h', &o->queue_warn) < 0)
		rc = -1;
	if (ret[0] == '\0' && !slash)
		rc = -1;
	free(ret);
	return rc;
}

static int
opt_value(struct cli_options *o, const struct cli_opt *op, const char *v)
{
	void *p = (char *)o + op->off;
	const char *c;
	long n;
	int b, i;

	switch (op->type) {
	case O_STR:
		if (v[0] == '\0')
			return -1;
		free(*(char **)p);
		*(char **)p = xstrdup(v);
		return 0;
	case O_INT:
		if (conf_long(v, 0, INT_MAX, &n) < 0)
			return -1;
		return *(long *)p = n, 0;
	case O_BOOL:
		if ((b = opt_bool(v)) < 0)
			return -1;
		return *(int *)p = b, 0;
	case O_CHOICE:
		if (v[0] == '\0' || (c = strchr(op->choices, tolower((unsigned char)v[0]))) == NULL)
			return -1;
		return *(int *)p = (int)(c - op->choices) + 1, 0;
	case O_DURATION:
		return opt_duration(v, op->unit, p);
	case O_TIMEOUT:
		return opt_timeout(o, v);
	case O_NORCPT:
		for (i = 0; norcpt_words[i]; i++)
			if (strcasecmp(v, norcpt_words[i]) == 0)
				return *(int *)p = i + 1, 0;
		return -1;
	}
	return -1;
}

static const struct cli_opt *
opt_find(char letter, const char *name)
{
	size_t i;

	for (i = 0; i < NOPTS; i++)
		if (name ? strcasecmp(cli_opts[i].name, name) == 0 :
		    letter == cli_opts[i].letter)
			return &cli_opts[i];
	return NULL;
}

static int
opt_ignored_name(const char *name)
{
	size_t i;

	if (strncasecmp(name, "Timeout.", 8) == 0 && name[8] != '\0')
		return 1;
	for (i = 0; cli_ignored_names[i]; i++)
		if (strcasecmp(name, cli_ignored_names[i]) == 0)
			return 1;
	return 0;
}

/* Applies one option; flag names it in messages ("-oQ", "-O MaxHopCount"). */
static int
opt_apply(struct cli_options *o, const struct cli_opt *op, const char *flag,
    const char *v, struct err *e)
{
	if (!clean(v, 0))
		return refuse_ctl(flag, e);
	if (opt_value(o, op, v) < 0)
		return bad_value(flag, v, e);
	o->set |= op->setbit;
	return 0;
}

static int
opt_needs_value(const struct cli_opt *op)
{
	return op->type != O_BOOL;
}

/* -oXvalue, -o Xvalue, and -o X value for options that need a value. */
static int
flag_o(struct cli_options *o, const char *arg, struct cursor *cur, struct err *e)
{
	char flag[4] = { '-', 'o', arg[0], '\0' };
	const struct cli_opt *op;
	const char *v = arg[0] ? arg + 1 : arg;

	if (arg[0] == '\0')
		return err_set(e, EX_USAGE, _("-o needs an option letter, e.g. -oi"));
	if ((op = opt_find(arg[0], NULL)) == NULL) {
		if (!strchr(cli_ignored_letters, arg[0]))
			return err_set(e, EX_USAGE, _("unknown option %s; see relayq(8)"), flag);
		if (!clean(v, 0))
			return refuse_ctl(flag, e);
		ignore(o, flag);
		return 0;
	}
	if (v[0] == '\0' && opt_needs_value(op)) {
		if (*cur->i + 1 >= cur->argc)
			return err_set(e, EX_USAGE, _("%s needs a value"), flag);
		v = cur->argv[++*cur->i];
	}
	return opt_apply(o, op, flag, v, e);
}

/* -O Name=value (Name alone: a boolean set to true). */
static int
flag_O(struct cli_options *o, const char *arg, struct err *e)
{
	const char *eq = strchr(arg, '=');
	char *name = xstrndup(arg, eq ? (size_t)(eq - arg) : strlen(arg));
	char *flag = xasprintf("-O %s", name);
	const char *v = eq ? eq + 1 : "";
	const struct cli_opt *op;
	int rc = 0;

	if (!clean(arg, 0)) {
		rc = refuse_ctl("-O", e);
	} else if ((op = opt_find('\0', name)) != NULL) {
		if (!eq && opt_needs_value(op))
			rc = err_set(e, EX_USAGE, _("%s needs a value: -O %s=VALUE"), flag, name);
		else
			rc = opt_apply(o, op, flag, v, e);
	} else if (opt_ignored_name(name)) {
		ignore(o, flag);
	} else {
		rc = err_set(e, EX_USAGE, _("unknown option %s; see relayq(8)"), flag);
	}
	free(name);
	free(flag);
	return rc;
}

/* ---- sendmail flags ------------------------------------------------------ */

static int
flag_b(struct cli_options *o, const char *arg, struct err *e)
{
	static const struct { char c; enum cli_mode mode; } modes[] = {
		{ 'm', CLI_MODE_DELIVER }, { 'a', CLI_MODE_DELIVER },
		{ 's', CLI_MODE_SMTP }, { 'p', CLI_MODE_QUEUE_LIST },
		{ 'P', CLI_MODE_QUEUE_SUMMARY }, { 'i', CLI_MODE_NEWALIASES },
		{ 't', CLI_MODE_ADDRESS_TEST }, { 'v', CLI_MODE_VERIFY },
		{ 'h', CLI_MODE_HOSTSTAT }, { 'H', CLI_MODE_PURGESTAT },
	};
	size_t i;

	if ((arg[0] == 'd' || arg[0] == 'D') && arg[1] == '\0')
		return err_set(e, EX_USAGE,
		    _("-b%c: relayq has no daemon; mail is sent by relayq-flush from the queue"),
		    arg[0]);
	for (i = 0; arg[0] && arg[1] == '\0' && i < sizeof(modes) / sizeof(modes[0]); i++) {
		if (modes[i].c == arg[0]) {
			o->mode = modes[i].mode;
			if (arg[0] == 'a')
				ignore(o, "-ba");
			return 0;
		}
	}
	if (!clean(arg, 0))
		return refuse_ctl("-b", e);
	return err_set(e, EX_USAGE, _("unknown flag -b%s; see relayq(8)"), arg);
}

static int
flag_N(struct cli_options *o, const char *arg, struct err *e)
{
	static const char *const words[] = { "success", "failure", "delay", "never" };
	const char *p = arg;
	size_t n, i;
	int bits = 0;

	while (*p) {
		n = strcspn(p, ",");
		for (i = 0; i < 4; i++)
			if (strlen(words[i]) == n && strncasecmp(p, words[i], n) == 0)
				break;
		if (i == 4)
			return bad_value("-N", arg, e);
		bits |= 1 << i;
		p += n + (p[n] == ',');
		if (p[-1] == ',' && *p == '\0')
			return bad_value("-N", arg, e);
	}
	if (bits == 0 || ((bits & CLI_NOTIFY_NEVER) && bits != CLI_NOTIFY_NEVER))
		return bad_value("-N", arg, e);
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
	return bad_value(flag, arg, e);
}

static int
flag_sender(struct cli_options *o, char ch, const char *arg, struct err *e)
{
	char flag[3] = { '-', ch, '\0' };

	if (o->sender)
		return err_set(e, EX_USAGE, _("more than one sender (-f/-r) given"));
	return set_str(&o->sender, flag, arg, 0, e);
}

static int
flag_V(struct cli_options *o, const char *arg, struct err *e)
{
	if (!clean(arg, 0))
		return refuse_ctl("-V", e);
	if (strlen(arg) > 100 || !cli_xtext_valid(arg))
		return err_set(e, EX_USAGE,
		    _("-V: invalid envelope id \"%s\": use at most 100 printable characters, no '+' or '=' except as +XX"),
		    arg);
	return set_str(&o->envid, "-V", arg, 0, e);
}

static int
qfilter_add(struct cli_options *o, char kind, int negate, const char *s, struct err *e)
{
	char flag[5] = { '-', 'q', kind, '\0', '\0' };

	if (negate)
		flag[2] = '!', flag[3] = kind;
	if (!clean(s, 0))
		return refuse_ctl(flag, e);
	o->qfilters = xreallocarray(o->qfilters, o->nqfilters + 1, sizeof(*o->qfilters));
	o->qfilters[o->nqfilters].kind = kind;
	o->qfilters[o->nqfilters].negate = negate;
	o->qfilters[o->nqfilters].substr = xstrdup(s);
	o->nqfilters++;
	return 0;
}

static int
flag_q(struct cli_options *o, const char *arg, struct cursor *cur, struct err *e)
{
	int negate = arg[0] == '!';
	const char *p = arg + negate;

	o->mode = CLI_MODE_QUEUE_RUN;
	if (p[0] == 'I' || p[0] == 'R' || p[0] == 'S') {
		if (p[1] != '\0')
			return qfilter_add(o, p[0], negate, p + 1, e);
		if (*cur->i + 1 >= cur->argc)
			return err_set(e, EX_USAGE, _("-q%s needs a substring"), arg);
		return qfilter_add(o, p[0], negate, cur->argv[++*cur->i], e);
	}
	if (negate || p[0] == 'G' || p[0] == 'Q' || p[0] == 'L')
		return err_set(e, EX_USAGE,
		    _("-q%.*s: relayq has no queue groups and no quarantine"), 2, arg);
	if (p[0] == 'f' && p[1] == '\0')
		return o->flush_foreground = 1, 0;
	if (p[0] == 'p')
		p++;
	if (p[0] == '\0')
		return 0;
	if (opt_duration(p, 'm', &o->queue_interval) < 0)
		return bad_value("-q", arg, e);
	ignore(o, "-q interval");
	return 0;
}

enum argkind { A_NONE, A_REQ, A_OPT };  /* A_OPT: optional, attached only */

struct cli_flag {
	char ch;
	enum argkind arg;
};

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

/* Flags with a value stored as given (after the control-character check). */
static int
flag_string(struct cli_options *o, char ch, const char *arg, struct err *e)
{
	char flag[3] = { '-', ch, '\0' };

	switch (ch) {
	case 'C': return set_str(&o->config_file, flag, arg, 0, e);
	case 'F': return strlen(arg) > 256 ? bad_value(flag, arg, e) :
	    set_str(&o->full_name, flag, arg, 1, e);
	case 'L': return set_str(&o->syslog_tag, flag, arg, 0, e);
	case 'p': return set_str(&o->protocol, flag, arg, 0, e);
	default: return -1;
	}
}

/* Flags accepted and ignored (recorded), or refused. */
static int
flag_other(struct cli_options *o, char ch, const char *arg, struct err *e)
{
	char flag[4] = { '-', ch, '\0', '\0' };

	if (ch == 'Q')
		return err_set(e, EX_USAGE, _("-Q: relayq has no quarantine"));
	if (arg && !clean(arg, 0))
		return refuse_ctl(flag, e);
	if (ch == 'A') {
		if (strcmp(arg, "c") != 0 && strcmp(arg, "m") != 0)
			return bad_value("-A", arg, e);
		flag[2] = arg[0];
	}
	ignore(o, flag);
	return 0;
}

static int
flag_apply(struct cli_options *o, char ch, const char *arg, struct cursor *cur,
    struct err *e)
{
	long n;

	switch (ch) {
	case 'B': return flag_word((int *)&o->body, "-B", arg, "7BIT", "8BITMIME", e);
	case 'C': case 'F': case 'L': case 'p':
		return flag_string(o, ch, arg, e);
	case 'I': o->mode = CLI_MODE_NEWALIASES; return 0;
	case 'N': return flag_N(o, arg, e);
	case 'O': return flag_O(o, arg, e);
	case 'R': return flag_word((int *)&o->ret, "-R", arg, "full", "hdrs", e);
	case 'V': return flag_V(o, arg, e);
	case 'b': return flag_b(o, arg, e);
	case 'f': case 'r': return flag_sender(o, ch, arg, e);
	case 'h':
		if (conf_long(arg, 0, 1000, &n) < 0)
			return bad_value("-h", arg, e);
		o->hop_count = n;
		return 0;
	case 'i': o->ignore_dots = 1; return 0;
	case 'm': o->me_too = 1; return 0;
	case 'n': o->no_alias = 1; return 0;
	case 'o': return flag_o(o, arg, cur, e);
	case 'q': return flag_q(o, arg, cur, e);
	case 't': o->extract_rcpts = 1; return 0;
	case 'v': o->verbose++; return 0;
	default: return flag_other(o, ch, arg, e);
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
flag_word_cluster(struct cli_options *o, struct cursor *cur, struct err *e)
{
	const char *w = cur->argv[*cur->i];
	const struct cli_flag *f;
	size_t j;

	for (j = 1; w[j]; j++) {
		if ((f = flag_find(w[j])) == NULL)
			return err_set(e, EX_USAGE, _("unknown flag -%c; see relayq(8)"),
			    (unsigned char)w[j] > 0x20 && (unsigned char)w[j] < 0x7f ? w[j] : '?');
		if (f->arg == A_NONE) {
			if (flag_apply(o, f->ch, NULL, cur, e) < 0)
				return -1;
			continue;
		}
		if (f->arg == A_OPT || w[j + 1] != '\0')
			return flag_apply(o, f->ch, w + j + 1, cur, e);
		if (*cur->i + 1 >= cur->argc)
			return err_set(e, EX_USAGE, _("flag -%c needs an argument"), f->ch);
		return flag_apply(o, f->ch, cur->argv[++*cur->i], cur, e);
	}
	return 0;
}

static int
add_recipients(struct cli_options *o, int argc, char *const *argv, int i,
    int dashdash, struct err *e)
{
	for (; i < argc; i++) {
		if (!clean(argv[i], 0))
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
cli_parse_sendmail(struct cli_options *o, int argc, char *const *argv, int first,
    struct err *e)
{
	struct cursor cur;
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

/* ---- relayq subcommands -------------------------------------------------- */

static int
valid_id(const char *s)
{
	size_t i;

	if (s[0] == '\0' || s[0] == '.' || strlen(s) > 64)
		return 0;
	for (i = 0; s[i]; i++)
		if (!isalnum((unsigned char)s[i]) && !strchr("._-", s[i]))
			return 0;
	return 1;
}

/* -v and -C FILE, accepted before and after the command word.
 * Returns 1 when argv[*i] was one of them, 0 when not, -1 on error. */
static int
relayq_common(struct cli_options *o, int argc, char *const *argv, int *i, struct err *e)
{
	const char *a = argv[*i];

	if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0)
		return o->verbose++, 1;
	if (strcmp(a, "-C") != 0 && strcmp(a, "--config") != 0)
		return 0;
	if (*i + 1 >= argc)
		return err_set(e, EX_USAGE, _("%s needs a file name"), a);
	return set_str(&o->config_file, a, argv[++*i], 0, e) < 0 ? -1 : 1;
}

static const struct {
	const char *word;
	enum cli_mode mode;
} queue_actions[] = {
	{ "show", CLI_MODE_QUEUE_SHOW }, { "delete", CLI_MODE_QUEUE_DELETE },
	{ "hold", CLI_MODE_QUEUE_HOLD }, { "release", CLI_MODE_QUEUE_RELEASE },
	{ "retry", CLI_MODE_QUEUE_RETRY },
};

static int
queue_check(struct cli_options *o, struct err *e)
{
	switch (o->mode) {
	case CLI_MODE_QUEUE_LIST:
	case CLI_MODE_QUEUE_SUMMARY:
		if (o->args.n || o->all)
			return err_set(e, EX_USAGE,
			    _("relayq queue: IDs and --all go with show, delete, hold, release or retry"));
		return 0;
	case CLI_MODE_QUEUE_SHOW:
		if (o->args.n != 1 || o->all)
			return err_set(e, EX_USAGE, _("relayq queue show: give exactly one ID"));
		return 0;
	default:
		if ((o->args.n == 0) == (o->all == 0))
			return err_set(e, EX_USAGE,
			    _("relayq queue: give message IDs or --all, not both"));
		return 0;
	}
}

static int
relayq_queue(struct cli_options *o, int argc, char *const *argv, int i, struct err *e)
{
	size_t k, nact = sizeof(queue_actions) / sizeof(queue_actions[0]);
	int rc, summary = 0, action = 0, dd = 0;

	o->mode = CLI_MODE_QUEUE_LIST;
	for (; i < argc; i++) {
		const char *a = argv[i];
		const char *shown = clean(a, 0) ? a : "?";

		if (!dd && (rc = relayq_common(o, argc, argv, &i, e)) != 0) {
			if (rc < 0)
				return -1;
		} else if (!dd && strcmp(a, "--json") == 0) {
			o->json = 1;
		} else if (!dd && strcmp(a, "--summary") == 0) {
			summary = 1;
		} else if (!dd && strcmp(a, "--all") == 0) {
			o->all = 1;
		} else if (!dd && strcmp(a, "--") == 0) {
			dd = 1;
		} else if (!dd && a[0] == '-' && a[1] != '\0') {
			return err_set(e, EX_USAGE, _("relayq queue: unknown flag \"%s\""), shown);
		} else if (!action++) {
			for (k = 0; k < nact && strcmp(a, queue_actions[k].word) != 0; k++)
				;
			if (k == nact)
				return err_set(e, EX_USAGE,
				    _("relayq queue: unknown action \"%s\"; use show, delete, hold, release or retry"),
				    shown);
			o->mode = queue_actions[k].mode;
		} else if (!valid_id(a)) {
			return err_set(e, EX_USAGE, _("relayq queue: \"%s\" is not a message ID"), shown);
		} else {
			strv_add(&o->args, a);
		}
	}
	if (summary) {
		if (o->mode != CLI_MODE_QUEUE_LIST)
			return err_set(e, EX_USAGE, _("relayq queue: --summary goes alone"));
		o->mode = CLI_MODE_QUEUE_SUMMARY;
	}
	return queue_check(o, e);
}

/* flush [--force] [-v], check, version, help: flags only, no operands. */
static int
relayq_simple(struct cli_options *o, int argc, char *const *argv, int i, struct err *e)
{
	int rc;

	for (; i < argc; i++) {
		if ((rc = relayq_common(o, argc, argv, &i, e)) < 0)
			return -1;
		if (rc)
			continue;
		if (o->mode == CLI_MODE_FLUSH && strcmp(argv[i], "--force") == 0) {
			o->flush_force = 1;
			continue;
		}
		return err_set(e, EX_USAGE, _("unexpected argument \"%s\"; see relayq --help"),
		    clean(argv[i], 0) ? argv[i] : "?");
	}
	return 0;
}

static int
relayq_parse(struct cli_options *o, int argc, char *const *argv, struct err *e)
{
	static const struct { const char *word; enum cli_mode mode; } cmds[] = {
		{ "flush", CLI_MODE_FLUSH }, { "check", CLI_MODE_CHECK },
		{ "--version", CLI_MODE_VERSION }, { "version", CLI_MODE_VERSION },
		{ "--help", CLI_MODE_HELP }, { "help", CLI_MODE_HELP },
	};
	size_t k;
	int i, rc;

	for (i = 1; i < argc; i++) {
		if ((rc = relayq_common(o, argc, argv, &i, e)) < 0)
			return -1;
		if (rc == 0)
			break;
	}
	if (i >= argc)
		return err_set(e, EX_USAGE, _("relayq: no command given; see relayq --help"));
	if (strcmp(argv[i], "queue") == 0)
		return relayq_queue(o, argc, argv, i + 1, e);
	if (strcmp(argv[i], "sendmail") == 0) {
		o->mode = CLI_MODE_DELIVER;
		return cli_parse_sendmail(o, argc, argv, i + 1, e);
	}
	for (k = 0; k < sizeof(cmds) / sizeof(cmds[0]); k++) {
		if (strcmp(argv[i], cmds[k].word) == 0) {
			o->mode = cmds[k].mode;
			return relayq_simple(o, argc, argv, i + 1, e);
		}
	}
	return err_set(e, EX_USAGE, _("relayq: unknown command \"%s\"; see relayq --help"),
	    clean(argv[i], 0) ? argv[i] : "?");
}

/* ---- entry points -------------------------------------------------------- */

enum cli_personality
cli_personality(const char *argv0)
{
	static const struct { const char *name; enum cli_personality p; } names[] = {
		{ "mailq", CLI_AS_MAILQ }, { "newaliases", CLI_AS_NEWALIASES },
		{ "hoststat", CLI_AS_HOSTSTAT }, { "purgestat", CLI_AS_PURGESTAT },
		{ "relayq", CLI_AS_RELAYQ },
	};
	const char *base;
	size_t k;

	if (argv0 == NULL)
		return CLI_AS_SENDMAIL;
	base = strrchr(argv0, '/') ? strrchr(argv0, '/') + 1 : argv0;
	for (k = 0; k < sizeof(names) / sizeof(names[0]); k++)
		if (strcmp(base, names[k].name) == 0)
			return names[k].p;
	return CLI_AS_SENDMAIL;
}

void
cli_init(struct cli_options *o)
{
	memset(o, 0, sizeof(*o));
	o->mode = CLI_MODE_DELIVER;
	o->delivery_mode = CONF_DELIVERY_BACKGROUND;
	o->error_mode = CONF_ERRMODE_MAIL;
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

int
cli_parse(struct cli_options *o, int argc, char *const *argv, struct err *e)
{
	static const enum cli_mode preset[] = {
		[CLI_AS_SENDMAIL] = CLI_MODE_DELIVER,
		[CLI_AS_MAILQ] = CLI_MODE_QUEUE_LIST,
		[CLI_AS_NEWALIASES] = CLI_MODE_NEWALIASES,
		[CLI_AS_HOSTSTAT] = CLI_MODE_HOSTSTAT,
		[CLI_AS_PURGESTAT] = CLI_MODE_PURGESTAT,
		[CLI_AS_RELAYQ] = CLI_MODE_HELP,
	};

	cli_init(o);
	o->personality = cli_personality(argc > 0 ? argv[0] : NULL);
	o->mode = preset[o->personality];
	if (o->personality == CLI_AS_RELAYQ)
		return relayq_parse(o, argc, argv, e);
	return cli_parse_sendmail(o, argc, argv, 1, e);
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
			if (!isxdigit((unsigned char)s[1]) || !isxdigit((unsigned char)s[2]) ||
			    islower((unsigned char)s[1]) || islower((unsigned char)s[2]))
				return 0;
			s += 2;
		} else if (c < 33 || c > 126 || c == '=') {
			return 0;
		}
	}
	return 1;
}
