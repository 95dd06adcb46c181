/* spool.h — the system spool (conf spool_dir, default SPOOLDIR, mode
 * 1733): one queue directory per uid, found by its OWNER, never by a name
 * alone (doc/QUEUE.md, "The system spool").
 *
 * A uid's queue is SPOOL/UID (decimal, no sign, no leading zero), a 0700
 * directory owned by that uid.  Any local user can create SPOOL/UID for
 * another uid first (squatting); the victim then queues in a fresh
 * directory SPOOL/UID.XXXXXX (mkdtemp: unguessable) that it owns, one per
 * submission while the squat lasts.  Root's run lists the spool and takes
 * every entry whose owner is the uid in its name; the owner's flush
 * removes an emptied fallback directory.  Users cannot list the spool.
 *
 *   spool_name_uid   entry name → uid (pure)
 *   spool_check      entry name + lstat → uid or why it is skipped (pure)
 *   spool_list       the enumeration root's run (and root's mailq) use
 *   spool_queue_dir  the invoking user's queue directory (creates it)
 *   spool_drop       become a queue's owner for good (root's run, root's
 *                    mailq: whatever touches a user's queue runs as it) */
#ifndef RELAYQ_SPOOL_H
#define RELAYQ_SPOOL_H

#include <stddef.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "lib/buf.h"
#include "lib/err.h"

/* The length of the random suffix of a fallback queue ("UID.XXXXXX"). */
#define SPOOL_SUFFIX_LEN 6
/* How many skipped entries spool_list keeps as examples. */
#define SPOOL_EXAMPLES 3

/* Parses a spool entry name: "UID" or "UID.XXXXXX" (SPOOL_SUFFIX_LEN
 * letters or digits), UID decimal without sign or leading zero (except
 * "0"), within uid_t and not (uid_t)-1.  Returns 1 with *uid and
 * *fallback (1 for the suffixed form), or 0.  Pure. */
int spool_name_uid(const char *name, uid_t *uid, int *fallback);

enum spool_verdict {
	SPOOL_OK = 0,
	SPOOL_IGNORE,  /* "." "..": skipped silently */
	SPOOL_BADNAME, /* not named after a uid */
	SPOOL_SYMLINK,
	SPOOL_NOTDIR,
	SPOOL_OWNER, /* not owned by the uid it is named after */
	SPOOL_MODE   /* permission bits other than exactly 0700 */
};

/* Classifies entry name of spool with its lstat() result st.  SPOOL_OK
 * sets *uid and *fallback; any other verdict but IGNORE sets e
 * (EX_NOPERM, EX_DATAERR for the name) with one line naming the path, who
 * made it and who can fix it.  Pure. */
enum spool_verdict spool_check(const char *spool, const char *name,
    const struct stat *st, uid_t *uid, int *fallback, struct err *e);

struct spool_entry {
	char *name; /* owned: "1001" or "1001.a8Zk3q" */
	char *dir;  /* owned: SPOOL/name */
	uid_t uid;
	gid_t gid; /* the directory's group */
	int fallback;
};

struct spool_listing {
	struct spool_entry *v; /* valid queues, sorted by uid, then name
	                        * (a uid's entries are adjacent; owned) */
	size_t n;
	unsigned skipped;               /* entries that are not queues */
	char *examples[SPOOL_EXAMPLES]; /* owned: why a few were skipped; an
	                                 * entry named after a uid (a squat, a
	                                 * symlink) is kept before a bad name */
	unsigned char badname[SPOOL_EXAMPLES];
	size_t nexamples;
};

/* Lists spool: lstat()s every entry without following or entering it and
 * keeps those spool_check accepts.  Never opens anything inside an entry.
 * Returns 0, 1 when spool does not exist (empty listing), or -1 with e. */
int spool_list(const char *spool, struct spool_listing *l, struct err *e);
/* One line for the log: how many entries were skipped, with the kept
 * examples ("" when none was skipped).  Appends to out. */
void spool_list_summary(const struct spool_listing *l, const char *spool,
    struct buf *out);
void spool_listing_free(struct spool_listing *l);

/* The invoking user's (uid's) queue directory in spool, allocated into
 * *dir.  SPOOL/UID when it is a directory owned by uid (created 0700 when
 * missing and create is set); when another owner took the name (or it is
 * a symlink or a file), with create a fresh SPOOL/UID.XXXXXX is made and
 * *squatted is set to the squatter's uid (the caller tells the user: it
 * costs nothing, root can remove the squatted entry); without create,
 * EX_CANTCREAT naming the entry and who can remove it.  Sets *squatted to
 * (uid_t)-1 otherwise.  -1 with e when the spool is unusable. */
int spool_queue_dir(const char *spool, uid_t uid, int create, char **dir,
    uid_t *squatted, struct err *e);

/* Removes an emptied fallback queue dir (tmp/, new/, env/ empty; its
 * hoststat file goes with it) as its owner.  Returns 1 when removed, 0
 * when something is still queued, -1 with e. */
int spool_remove_empty(const char *dir, struct err *e);

/* Drops every privilege for good (setgroups(0), setgid, setuid), checks
 * that it stuck and that root cannot be regained, then makes the process
 * non-dumpable again (nodump_enable: the id change reset that, and the
 * process may hold a pre-fetched secret or root's open files).  Returns 0,
 * or -1 with EX_OSERR.  For a forked child only; uid must not be 0. */
int spool_drop(uid_t uid, gid_t gid, struct err *e);

#endif
