/* onfailure.h — the admin's "on_failure" command.
 *
 * Run when a message fails for good (event "failed", with the recipients
 * that failed) and once when its delay warning falls due (event
 * "delayed"), whether or not a notice could be sent: the point is to
 * alert the admin even when the smarthost itself is what is broken.
 *
 * The command is the configured string, run as execve("/bin/sh",
 * {"sh", "-c", CMD}) — the admin's own text, never built from message
 * data.  The message's details reach it ONLY in the environment:
 *
 *   RELAYQ_EVENT       failed | delayed
 *   RELAYQ_QUEUE_ID    the queue id
 *   RELAYQ_SENDER      the envelope sender ("" for <>)
 *   RELAYQ_RECIPIENTS  the recipients concerned, space-separated
 *   RELAYQ_REASON      the last error
 *
 * Every value is sanitised (control characters and DEL become '?') and
 * capped at ONFAILURE_VALUE_MAX bytes.  The rest of the environment is the
 * flusher's, minus any RELAYQ_* variable.  stdin is /dev/null, stdout goes
 * to the flusher's stderr, every other descriptor is closed; the command
 * runs in its own process group, which is sent SIGTERM at the timeout and
 * SIGKILL two seconds later. */
#ifndef RELAYQ_ONFAILURE_H
#define RELAYQ_ONFAILURE_H

#include <stddef.h>

#include "lib/err.h"
#include "lib/strv.h"

#define ONFAILURE_VALUE_MAX 4096

/* CONFIG: delivery stopped until the admin acts (a refused OAuth2 grant);
 * no message concerned. */
enum onfailure_event { ONFAILURE_FAILED, ONFAILURE_DELAYED, ONFAILURE_CONFIG };

struct onfailure_info {
	enum onfailure_event event;
	const char *queue_id;
	const char *sender;       /* "" or NULL for <> */
	const char *const *rcpts; /* borrowed */
	size_t nrcpts;
	const char *reason; /* NULL: empty */
};

/* The event's word: "failed" or "delayed". */
const char *onfailure_event_name(enum onfailure_event ev);

/* Copies s into an allocated string in log.h's UTF-8 form (control
 * characters, DEL, C1 and bidi controls and ill-formed UTF-8 replaced by
 * '?'), cut at max bytes (a character cut there becomes one '?').
 * Pure. */
char *onfailure_sanitize(const char *s, size_t max);

/* Builds the command's environment into out (which must be empty): the
 * entries of base (NULL-terminated; NULL for none) that do not start
 * with "RELAYQ_", then the five variables above.  Pure. */
void onfailure_env(const struct onfailure_info *in, char *const *base,
    struct strv *out);

/* Runs cmd with envp and waits at most timeout seconds (<= 0: 30).
 * Returns 0 and sets *status (the wait status) when the command ran and
 * ended, 1 when it was killed for the timeout, -1 with e when it could
 * not be started (EX_OSERR). */
int onfailure_run(const char *cmd, char *const *envp, long long timeout,
    int *status, struct err *e);

#endif
