/* cli.h — the command line: sendmail flags and relayq subcommands →
 * struct cli_options.  Pure: argv in, struct out; no files, no output, no
 * logging, no exit.  relayq(8) documents every flag; this header says
 * what each one sets.
 *
 * Personality (cli_personality(argv[0]), on the base name):
 *   mailq = sendmail -bp, newaliases = sendmail -bi, hoststat = -bh,
 *   purgestat = -bH, relayq = subcommands (below), any other name
 *   (sendmail, send-mail, ...) = sendmail.
 *
 * Sendmail flags.  Parsed as sendmail's getopt does: flags may be
 * clustered (-ti), an argument may be attached or separate (-fuser,
 * -f user); the first argument that is not a flag, or "--", ends the
 * flags and the rest are recipients.  A word starting with '-' after the
 * first recipient is refused (EX_USAGE) unless "--" came first: a flag
 * written after the addresses is a mistake sendmail would turn into a
 * bounce.  Quirks kept from sendmail: -q and -d take only an attached
 * argument (-q30m, -d0.1), -o takes "Xvalue" attached or separate.
 * Extension: -qI/-qR/-qS (and -q!I ...) also take their substring as
 * the next argument ("-qI 1A2B") as well as attached ("-qI1A2B").
 *
 *   -bm  deliver (default)      -bs  SMTP on stdin/stdout   -bp  mailq
 *   -bP  queue summary          -bi  newaliases (also -I)   -bt  address test
 *   -bv  verify addresses       -bh  hoststat               -bH  purgestat
 *   -ba  deliver; recorded as ignored (ARPANET mode has no meaning here)
 *   -bd, -bD   refused, EX_USAGE: relayq has no daemon
 *   -q[time]   run the queue once (mode QUEUE_RUN); a time is parsed into
 *              queue_interval and recorded as ignored: relayq never stays
 *              running (the systemd timer or cron repeats runs)
 *   -qf        run the queue in the foreground (flush_foreground)
 *   -qp[time]  as -q[time]
 *   -q[!]I|R|S substr   limit the run to queue ids / recipients / senders
 *              containing substr (! = not containing); several allowed
 *   -qG, -qQ, -qL, -Q   refused, EX_USAGE: no queue groups or quarantine
 *   -B 7BIT|8BITMIME  body type        -C file   configuration file
 *   -F name  full name  (max 256)      -f/-r addr  envelope sender (once)
 *   -h N     initial hop count         -i        dots do not end the message
 *   -L tag   syslog tag                -N dsn    never | success,failure,delay
 *   -n       do not expand aliases     -m        MeToo
 *   -p proto[:host]  received protocol -R full|hdrs   DSN return
 *   -t       recipients from the headers (see CLI_T_POLICY)
 *   -V envid DSN envelope id, must be xtext (RFC 3461), at most 100 bytes
 *   -v       verbose
 *   -d X, -X file, -U, -G, -Ac, -Am, -c, -s, -M?value:  accepted, ignored,
 *            recorded in ignored[] (-X never writes its file)
 *   -o/-O    processing options, see CLI options table below; options of
 *            sendmail.cf with no meaning for a null client are accepted,
 *            ignored and recorded; unknown names are refused (EX_USAGE).
 *
 * Processing options honoured, short (-oX) and long (-O Name=value) forms:
 *   A AliasFile     alias_file             d DeliveryMode  delivery_mode
 *   e ErrorMode     error_mode             h MaxHopCount   max_hops
 *   i IgnoreDots    ignore_dots            m MeToo         me_too
 *   Q QueueDirectory queue_dir             T Timeout.queuereturn[/warn]
 *   8 EightBitMode  eightbit_mode          L LogLevel      log_level
 *   C CheckpointInterval checkpoint        v Verbose       verbose
 *   MinQueueAge     min_queue_age          NoRecipientAction no_rcpt_action
 *   Timeout.queuewarn  queue_warn
 * Booleans: empty, t/T/y/Y/1... = true; f/F/n/N/0... = false (first char).
 * DeliveryMode, ErrorMode, EightBitMode take the first character of the
 * value (so "-odb" and "-O DeliveryMode=background" are the same).
 *
 * Header injection: CR, LF or another control character (TAB allowed in
 * -F) in -f, -F, -V, -N, -p, -L, an option value or a recipient is
 * refused: EX_USAGE for flag values, EX_DATAERR for recipients.  (NUL
 * cannot reach argv.)
 *
 * relayq subcommands (personality RELAYQ):
 *   relayq [-C file] [-v] COMMAND ...   (-C and -v also after COMMAND)
 *   queue [--json]                   QUEUE_LIST (json)
 *   queue --summary [--format=F]     QUEUE_SUMMARY (json, metrics)
 *   --format=text|json|prometheus|openmetrics (--json = --format=json;
 *   prometheus and openmetrics only with --summary)
 *   queue show [--json] ID           QUEUE_SHOW
 *   queue delete|hold|release|retry (ID... | --all)
 *   flush [--force] [-v]             FLUSH (flush_force)
 *   check [--connect]                CHECK: validate the configuration;
 *                                    --connect: also relayq-flush --probe
 *   sendmail ARGS...                 parse ARGS as sendmail flags
 *   --version, --help (also "relayq help", "relayq version")
 * IDs are [A-Za-z0-9._-], not starting with '.', at most 64 bytes.
 */
