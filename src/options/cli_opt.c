/* cli_opt.c — the -o/-O processing options: one table of the options
 * honoured, the sendmail.cf options accepted and ignored, and their
 * parser (see cli.h for the list). */
#include "config.h"

#include <ctype.h>
#include <limits.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sysexits.h>

#include "lib/i18n.h"
#include "lib/xalloc.h"
#include "options/cli.h"
#include "options/cli_private.h"

enum otype { O_STR, O_INT, O_BOOL, O_CHOICE, O_DURATION, O_TIMEOUT, O_NORCPT };

struct cli_opt {
	char letter; /* '\0': long name only */
	const char *name;
	enum otype type;
	size_t off;
	const char *choices; /* O_CHOICE: first characters; index + 1 stored */
	char unit;           /* O_DURATION, O_TIMEOUT: unit of a bare number */
	unsigned setbit;     /* CLI_SET_* */
};

#define OFF(f) offsetof(struct cli_options, f)
/* clang-format off */
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
/* clang-format on */
#undef OFF
#define NOPTS (sizeof(cli_opts) / sizeof(cli_opts[0]))

/* sendmail.cf options with no meaning for a null client: accepted, ignored. */
static const char cli_ignored_letters[] =
    "7aBbcDEFfGHIJjKklMnOoPpqRrSstUuVwxXYyzZ";
static const char *const cli_ignored_names[] = { "AliasWait", "AllowBogusHELO",
	"AuthMechanisms", "AuthOptions", "AutoRebuildAliases",
	"BadRcptThrottle", "BlankSub", "ClassFactor", "ClientPortOptions",
	"ColonOkInAddr", "ConnectionCacheSize", "ConnectionCacheTimeout",
	"ConnectionRateThrottle", "ConnectOnlyTo", "ControlSocketName",
	"DaemonPortOptions", "DataFileBufferSize", "DeadLetterDrop",
	"DefaultCharSet", "DefaultUser", "DialDelay", "DontBlameSendmail",
	"DontExpandCnames", "DontInitGroups", "DontProbeInterfaces",
	"DontPruneRoutes", "DoubleBounceAddress", "ErrorHeader",
	"FallbackMXhost", "FastSplit", "ForkEachJob", "ForwardPath", "HelpFile",
	"HoldExpensive", "HostsFile", "HostStatusDirectory", "MatchGECOS",
	"MaxAliasRecursion", "MaxDaemonChildren", "MaxHeadersLength",
	"MaxMessageSize", "MaxMimeHeaderLength", "MaxQueueChildren",
	"MaxQueueRunSize", "MaxRecipientsPerMessage", "MaxRunnersPerQueue",
	"MinFreeBlocks", "MustQuoteChars", "NiceQueueRun", "OldStyleHeaders",
	"OperatorChars", "PidFile", "PostmasterCopy", "PrivacyOptions",
	"ProcessTitlePrefix", "QueueFactor", "QueueFileMode", "QueueLA",
	"QueueSortOrder", "RecipientFactor", "RefuseLA", "RejectLogInterval",
	"ResolverOptions", "RetryFactor", "RrtImpliesDsn", "RunAsUser",
	"SafeFileEnvironment", "SaveFromLine", "SendMimeErrors",
	"ServiceSwitchFile", "SevenBitInput", "SingleLineFromHeader",
	"SingleThreadDelivery", "SmtpGreetingMessage", "StatusFile",
	"SuperSafe", "TempFileMode", "TimeZoneSpec", "TryNullMXList",
	"UnixFromLine", "UnsafeGroupWrites", "UseErrorsTo", "UseMSP",
	"UserDatabaseSpec", "XscriptFileBufferSize", NULL };

static const char *const norcpt_words[] = { "none", "add-to",
	"add-apparently-to", "add-bcc", "add-to-undisclosed", NULL };

static int
opt_bool(const char *v)
{
	return v[0] == '\0' || strchr("tTyY1", v[0]) ? 1 :
	    strchr("fFnN0", v[0])                    ? 0 :
	                                               -1;
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
		if (v[0] == '\0' ||
		    (c = strchr(op->choices, tolower((unsigned char)v[0]))) ==
		        NULL)
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
	if (!cli_clean(v, 0))
		return cli_refuse_ctl(flag, e);
	if (opt_value(o, op, v) < 0)
		return cli_bad_value(flag, v, e);
	o->set |= op->setbit;
	return 0;
}

static int
opt_needs_value(const struct cli_opt *op)
{
	return op->type != O_BOOL;
}

/* -oXvalue, -o Xvalue, and -o X value for options that need a value. */
int
cli_flag_o(struct cli_options *o, const char *arg, struct cli_cursor *cur,
    struct err *e)
{
	char flag[4] = { '-', 'o', arg[0], '\0' };
	const struct cli_opt *op;
	const char *v = arg[0] ? arg + 1 : arg;

	if (arg[0] == '\0')
		return err_set(e, EX_USAGE,
		    _("-o needs an option letter, e.g. -oi"));
	if ((op = opt_find(arg[0], NULL)) == NULL) {
		if (!strchr(cli_ignored_letters, arg[0]))
			return err_set(e, EX_USAGE,
			    _("unknown option %s; see relayq(8)"), flag);
		if (!cli_clean(v, 0))
			return cli_refuse_ctl(flag, e);
		cli_ignore(o, flag);
		return 0;
	}
	if (v[0] == '\0' && opt_needs_value(op)) {
		if (*cur->i + 1 >= cur->argc)
			return err_set(e, EX_USAGE, _("%s needs a value"),
			    flag);
		v = cur->argv[++*cur->i];
	}
	return opt_apply(o, op, flag, v, e);
}

/* -O Name=value (Name alone: a boolean set to true). */
int
cli_flag_O(struct cli_options *o, const char *arg, struct err *e)
{
	const char *eq = strchr(arg, '=');
	char *name = xstrndup(arg, eq ? (size_t)(eq - arg) : strlen(arg));
	char *flag = xasprintf("-O %s", name);
	const char *v = eq ? eq + 1 : "";
	const struct cli_opt *op;
	int rc = 0;

	if (!cli_clean(arg, 0)) {
		rc = cli_refuse_ctl("-O", e);
	} else if ((op = opt_find('\0', name)) != NULL) {
		if (!eq && opt_needs_value(op))
			rc = err_set(e, EX_USAGE,
			    _("%s needs a value: -O %s=VALUE"), flag, name);
		else
			rc = opt_apply(o, op, flag, v, e);
	} else if (opt_ignored_name(name)) {
		cli_ignore(o, flag);
	} else {
		rc = err_set(e, EX_USAGE, _("unknown option %s; see relayq(8)"),
		    flag);
	}
	free(name);
	free(flag);
	return rc;
}
