/* tmpdir.c — self-removing temporary directories for unit tests and the
 * leak check of a suite's root (see tmpdir.h). */
#include "config.h"

#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tmpdir.h"

#define TMPDIR_MAX 64

char test_dir[TEST_DIR_MAX];

static char root[TEST_DIR_MAX]; /* the suite's root, "" if none */

static struct {
	char *path;
	pid_t owner;
} made[TMPDIR_MAX];
static int nmade;
static int registered;

static int
make_writable(const char *path, const struct stat *st, int flag,
    struct FTW *ftw)
{
	(void)ftw;
	if (flag == FTW_D || flag == FTW_DNR)
		(void)chmod(path, (st->st_mode & 07777) | S_IRWXU);
	return 0;
}

static int
remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)ftw;
	if (flag == FTW_DP)
		(void)rmdir(path);
	else
		(void)unlink(path);
	return 0;
}

int
test_rmtree(const char *path)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISDIR(st.st_mode))
		return unlink(path);
	/* first make every directory enterable, then remove bottom-up */
	(void)nftw(path, make_writable, 16, FTW_PHYS);
	(void)nftw(path, remove_one, 16, FTW_PHYS | FTW_DEPTH);
	return lstat(path, &st) < 0 && errno == ENOENT ? 0 : -1;
}

/* A test that dropped root with setresuid(u, u, 0) takes it back: its
 * directories are root's. */
static void
regain_root(void)
{
	uid_t ru, eu, su;
	gid_t rg, eg, sg;

	if (getresuid(&ru, &eu, &su) == 0 && su == 0 && eu != 0 &&
	    getresgid(&rg, &eg, &sg) == 0) {
		(void)setresuid(0, 0, 0);
		(void)setresgid(sg, sg, sg);
	}
}

static void
remove_all(void)
{
	int i;

	regain_root();
	for (i = 0; i < nmade; i++)
		if (made[i].owner == getpid() && made[i].path != NULL)
			(void)test_rmtree(made[i].path);
}

/* Removes path from the exit handler's list (it was removed already). */
static void
forget(const char *path)
{
	int i;

	for (i = 0; i < nmade; i++)
		if (made[i].owner == getpid() && made[i].path != NULL &&
		    strcmp(made[i].path, path) == 0) {
			free(made[i].path);
			made[i].path = NULL;
		}
}

char *
test_mkdtemp(char *template)
{
	if (mkdtemp(template) == NULL)
		return NULL;
	if (!registered) {
		if (atexit(remove_all) != 0)
			return template; /* still a usable directory */
		registered = 1;
	}
	if (nmade < TMPDIR_MAX) {
		made[nmade].path = strdup(template);
		made[nmade].owner = getpid();
		if (made[nmade].path != NULL)
			nmade++;
	}
	return template;
}

void
test_tmpdir_setup(void)
{
	int n;

	n = snprintf(test_dir, sizeof(test_dir), "%s/t.XXXXXX",
	    root[0] != '\0' ? root : "/tmp");
	ck_assert_int_lt(n, (int)sizeof(test_dir));
	ck_assert_msg(test_mkdtemp(test_dir) != NULL,
	    "cannot make a temporary directory %s: %s", test_dir,
	    strerror(errno));
}

void
test_tmpdir_teardown(void)
{
	if (test_dir[0] == '\0')
		return;
	regain_root();
	ck_assert_msg(test_rmtree(test_dir) == 0, "cannot remove %s: %s",
	    test_dir, strerror(errno));
	forget(test_dir);
	test_dir[0] = '\0';
}

int
test_tmpdir_root_begin(const char *name)
{
	int n;

	n = snprintf(root, sizeof(root), "/tmp/relayq-%s.XXXXXX", name);
	if (n < 0 || n >= (int)sizeof(root) - 16) {
		root[0] = '\0';
		errno = ENAMETOOLONG;
		return -1;
	}
	/* not test_mkdtemp: a leak must still be there for the check */
	if (mkdtemp(root) == NULL || chmod(root, 01777) < 0) {
		root[0] = '\0';
		return -1;
	}
	return 0;
}

int
test_tmpdir_root_end(void)
{
	struct dirent *de;
	DIR *d;
	int left = 0;

	if (root[0] == '\0')
		return 0;
	regain_root();
	if ((d = opendir(root)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 ||
			    strcmp(de->d_name, "..") == 0)
				continue;
			fprintf(stderr,
			    "a test left %s/%s behind: make temporary "
			    "files in test_dir (test_tmpdir_setup) and let "
			    "test_tmpdir_teardown remove them\n",
			    root, de->d_name);
			left++;
		}
		closedir(d);
	}
	if (test_rmtree(root) < 0) {
		fprintf(stderr, "cannot remove %s: %s\n", root,
		    strerror(errno));
		left++;
	}
	root[0] = '\0';
	return left;
}

int
test_count_entries(const char *dir)
{
	struct dirent *de;
	DIR *d = opendir(dir);
	int n = 0;

	ck_assert_msg(d != NULL, "cannot open %s: %s", dir, strerror(errno));
	while ((de = readdir(d)) != NULL)
		n += strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0;
	closedir(d);
	return n;
}
