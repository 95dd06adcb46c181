/* trigger.h — the spool's trigger file: how a submission to a queue that
 * root delivers asks for root's delivery at once, without a daemon and
 * without any privilege (doc/FLUSH.md, "Immediate delivery of the spool").
 *
 * SPOOL/trigger is a regular file owned by root, mode 0622, one link,
 * made by `make install` or, when missing, by root's --all-users run
 * (O_CREAT|O_EXCL in root's own directory: it never opens an existing
 * one).  Users cannot remove or replace it (the spool is sticky, 1733).
 * A spool user's front end touches it (futimens: no data is written, so
 * nothing grows); systemd's relayq-flush-spool.path watches it
 * (PathChanged=) and starts relayq-flush-spool.service.  Root never opens
 * it once it exists: its run only lstat()s it, before and after each pass
 * over the spool, and passes again when it changed (systemd drops the
 * events that come while the service runs).
 *
 * libc only; nothing here logs. */
#ifndef RELAYQ_TRIGGER_H
#define RELAYQ_TRIGGER_H

#include <sys/stat.h>
#include <time.h>

#include "lib/err.h"

#define TRIGGER_NAME "trigger"
#define TRIGGER_MODE 0622

/* Touches SPOOL/trigger as the invoking (non-root) user: opens it for
 * writing without following a symlink or blocking, refuses anything but a
 * regular file owned by root with one link (EX_NOPERM, naming the path,
 * the owner and the fix), updates its times.  As root: -1 with
 * EX_SOFTWARE (root never writes it).  A missing file: -1 with
 * EX_UNAVAILABLE saying who creates it.  Returns 0 or -1 with e. */
int trigger_touch(const char *spool, struct err *e);

/* 1 when st (an lstat result) is a good trigger: regular, root's, one
 * link, writable by others.  Pure. */
int trigger_ok(const struct stat *st);

/* Root's run, in the spool it opened as dfd (its own directory): makes
 * sure a good trigger exists.  Returns 0 when it was good, 1 when it was
 * created, 2 when a bad entry (a user's file, a symlink, a directory...)
 * was removed and a new one created; -1 with e when it could not
 * (e names the entry and the fix).  Never opens an existing entry. */
int trigger_ensure(int dfd, const char *spool, struct err *e);

/* What a pass over the spool saw of the trigger. */
struct trigger_snap {
	int exists;
	ino_t ino;
	struct timespec mtime, ctime;
};

/* lstat()s the trigger in dfd into snap.  When its time is the current
 * tick of the coarse clock, waits (at most 50 ms) until the clock has moved
 * on, so that a touch after the snapshot always shows as a change. */
void trigger_snapshot(int dfd, struct trigger_snap *snap);
/* 1 when the trigger differs from snap (touched, replaced, appeared). */
int trigger_changed(int dfd, const struct trigger_snap *snap);

#endif
