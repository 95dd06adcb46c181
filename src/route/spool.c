/* spool.c — the system spool: names, the enumeration, a user's own queue
 * in it (see spool.h). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <time.h>
#include <unistd.h>

#include "lib/i18n.h"
#include "lib/nodump.h"
#include "lib/strv.h"
#include "lib/xalloc.h"
#include "queue/runlock.h"
#include "queue/trigger.h"
#include "route/spool.h"

static int
alnum(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
	    (c >= 'A' && c <= 'Z');
}

int
spool_name_uid(const char *name, uid_t *uid, int *fallback)
{
	unsigned long long v = 0;
	const char *p;
	size_t i;

	if (name[0] < '0' || name[0] > '9' ||
	    (name[0] == '0' && name[1] >= '0' && name[1] <= '9'))
		return 0;
	for (p = name; *p >= '0' && *p <= '9'; p++) {
		v = v * 10 + (unsigned)(*p - '0');
		if (v > (unsigned long long)(uid_t)-1 || p - name > 20)
			return 0;
	}
	if ((uid_t)v != v || (uid_t)v == (uid_t)-1)
		return 0;
	*fallback = 0;
	if (*p == '.') {
		for (i = 1; i <= SPOOL_SUFFIX_LEN; i++)
			if (!alnum(p[i]))
				return 0;
		p += SPOOL_SUFFIX_LEN + 1;
		*fallback = 1;
	}
	if (*p != '\0')
		return 0;
	*uid = (uid_t)v;
	return 1;
}

enum spool_verdict
spool_check(const char *spool, const char *name, const struct stat *st,
    uid_t *uid, int *fallback, struct err *e)
{
	uid_t u;
	int fb;

	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0 ||
	    strcmp(name, TRIGGER_NAME) == 0)
		return SPOOL_IGNORE;
	if (!spool_name_uid(name, &u, &fb)) {
		err_set(e, EX_DATAERR,
		    _("%s/%s (made by uid %lu) is not a queue: the "
		      "spool holds one directory per uid, named by the number; root "
		      "can remove it"),
		    spool, name, (unsigned long)st->st_uid);
		return SPOOL_BADNAME;
	}
	if (S_ISLNK(st->st_mode)) {
		err_set(e, EX_NOPERM,
		    _("%s/%s is a symbolic link made by uid %lu, "
		      "not a queue; root can remove it: rm %s/%s"),
		    spool, name, (unsigned long)st->st_uid, spool, name);
		return SPOOL_SYMLINK;
	}
	if (!S_ISDIR(st->st_mode)) {
		err_set(e, EX_NOPERM,
		    _("%s/%s is not a directory (made by uid %lu); "
		      "root can remove it: rm %s/%s"),
		    spool, name, (unsigned long)st->st_uid, spool, name);
		return SPOOL_NOTDIR;
	}
	if (st->st_uid != u) {
		err_set(e, EX_NOPERM,
		    _("%s/%s is owned by uid %lu, not uid %lu: "
		      "not a queue (uid %lu's mail goes to a queue of its own "
		      "meanwhile); root can remove it: rm -r %s/%s"),
		    spool, name, (unsigned long)st->st_uid, (unsigned long)u,
		    (unsigned long)u, spool, name);
		return SPOOL_OWNER;
	}
	if ((st->st_mode & 07777) != 0700) {
		err_set(e, EX_NOPERM,
		    _("%s/%s has mode %04o, not 0700; skipped "
		      "(uid %lu or root can fix it: chmod 700 %s/%s)"),
		    spool, name, (unsigned)(st->st_mode & 07777),
		    (unsigned long)u, spool, name);
		return SPOOL_MODE;
	}
	*uid = u;
	*fallback = fb;
	return SPOOL_OK;
}

/* By uid, then by name (SPOOL/UID before its fallbacks). */
static int
cmp_entry(const void *a, const void *b)
{
	const struct spool_entry *x = a, *y = b;

	if (x->uid != y->uid)
		return x->uid < y->uid ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* Keeps e as an example of a skipped entry: the first few, but an entry
 * named after a uid (it may stop that uid's mail: a squat) replaces a
 * merely bad name, so that a flood cannot hide it. */
static void
keep_example(struct spool_listing *l, const struct err *e, int badname)
{
	size_t i;

	if (l->nexamples < SPOOL_EXAMPLES) {
		l->badname[l->nexamples] = (unsigned char)badname;
		l->examples[l->nexamples++] = xstrdup(e->msg);
		return;
	}
	if (badname)
		return;
	for (i = 0; i < l->nexamples; i++)
		if (l->badname[i]) {
			free(l->examples[i]);
			l->examples[i] = xstrdup(e->msg);
			l->badname[i] = 0;
			return;
		}
}

/* Files one entry of the listing (dfd is the spool). */
static void
list_one(int dfd, const char *spool, const char *name, struct spool_listing *l,
    size_t *cap)
{
	struct spool_entry *se;
	struct stat st;
	struct err e;
	uid_t uid;
	int fb;
	enum spool_verdict v;

	if (fstatat(dfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT)
			return; /* removed since the listing */
		err_sys(&e, EX_IOERR, errno, _("cannot examine %s/%s"), spool,
		    name);
		v = SPOOL_NOTDIR;
	} else {
		v = spool_check(spool, name, &st, &uid, &fb, &e);
	}
	if (v == SPOOL_IGNORE)
		return;
	if (v != SPOOL_OK) {
		keep_example(l, &e, v == SPOOL_BADNAME);
		l->skipped++;
		return;
	}
	if (l->n == *cap) {
		*cap = *cap ? *cap * 2 : 16;
		l->v = xreallocarray(l->v, *cap, sizeof(*l->v));
	}
	se = &l->v[l->n++];
	se->name = xstrdup(name);
	se->dir = xasprintf("%s/%s", spool, name);
	se->uid = uid;
	se->gid = st.st_gid;
	se->fallback = fb;
}

int
spool_list(const char *spool, struct spool_listing *l, struct err *e)
{
	struct dirent *de;
	size_t cap = 0;
	DIR *d;
	int dfd;

	memset(l, 0, sizeof(*l));
	dfd = open(spool, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (dfd < 0 && errno == ENOENT)
		return 1;
	if (dfd < 0)
		return err_sys(e, EX_NOINPUT, errno,
		    _("cannot open the spool %s"), spool);
	d = fdopendir(dfd);
	if (d == NULL) {
		close(dfd);
		return err_sys(e, EX_OSERR, errno,
		    _("cannot read the spool %s"), spool);
	}
	while ((errno = 0, de = readdir(d)) != NULL)
		list_one(dfd, spool, de->d_name, l, &cap);
	if (errno != 0) {
		err_sys(e, EX_IOERR, errno, _("cannot read the spool %s"),
		    spool);
		closedir(d);
		spool_listing_free(l);
		return -1;
	}
	closedir(d);
	if (l->n > 1)
		qsort(l->v, l->n, sizeof(*l->v), cmp_entry);
	return 0;
}

void
spool_list_summary(const struct spool_listing *l, const char *spool,
    struct buf *out)
{
	size_t i;

	if (l->skipped == 0)
		return;
	buf_printf(out, "%s: %u %s not a queue and skipped", spool, l->skipped,
	    l->skipped == 1 ? "entry is" : "entries are");
	for (i = 0; i < l->nexamples; i++)
		buf_printf(out, "%s%s",
		    i == 0 ? (l->skipped > l->nexamples ? "; e.g. " : ": ") :
		             "; ",
		    l->examples[i]);
}

void
spool_listing_free(struct spool_listing *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		free(l->v[i].name);
		free(l->v[i].dir);
	}
	free(l->v);
	for (i = 0; i < l->nexamples; i++)
		free(l->examples[i]);
	memset(l, 0, sizeof(*l));
}

/* 1 when path (lstat st) is uid's own directory. */
static int
owned_dir(const struct stat *st, uid_t uid)
{
	return S_ISDIR(st->st_mode) && !S_ISLNK(st->st_mode) &&
	    st->st_uid == uid;
}

int
spool_queue_dir(const char *spool, uid_t uid, int create, char **dir,
    uid_t *squatted, struct err *e)
{
	char *canon = xasprintf("%s/%lu", spool, (unsigned long)uid), *tmpl;
	struct stat st;
	int tries;

	*dir = NULL;
	*squatted = (uid_t)-1;
	for (tries = 0; tries < 2; tries++) {
		if (lstat(canon, &st) == 0)
			break;
		if (errno != ENOENT || !create) {
			if (errno == ENOENT) {
				*dir = canon; /* queue_open reports it */
				return 0;
			}
			err_sys(e, EX_CANTCREAT, errno,
			    _("cannot use the spool queue %s"), canon);
			free(canon);
			return -1;
		}
		if (mkdir(canon, 0700) == 0 || errno != EEXIST)
			continue; /* made (or an error queue_open reports) */
	}
	if (tries == 2 || owned_dir(&st, uid)) {
		*dir = canon;
		return 0;
	}
	*squatted = st.st_uid;
	if (!create) {
		err_set(e, EX_CANTCREAT,
		    _("%s is not your queue: it was made by "
		      "uid %lu; your mail goes to a fallback queue %s/%lu.XXXXXX; root "
		      "can remove the squatted entry: rm -r %s"),
		    canon, (unsigned long)st.st_uid, spool, (unsigned long)uid,
		    canon);
		free(canon);
		return -1;
	}
	tmpl = xasprintf("%s.XXXXXX", canon);
	free(canon);
	if (mkdtemp(tmpl) == NULL) {
		err_sys(e, EX_CANTCREAT, errno,
		    _("cannot create a fallback queue "
		      "%s in the spool"),
		    tmpl);
		free(tmpl);
		return -1;
	}
	*dir = tmpl;
	return 0;
}

/* A fallback queue younger than this may still be in a submission's
 * hands (made, not yet written into): it is left for the next run. */
#define SPOOL_FRESH_SECS 120

int
spool_remove_empty(const char *dir, struct err *e)
{
	static const char *const subs[] = { "tmp", "new", "env" };
	struct stat st;
	char *p;
	size_t i;
	int busy = 0;

	p = xasprintf("%s/tmp", dir);
	busy =
	    lstat(p, &st) == 0 && st.st_mtime > time(NULL) - SPOOL_FRESH_SECS;
	free(p);
	for (i = 0; i < 3 && !busy; i++) {
		p = xasprintf("%s/%s", dir, subs[i]);
		busy = rmdir(p) < 0 && errno != ENOENT;
		free(p);
	}
	if (busy)
		return 0;
	/* what a run leaves in a queue directory: its host status, the
	 * run-lock files and a stale kick (runlock.h) */
	for (i = 0; i <= RUNLOCK_MAX_SLOTS + 1; i++) {
		char name[32];

		if (i == 0)
			snprintf(name, sizeof(name), "hoststat");
		else if (i == 1)
			snprintf(name, sizeof(name), "kick");
		else
			runlock_slot_name((unsigned)(i - 2), name);
		p = xasprintf("%s/%s", dir, name);
		(void)unlink(p);
		free(p);
	}
	if (rmdir(dir) < 0 && errno != ENOENT) {
		if (errno == ENOTEMPTY || errno == EEXIST)
			return 0;
		return err_sys(e, EX_IOERR, errno,
		    _("cannot remove the emptied "
		      "fallback queue %s"),
		    dir);
	}
	return 1;
}

int
spool_drop(uid_t uid, gid_t gid, struct err *e)
{
	if (setgroups(0, NULL) < 0)
		return err_sys(e, EX_OSERR, errno,
		    _("cannot drop supplementary groups"));
	if (setgid(gid) < 0)
		return err_sys(e, EX_OSERR, errno, _("cannot set group id %lu"),
		    (unsigned long)gid);
	if (setuid(uid) < 0)
		return err_sys(e, EX_OSERR, errno, _("cannot set user id %lu"),
		    (unsigned long)uid);
	if (getuid() != uid || geteuid() != uid || getgid() != gid ||
	    getegid() != gid || getgroups(0, NULL) != 0)
		return err_set(e, EX_OSERR,
		    _("the user and group ids did not change "
		      "to %lu:%lu"),
		    (unsigned long)uid, (unsigned long)gid);
	if (setuid(0) == 0)
		return err_set(e, EX_OSERR,
		    _("root privileges could be regained "
		      "after dropping them to uid %lu"),
		    (unsigned long)uid);
	return nodump_enable(e);
}
