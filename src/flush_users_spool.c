/* flush_users_spool.c — the libc-only half of flush_users (see
 * flush_users.h): which entries of the system spool are users' queues,
 * whose they are, and becoming their owner.  Shared by relayq-flush
 * --all-users (flush_users.c) and root's view of the queues (queue_all.c),
 * so both walk the spool by the same rules. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "flush_users.h"
#include "i18n.h"
#include "nodump.h"
#include "strv.h"
#include "xalloc.h"

int
flush_users_uid(const char *name, uid_t *uid)
{
	unsigned long long v = 0;
	const char *p;

	if (name[0] == '\0' || (name[0] == '0' && name[1] != '\0'))
		return 0;
	for (p = name; *p; p++) {
		if (*p < '0' || *p > '9')
			return 0;
		v = v * 10 + (unsigned)(*p - '0');
		if (v > (unsigned long long)(uid_t)-1 || p - name > 20)
			return 0;
	}
	if ((uid_t)v != v || (uid_t)v == (uid_t)-1)
		return 0;
	*uid = (uid_t)v;
	return 1;
}

enum flush_users_verdict
flush_users_check(const char *spool, const char *name, const struct stat *st,
    uid_t *uid, struct err *e)
{
	uid_t u;

	if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
		return FLUSH_USERS_IGNORE;
	if (!flush_users_uid(name, &u)) {
		err_set(e, EX_DATAERR, _("%s/%s: not a queue (the spool holds one "
		    "directory per uid, named by the number); skipped"), spool, name);
		return FLUSH_USERS_BADNAME;
	}
	if (S_ISLNK(st->st_mode)) {
		err_set(e, EX_NOPERM, _("%s/%s is a symbolic link, not a queue; "
		    "skipped (remove it)"), spool, name);
		return FLUSH_USERS_SYMLINK;
	}
	if (!S_ISDIR(st->st_mode)) {
		err_set(e, EX_NOPERM, _("%s/%s is not a directory; skipped (remove "
		    "it)"), spool, name);
		return FLUSH_USERS_NOTDIR;
	}
	if (st->st_uid != u) {
		err_set(e, EX_NOPERM, _("%s/%s is owned by uid %lu, not uid %lu; "
		    "skipped (remove it, or chown it to %lu)"), spool, name,
		    (unsigned long)st->st_uid, (unsigned long)u, (unsigned long)u);
		return FLUSH_USERS_OWNER;
	}
	if ((st->st_mode & 07777) != 0700) {
		err_set(e, EX_NOPERM, _("%s/%s has mode %04o, not 0700; skipped "
		    "(chmod 700 it)"), spool, name, (unsigned)(st->st_mode & 07777));
		return FLUSH_USERS_MODE;
	}
	if (u == 0) {
		/* Checked last: FLUSH_USERS_ROOT is a well-formed queue of
		 * root's (flush_users_list's with_root takes it). */
		err_set(e, EX_NOPERM, _("%s/%s: root's queue is not flushed from the "
		    "spool (root queues under /root); skipped"), spool, name);
		return FLUSH_USERS_ROOT;
	}
	*uid = u;
	return FLUSH_USERS_OK;
}

int
flush_users_drop(uid_t uid, gid_t gid, struct err *e)
{
	if (setgroups(0, NULL) < 0)
		return err_sys(e, EX_OSERR, errno, _("cannot drop supplementary groups"));
	if (setgid(gid) < 0)
		return err_sys(e, EX_OSERR, errno, _("cannot set group id %lu"),
		    (unsigned long)gid);
	if (setuid(uid) < 0)
		return err_sys(e, EX_OSERR, errno, _("cannot set user id %lu"),
		    (unsigned long)uid);
	if (getuid() != uid || geteuid() != uid || getgid() != gid ||
	    getegid() != gid || getgroups(0, NULL) != 0)
		return err_set(e, EX_OSERR, _("the user and group ids did not change "
		    "to %lu:%lu"), (unsigned long)uid, (unsigned long)gid);
	if (setuid(0) == 0)
		return err_set(e, EX_OSERR, _("root privileges could be regained "
		    "after dropping them to uid %lu"), (unsigned long)uid);
	/* The id change made the process dumpable again (fs.suid_dumpable),
	 * and it holds the pre-fetched secret (relayq-flush) or root's open
	 * files (mailq): the user must not ptrace it. */
	return nodump_enable(e);
}

