/* logtarget.c — the log_target key and the fallback decision (see
 * logtarget.h). */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <sysexits.h>

#include "lib/i18n.h"
#include "lib/logtarget.h"

static const struct {
	const char *word;
	enum logtarget_kind kind;
	/* clang-format off */
} words[] = {
	{ "syslog", LOGTARGET_SYSLOG },
	{ "journal", LOGTARGET_JOURNAL },
	{ "container", LOGTARGET_CONTAINER },
	{ "stderr", LOGTARGET_STDERR },
};
/* clang-format on */
#define NWORDS (sizeof(words) / sizeof(words[0]))

int
logtarget_parse(const char *s, struct logtarget *t, struct err *e)
{
	size_t i;

	for (i = 0; i < NWORDS; i++)
		if (strcmp(s, words[i].word) == 0) {
			t->kind = words[i].kind;
			t->path = NULL;
			return 0;
		}
	if (strncmp(s, "file:", 5) == 0 && s[5] == '/' &&
	    strcspn(s + 5, "\n\r") == strlen(s + 5)) {
		t->kind = LOGTARGET_FILE;
		t->path = s + 5;
		return 0;
	}
	return err_set(e, EX_CONFIG,
	    _("invalid log target \"%.60s\": use syslog, "
	      "journal, container, stderr or file:/absolute/path"),
	    s);
}

int
logtarget_valid(const char *s)
{
	struct logtarget t;
	struct err e;

	return logtarget_parse(s, &t, &e) == 0;
}

int
logtarget_decide(const struct logtarget *want, int stderr_ok,
    logtarget_probe_fn probe, void *arg, struct logtarget *use)
{
	static const enum logtarget_kind chain[] = {
		LOGTARGET_SYSLOG,
		LOGTARGET_JOURNAL,
		LOGTARGET_CONTAINER,
	};
	struct logtarget t = { LOGTARGET_NONE, NULL };
	size_t i;

	if (want->kind == LOGTARGET_STDERR || probe(want, arg)) {
		*use = *want;
		return 0;
	}
	for (i = 0; i < sizeof(chain) / sizeof(chain[0]); i++) {
		t.kind = chain[i];
		if (t.kind != want->kind && probe(&t, arg)) {
			*use = t;
			return 1;
		}
	}
	t.kind = stderr_ok ? LOGTARGET_STDERR : LOGTARGET_NONE;
	*use = t;
	return 1;
}

const char *
logtarget_describe(const struct logtarget *t)
{
	/* One buffer for each kind: the fallback line names two targets
	 * (never of the same kind) in one call. */
	static char name[LOGTARGET_FILE + 1][160];

	switch (t->kind) {
	case LOGTARGET_NONE:
		return _("nowhere");
	case LOGTARGET_SYSLOG:
		return "syslog (" LOGTARGET_DEVLOG ")";
	case LOGTARGET_JOURNAL:
		snprintf(name[t->kind], sizeof(name[0]), _("the journal (%s)"),
		    LOGTARGET_JOURNAL_SOCKET);
		return name[t->kind];
	case LOGTARGET_CONTAINER:
		snprintf(name[t->kind], sizeof(name[0]),
		    _("the container's log, PID 1's stderr (%s)"),
		    LOGTARGET_CONTAINER_LOG);
		return name[t->kind];
	case LOGTARGET_STDERR:
		return "stderr";
	case LOGTARGET_FILE:
		return t->path;
	}
	return "?";
}
