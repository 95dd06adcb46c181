/* tmpguard.h — the message being written is removed when the front end is
 * killed.
 *
 * While the front end streams a message into tmp/ID, SIGTERM, SIGHUP,
 * SIGINT or SIGPIPE (a pipe closed under -bs, a shutdown, a closed
 * terminal) would otherwise end it with the half-written file left for the
 * sweep (36 hours).  tmpguard_arm() records the file's path in storage
 * prepared before any handler can run; the handler unlinks it (unlink(2)
 * is async-signal-safe), restores the default action and re-raises the
 * signal, so the exit status still says which signal ended the process.
 * A signal the process inherited as ignored (nohup) stays ignored.
 * SIGKILL and the OOM killer cannot be caught: the queue's sweep removes
 * what they leave (doc/QUEUE.md).
 *
 * Usage around a file's life:
 *     tmpguard_block(&old);  create tmp/ID;  tmpguard_arm(path);
 *     tmpguard_unblock(&old);  ... write ...
 *     commit (rename) or unlink;  tmpguard_disarm();
 * Blocking over the creation closes the window in which the file exists
 * but is not yet armed. */
#ifndef RELAYQ_TMPGUARD_H
#define RELAYQ_TMPGUARD_H

#include <signal.h>

/* Blocks the guarded signals, saving the old mask in old. */
void tmpguard_block(sigset_t *old);
/* Restores the mask saved by tmpguard_block. */
void tmpguard_unblock(const sigset_t *old);
/* Installs the handlers (once) and makes path the file to remove.  A path
 * longer than PATH_MAX is not armed.  Returns 0, or -1 when not armed. */
int tmpguard_arm(const char *path);
/* Nothing is removed on a signal from now on. */
void tmpguard_disarm(void);

#endif
