/* mode_hoststat.c — hoststat (sendmail -bh) prints the last contact with
 * each smarthost endpoint; purgestat (-bH) forgets them (see hoststat.h). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <sysexits.h>

#include "flush/hoststat.h"
#include "frontend/frontend.h"
#include "lib/i18n.h"

int
fe_hoststat(struct fe *fe)
{
	struct hoststat h = HOSTSTAT_INIT;
	struct buf out = BUF_INIT;
	struct err e;
	char *path = NULL;
	int rc;

	if (fe_queue_open(fe, &e) < 0)
		return fe_fail(fe, &e);
	path = hoststat_path(fe->queue.dir);
	if (hoststat_load(path, &h, &e) < 0) {
		rc = fe_fail(fe, &e);
		goto done;
	}
	hoststat_table(&h, &out);
	fputs(buf_cstr(&out), stdout);
	rc = fflush(stdout) == 0 ? EX_OK : EX_IOERR;
done:
	buf_free(&out);
	hoststat_free(&h);
	free(path);
	return rc;
}

int
fe_purgestat(struct fe *fe)
{
	struct err e;
	char *path;
	int existed, rc;

	if (fe_queue_open(fe, &e) < 0)
		return fe_fail(fe, &e);
	path = hoststat_path(fe->queue.dir);
	rc = hoststat_purge(path, &existed, &e);
	free(path);
	return rc < 0 ? fe_fail(fe, &e) : 0;
}