#ifndef RELAYQ_CLI_H
#define RELAYQ_CLI_H

#include "lib/err.h"
#include "lib/strv.h"
#include "options/conf.h"

enum cli_personality {
	CLI_AS_SENDMAIL,
	CLI_AS_MAILQ,
	CLI_AS_NEWALIASES,
	CLI_AS_HOSTSTAT,
	CLI_AS_PURGESTAT,
	CLI_AS_RELAYQ
};

enum cli_mode {
	CLI_MODE_DELIVER =
	    0,         /* -bm: read a message on stdin, queue it (default) */
	CLI_MODE_SMTP, /* -bs: SMTP submission on stdin/stdout */
	CLI_MODE_ADDRESS_TEST,  /* -bt: show how addresses are rewritten */
	CLI_MODE_VERIFY,        /* -bv: verify recipients, deliver nothing */
	CLI_MODE_NEWALIASES,    /* -bi, -I, newaliases: check the alias file */
	CLI_MODE_HOSTSTAT,      /* -bh, hoststat */
	CLI_MODE_PURGESTAT,     /* -bH, purgestat */
	CLI_MODE_QUEUE_RUN,     /* -q...: flush the queue once */
	CLI_MODE_QUEUE_LIST,    /* -bp, mailq, relayq queue */
	CLI_MODE_QUEUE_SUMMARY, /* -bP, relayq queue --summary */
	CLI_MODE_QUEUE_SHOW,    /* relayq queue show ID */
	CLI_MODE_QUEUE_DELETE,  /* relayq queue delete ID... | --all */
	CLI_MODE_QUEUE_HOLD,
	CLI_MODE_QUEUE_RELEASE,
	CLI_MODE_QUEUE_RETRY,
	CLI_MODE_FLUSH,       /* relayq flush */
	CLI_MODE_CHECK,       /* relayq check */
	CLI_MODE_OAUTH_SETUP, /* relayq oauth setup */
	CLI_MODE_VERSION,
	CLI_MODE_HELP
};

enum cli_ret { CLI_RET_UNSET = 0, CLI_RET_FULL, CLI_RET_HDRS };         /* -R */
enum cli_body { CLI_BODY_UNSET = 0, CLI_BODY_7BIT, CLI_BODY_8BITMIME }; /* -B */
enum cli_eightbit {
	CLI_8BIT_UNSET = 0,
	CLI_8BIT_MIME,
	CLI_8BIT_PASS,
	CLI_8BIT_STRICT
};
enum cli_norcpt { /* NoRecipientAction: what -t does with no recipient header */
	CLI_NORCPT_UNSET = 0,
	CLI_NORCPT_NONE,
	CLI_NORCPT_ADD_TO,
	CLI_NORCPT_ADD_APPARENTLY_TO,
	CLI_NORCPT_ADD_BCC,
	CLI_NORCPT_ADD_TO_UNDISCLOSED
};
enum cli_qfilter_kind {
	CLI_QF_ID = 'I',
	CLI_QF_RCPT = 'R',
	CLI_QF_SENDER = 'S'
};

struct cli_qfilter {  /* one -q[!]X substr */
	char kind;    /* enum cli_qfilter_kind */
	int negate;   /* -q!X */
	char *substr; /* owned */
};

/* -t with addresses on the command line: sendmail 8 semantics (also
 * Debian's exim4 default): the command-line addresses are REMOVED from
 * the recipients found in the headers (Postfix adds them instead).  The
 * front end applies it with cli_t_recipients(). */
#define CLI_T_POLICY_REMOVE 1

/* Bits of cli_options.set: what the command line gave explicitly, so
 * cli_merge_conf() lets the command line win over the files. */
