/* fe_queue.c — the queue from the admin's side: mailq / -bp listing and
 * the hand-run flush (-q, relayq flush), which is relayq-flush's job. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "frontend.h"
#include "i18n.h"
#include "mailq.h"

int
fe_queue_list(struct fe *fe)
{
	struct err e;

	if (fe_queue_open(fe, &e) < 0 || mailq_print(&fe->queue, stdout, &e) < 0)
		return fe_fail(fe, &e);
	if (fflush(stdout) != 0) {
		err_sys(&e, EX_IOERR, errno, _("cannot write the queue listing"));
		return fe_fail(fe, &e);
	}
	return EX_OK;
}

int
fe_run_flush(struct fe *fe)
{
	const char *argv[64];
	const char *path = fe_flush_path();
	char filters[16][8];
	size_t i;
	int n = 0;

	argv[n++] = "relayq-flush";
	if (fe->opt.config_file != NULL) {
		argv[n++] = "-C";
		argv[n++] = fe->opt.config_file;
	}
	if (fe->opt.queue_dir != NULL) {
		argv[n++] = "-Q";
		argv[n++] = fe->opt.queue_dir;
	}
	if (fe->opt.verbose)
		argv[n++] = "-v";
	/* sendmail -q tries every message, due or not (relayq(8)). */
	if (fe->opt.flush_force || fe->opt.mode == CLI_MODE_QUEUE_RUN)
		argv[n++] = "--force";
	for (i = 0; i < fe->opt.nqfilters && i < 16; i++) {
		snprintf(filters[i], sizeof(filters[i]), "-%s%c",
		    fe->opt.qfilters[i].negate ? "!" : "", fe->opt.qfilters[i].kind);
		argv[n++] = filters[i];
		argv[n++] = fe->opt.qfilters[i].substr;
	}
	argv[n] = NULL;
	fflush(NULL);
	execv(path, (char *const *)argv);
	fprintf(stderr, _("%s: cannot start %s: %s; check the installation "
	    "or set RELAYQ_FLUSH\n"), fe->progname, path, strerror(errno));
	return EX_OSERR;
}
