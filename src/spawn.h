/* spawn.h — start a program fully detached from the caller.
 *
 * cron and PHP wait until every copy of the sendmail pipe is closed, so
 * the background flush the front end starts must hold none of the caller's
 * descriptors and must not become the caller's zombie: double fork, new
 * session, stdin/stdout/stderr on /dev/null, every other descriptor
 * closed, then exec. */
#ifndef RELAYQ_SPAWN_H
#define RELAYQ_SPAWN_H

#include "err.h"

/* Runs path with argv (argv[0] included, NULL-terminated) detached.
 * Returns 0 once the intermediate child has been reaped (the program's
 * own success is not waited for), -1 when fork fails (EX_OSERR).  An exec
 * failure happens in the detached grandchild and is logged to syslog. */
int spawn_detached(const char *path, const char *const argv[], struct err *e);

#endif
