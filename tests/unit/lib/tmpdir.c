/* tmpdir.c — self-removing temporary directories for unit tests (see
 * tmpdir.h). */
#include "config.h"

#include <errno.h>
#include <ftw.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "tmpdir.h"

#define TMPDIR_MAX 64

static struct {
	char *path;
	pid_t owner;
} made[TMPDIR_MAX];
static int nmade;
static int registered;

static int
make_writable(const char *path, const struct stat *st, int flag, struct FTW *ftw)
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

static void
remove_all(void)
{
	uid_t ru, eu, su;
	gid_t rg, eg, sg;
	int i;

	/* A test that dropped root with setresuid(u, u, 0) takes it back
	 * here: its directories are root's. */
	if (getresuid(&ru, &eu, &su) == 0 && su == 0 && eu != 0 &&
	    getresgid(&rg, &eg, &sg) == 0) {
		(void)setresuid(0, 0, 0);
		(void)setresgid(sg, sg, sg);
	}
	for (i = 0; i < nmade; i++)
		if (made[i].owner == getpid())
			(void)test_rmtree(made[i].path);
}

char *
test_mkdtemp(char *template)
{
	if (mkdtemp(template) == NULL)
		return NULL;
	if (!registered) {
		if (atexit(remove_all) != 0)
			return template;   /* still a usable directory */
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
