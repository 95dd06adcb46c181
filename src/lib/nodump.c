/* nodump.c — no core dumps for a process that holds a secret (see
 * nodump.h). */
#include "config.h"

#include <errno.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sysexits.h>

#include "lib/i18n.h"
#include "lib/nodump.h"

int
nodump_enable(struct err *e)
{
	struct rlimit rl = { 0, 0 };

	if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) < 0)
		return err_sys(e, EX_OSERR, errno,
		    _("cannot keep the process "
		      "out of core dumps (prctl PR_SET_DUMPABLE)"));
	if (setrlimit(RLIMIT_CORE, &rl) < 0)
		return err_sys(e, EX_OSERR, errno,
		    _("cannot set the core file "
		      "size limit to 0"));
	return 0;
}

int
nodump_active(void)
{
	int d = prctl(PR_GET_DUMPABLE, 0, 0, 0, 0);

	return d < 0 ? -1 : d == 0;
}
