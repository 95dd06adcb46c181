/* cli_private.h — what cli.c, cli_opt.c and cli_relayq.c share; not part
 * of the API (cli.h is).  Nothing here prints, logs or exits; errors are
 * set in e as EX_USAGE with one translated line. */
#ifndef RELAYQ_CLI_PRIVATE_H
#define RELAYQ_CLI_PRIVATE_H

#include "lib/err.h"
#include "options/cli.h"

/* Where the sendmail flag loop stands; a handler that takes a further
 * argument (-qI substr, -o Q dir) advances *i past it. */
struct cli_cursor {
	int argc;
	char *const *argv; /* borrowed */
	int *i;
};

/* 1 when s has no control characters (TAB allowed when tab is set). */
int cli_clean(const char *s, int tab);

/* Sets e to "FLAG: control character ... refused"; returns -1. */
int cli_refuse_ctl(const char *flag, struct err *e);

/* Replaces *dst (freed) with a copy of v, or returns -1 (cli_refuse_ctl)
 * when v has a control character (TAB allowed when tab is set). */
int cli_set_str(char **dst, const char *flag, const char *v, int tab,
    struct err *e);

/* Records what ("-X", "-O SuperSafe") in o->ignored once. */
void cli_ignore(struct cli_options *o, const char *what);

/* Sets e to "FLAG: invalid value" (or the control-character refusal
 * when v has one, so v is never echoed raw); returns -1. */
int cli_bad_value(const char *flag, const char *v, struct err *e);

/* -o: arg is what follows "-o" ("Xvalue", or "X" with the value in the
 * next argv word, which cur then passes).  Returns 0 or -1. */
int cli_flag_o(struct cli_options *o, const char *arg, struct cli_cursor *cur,
    struct err *e);

/* -O: arg is "Name=value" or "Name" (a boolean set to true).  Returns 0
 * or -1. */
int cli_flag_O(struct cli_options *o, const char *arg, struct err *e);

#endif
