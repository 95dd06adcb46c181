/* cli_relayq.c — argv[0] personality dispatch (cli_parse) and the relayq
 * subcommands (see cli.h). */
#include "config.h"

#include <ctype.h>
#include <string.h>
#include <sysexits.h>

#include "lib/i18n.h"
#include "options/cli.h"
#include "options/cli_private.h"

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
relayq_common(struct cli_options *o, int argc, char *const *argv, int *i,
    struct err *e)
{
	const char *a = argv[*i];

	if (strcmp(a, "-v") == 0 || strcmp(a, "--verbose") == 0)
		return o->verbose++, 1;
	if (strcmp(a, "-C") != 0 && strcmp(a, "--config") != 0)
		return 0;
	if (*i + 1 >= argc)
		return err_set(e, EX_USAGE, _("%s needs a file name"), a);
	return cli_set_str(&o->config_file, a, argv[++*i], 0, e) < 0 ? -1 : 1;
}

static const struct {
	const char *word;
	enum cli_mode mode;
	/* clang-format off */
} queue_actions[] = {
	{ "show", CLI_MODE_QUEUE_SHOW }, { "delete", CLI_MODE_QUEUE_DELETE },
	{ "hold", CLI_MODE_QUEUE_HOLD }, { "release", CLI_MODE_QUEUE_RELEASE },
	{ "retry", CLI_MODE_QUEUE_RETRY },
};
/* clang-format on */

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
			return err_set(e, EX_USAGE,
			    _("relayq queue show: give exactly one ID"));
		return 0;
	default:
		if ((o->args.n == 0) == (o->all == 0))
			return err_set(e, EX_USAGE,
			    _("relayq queue: give message IDs or --all, not both"));
		return 0;
	}
}

/* --format=F: text, json, prometheus or openmetrics. */
static int
queue_format(struct cli_options *o, const char *f, struct err *e)
{
	static const char *const names[] = { "text", "json", "prometheus",
		"openmetrics" };
	size_t k;

	for (k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
		if (strcmp(f, names[k]) == 0) {
			o->json = k == 1;
			o->metrics = k >= 2 ? (int)k - 1 : 0;
			return 0;
		}
	}
	return err_set(e, EX_USAGE,
	    _("relayq queue: unknown format \"%s\"; use "
	      "text, json, prometheus or openmetrics"),
	    cli_clean(f, 0) ? f : "?");
}

static int
relayq_queue(struct cli_options *o, int argc, char *const *argv, int i,
    struct err *e)
{
	size_t k, nact = sizeof(queue_actions) / sizeof(queue_actions[0]);
	int rc, summary = 0, action = 0, dd = 0;

	o->mode = CLI_MODE_QUEUE_LIST;
	for (; i < argc; i++) {
		const char *a = argv[i];
		const char *shown = cli_clean(a, 0) ? a : "?";

		if (!dd && (rc = relayq_common(o, argc, argv, &i, e)) != 0) {
			if (rc < 0)
				return -1;
		} else if (!dd && strcmp(a, "--json") == 0) {
			o->json = 1;
			o->metrics = 0;
		} else if (!dd && strncmp(a, "--format=", 9) == 0) {
			if (queue_format(o, a + 9, e) < 0)
				return -1;
		} else if (!dd && strcmp(a, "--summary") == 0) {
			summary = 1;
		} else if (!dd && strcmp(a, "--all") == 0) {
			o->all = 1;
		} else if (!dd && strcmp(a, "--") == 0) {
			dd = 1;
		} else if (!dd && a[0] == '-' && a[1] != '\0') {
			return err_set(e, EX_USAGE,
			    _("relayq queue: unknown flag \"%s\""), shown);
		} else if (!action++) {
			for (k = 0;
			     k < nact && strcmp(a, queue_actions[k].word) != 0;
			     k++)
				;
			if (k == nact)
				return err_set(e, EX_USAGE,
				    _("relayq queue: unknown action \"%s\"; use show, delete, hold, release or retry"),
				    shown);
			o->mode = queue_actions[k].mode;
		} else if (!valid_id(a)) {
			return err_set(e, EX_USAGE,
			    _("relayq queue: \"%s\" is not a message ID"),
			    shown);
		} else {
			strv_add(&o->args, a);
		}
	}
	if (summary) {
		if (o->mode != CLI_MODE_QUEUE_LIST)
			return err_set(e, EX_USAGE,
			    _("relayq queue: --summary goes alone"));
		o->mode = CLI_MODE_QUEUE_SUMMARY;
	} else if (o->metrics) {
		return err_set(e, EX_USAGE,
		    _("relayq queue: --format=prometheus "
		      "and --format=openmetrics go with --summary"));
	}
	return queue_check(o, e);
}