#define CLI_SET_DELIVERY 0x01
#define CLI_SET_ERRMODE 0x02
#define CLI_SET_MAXHOPS 0x04
#define CLI_SET_QUEUEDIR 0x08
#define CLI_SET_ALIASES 0x10

struct cli_options {
	enum cli_personality personality;
	enum cli_mode mode;               /* default DELIVER */
	char *config_file;                /* -C; NULL: the layered files */
	char *sender;                     /* -f/-r; NULL: the invoking user */
	char *full_name;                  /* -F; NULL: from the passwd entry */
	char *envid;                      /* -V; NULL */
	char *syslog_tag;                 /* -L; NULL: "relayq" */
	char *protocol;                   /* -p, as given; NULL */
	char *alias_file;                 /* -oA; NULL: config "aliases" */
	char *queue_dir;                  /* -oQ; NULL: config "queue_dir" */
	unsigned notify;                  /* -N: RCPT_NOTIFY_* bits (rcpt.h);
	                                   * 0 = not given (the server's
	                                   * default applies) */
	enum cli_ret ret;                 /* -R */
	enum cli_body body;               /* -B */
	enum cli_eightbit eightbit_mode;  /* -o8 */
	enum cli_norcpt no_rcpt_action;   /* -O NoRecipientAction */
	enum conf_delivery delivery_mode; /* -od; default BACKGROUND */
	enum conf_errmode error_mode;     /* -oe; default PRINT (as sendmail) */
	long hop_count;                   /* -h: initial hop count; default 0 */
	long max_hops;                    /* -oh: hop limit; default 25 */
	long log_level;                   /* -oL; default -1 (unset) */
	long checkpoint;                  /* -oC; default -1 (unset) */
	long long
	    queue_return; /* -oT: seconds; default -1 (unset, flush decides) */
	long long queue_warn; /* -oT.../warn, Timeout.queuewarn; default -1 */
	long long min_queue_age; /* -O MinQueueAge: seconds; default -1 */
	long long
	    queue_interval;   /* -q30m: seconds, ignored; default -1 (none) */
	int ignore_dots;      /* -i, -oi: 0 (default) means a lone "." ends the
	                         message */
	int extract_rcpts;    /* -t */
	int no_alias;         /* -n */
	int me_too;           /* -m, -om */
	int verbose;          /* -v, -ov; count */
	int flush_force;      /* relayq flush --force */
	int check_connect;    /* relayq check --connect */
	int flush_foreground; /* -qf */
	int json;             /* relayq queue --json */
	int metrics;          /* --format=: 1 prometheus, 2 openmetrics */
	int all;              /* relayq queue ACTION --all */
	unsigned set;         /* CLI_SET_* */
	struct cli_qfilter *qfilters; /* -qI/-qR/-qS, nqfilters entries */
	size_t nqfilters;
	struct strv
	    ignored; /* flags accepted and ignored, e.g. "-X", "-O SuperSafe" */
	struct strv args; /* recipients, or queue IDs for relayq queue */
};

/* Which program argv0 names (its base name; NULL: sendmail). */
enum cli_personality cli_personality(const char *argv0);

/* Sets every field to its default (see the comments above). */
void cli_init(struct cli_options *o);
void cli_free(struct cli_options *o);

/* Parses argv (argv[0] = program name, as main receives it) according to
 * the personality of argv[0].  o is initialised here.  Returns 0, or -1
 * with e set (EX_USAGE, EX_DATAERR); o is to be freed either way. */
int cli_parse(struct cli_options *o, int argc, char *const *argv,
    struct err *e);

/* Parses sendmail flags in argv[first..argc-1] into an initialised o
 * (used by cli_parse and "relayq sendmail").  Returns 0 or -1. */
int cli_parse_sendmail(struct cli_options *o, int argc, char *const *argv,
    int first, struct err *e);

/* Fills the fields the command line did not set from the configuration:
 * delivery_mode, error_mode, max_hops, queue_dir, alias_file (copies). */
void cli_merge_conf(struct cli_options *o, const struct conf *c);

/* Applies CLI_T_POLICY: into out (appended), the header recipients that
 * are not among the command-line ones.  Addresses compare with the
 * domain case-insensitively and the local part exactly; pass them
 * qualified. */
void cli_t_recipients(const struct strv *from_headers,
    const struct strv *cmdline, struct strv *out);

/* 1 when s is valid RFC 3461 xtext. */
int cli_xtext_valid(const char *s);

#endif