/* Fills u for a checked entry; -1 with e when it must be skipped. */
static int
spool_user(const char *spool, const char *name, uid_t uid,
    const struct stat *st, struct flush_users_queue *u, struct err *e)
{
	struct passwd *pw;

	memset(u, 0, sizeof(*u));
	u->uid = uid;
	errno = 0;
	pw = getpwuid(uid);
	if (pw != NULL) {
		u->gid = pw->pw_gid;
		u->home = pw->pw_dir && pw->pw_dir[0] == '/' ? xstrdup(pw->pw_dir) : NULL;
		u->user = pw->pw_name && pw->pw_name[0] ? xstrdup(pw->pw_name) : NULL;
	} else if (uid != 0) {
		/* No passwd entry (a container's numeric uid): the group
		 * the user created the directory with, never root's. */
		u->gid = st->st_gid;
		if (u->gid == 0)
			return err_set(e, EX_NOUSER, _("%s/%s: uid %lu has no passwd "
			    "entry and the directory's group is root; skipped (chgrp "
			    "it to the user's group)"), spool, name, (unsigned long)uid);
	}
	u->dir = xasprintf("%s/%s", spool, name);
	return 0;
}

static void
queue_free(struct flush_users_queue *u)
{
	free(u->home);
	free(u->user);
	free(u->dir);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The entry names of spool, sorted; 1 when it does not exist. */
static int
list_spool(const char *spool, struct strv *names, int *dfd, struct err *e)
{
	struct dirent *de;
	DIR *d;

	*dfd = open(spool, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (*dfd < 0 && errno == ENOENT)
		return 1;
	if (*dfd < 0)
		return err_sys(e, EX_NOINPUT, errno, _("cannot open the spool %s"), spool);
	d = fdopendir(dup(*dfd));
	if (d == NULL) {
		close(*dfd);
		return err_sys(e, EX_OSERR, errno, _("cannot read the spool %s"), spool);
	}
	while ((errno = 0, de = readdir(d)) != NULL)
		strv_add(names, de->d_name);
	if (errno != 0) {
		err_sys(e, EX_IOERR, errno, _("cannot read the spool %s"), spool);
		closedir(d);
		close(*dfd);
		return -1;
	}
	closedir(d);
	/* Not qsort(NULL, 0, ...): its pointer must not be NULL even then. */
	if (names->n > 1)
		qsort(names->v, names->n, sizeof(*names->v), cmp_str);
	return 0;
}

/* Classifies one entry: 0 and u filled (a queue), 1 to ignore, -1 with le
 * (skipped). */
static int
one_entry(const char *spool, int dfd, const char *name, int with_root,
    struct flush_users_queue *u, struct err *le)
{
	struct stat sb;
	uid_t uid;
	int r;

	if (fstatat(dfd, name, &sb, AT_SYMLINK_NOFOLLOW) < 0) {
		if (errno == ENOENT)
			return 1;
		return err_sys(le, EX_IOERR, errno, _("%s/%s: cannot examine it; "
		    "skipped"), spool, name);
	}
	r = flush_users_check(spool, name, &sb, &uid, le);
	if (r == FLUSH_USERS_IGNORE)
		return 1;
	if (r == FLUSH_USERS_ROOT && with_root) {
		uid = 0;
		r = FLUSH_USERS_OK;
	}
	if (r != FLUSH_USERS_OK)
		return -1;
	if (spool_user(spool, name, uid, &sb, u, le) < 0) {
		queue_free(u);
		return -1;
	}
	return 0;
}

int
flush_users_list(const char *spool, int with_root, struct flush_users_list *l,
    struct err *e)
{
	struct strv names = STRV_INIT;
	struct flush_users_queue u;
	struct err le;
	size_t i;
	int dfd = -1, r;

	memset(l, 0, sizeof(*l));
	r = list_spool(spool, &names, &dfd, e);
	if (r != 0)
		return r;
	for (i = 0; i < names.n; i++) {
		r = one_entry(spool, dfd, names.v[i], with_root, &u, &le);
		if (r < 0)
			strv_add(&l->skipped, le.msg);
		if (r != 0)
			continue;
		if (l->n == l->cap) {
			l->cap = l->cap ? 2 * l->cap : 16;
			l->v = xreallocarray(l->v, l->cap, sizeof(*l->v));
		}
		l->v[l->n++] = u;
	}
	close(dfd);
	strv_free(&names);
	return 0;
}

void
flush_users_list_free(struct flush_users_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		queue_free(&l->v[i]);
	free(l->v);
	strv_free(&l->skipped);
	memset(l, 0, sizeof(*l));
}