/* flush [--force] [-v], check [--connect], oauth setup, version, help:
 * flags only, no operands. */
static int
relayq_simple(struct cli_options *o, int argc, char *const *argv, int i,
    struct err *e)
{
	int rc;

	for (; i < argc; i++) {
		if ((rc = relayq_common(o, argc, argv, &i, e)) < 0)
			return -1;
		if (rc)
			continue;
		if (o->mode == CLI_MODE_FLUSH &&
		    strcmp(argv[i], "--force") == 0) {
			o->flush_force = 1;
			continue;
		}
		if (o->mode == CLI_MODE_CHECK &&
		    strcmp(argv[i], "--connect") == 0) {
			o->check_connect = 1;
			continue;
		}
		return err_set(e, EX_USAGE,
		    _("unexpected argument \"%s\"; see relayq --help"),
		    cli_clean(argv[i], 0) ? argv[i] : "?");
	}
	return 0;
}

static int
relayq_parse(struct cli_options *o, int argc, char *const *argv, struct err *e)
{
	/* clang-format off */
	static const struct { const char *word; enum cli_mode mode; } cmds[] = {
		{ "flush", CLI_MODE_FLUSH }, { "check", CLI_MODE_CHECK },
		{ "--version", CLI_MODE_VERSION }, { "version", CLI_MODE_VERSION },
		{ "--help", CLI_MODE_HELP }, { "help", CLI_MODE_HELP },
	};
	/* clang-format on */
	size_t k;
	int i, rc;

	for (i = 1; i < argc; i++) {
		if ((rc = relayq_common(o, argc, argv, &i, e)) < 0)
			return -1;
		if (rc == 0)
			break;
	}
	if (i >= argc)
		return err_set(e, EX_USAGE,
		    _("no command given; see relayq --help"));
	if (strcmp(argv[i], "queue") == 0)
		return relayq_queue(o, argc, argv, i + 1, e);
	if (strcmp(argv[i], "oauth") == 0) {
		if (i + 1 >= argc || strcmp(argv[i + 1], "setup") != 0)
			return err_set(e, EX_USAGE,
			    _("relayq oauth: the only command "
			      "is \"relayq oauth setup\"; see relayq --help"));
		o->mode = CLI_MODE_OAUTH_SETUP;
		return relayq_simple(o, argc, argv, i + 2, e);
	}
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
	return err_set(e, EX_USAGE,
	    _("unknown command \"%s\"; see relayq --help"),
	    cli_clean(argv[i], 0) ? argv[i] : "?");
}

/* ---- entry points -------------------------------------------------------- */

enum cli_personality
cli_personality(const char *argv0)
{
	/* clang-format off */
	static const struct { const char *name; enum cli_personality p; } names[] = {
		{ "mailq", CLI_AS_MAILQ }, { "newaliases", CLI_AS_NEWALIASES },
		{ "hoststat", CLI_AS_HOSTSTAT }, { "purgestat", CLI_AS_PURGESTAT },
		{ "relayq", CLI_AS_RELAYQ },
	};
	/* clang-format on */
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
