/* nodump.h — keeps a process that holds a secret out of core dumps.
 *
 * relayq-flush reads the smarthost password (or an OAuth2 token); a crash
 * must not leave it in a core file, and another process of the same user
 * must not read it through ptrace or /proc/PID/mem.  nodump_enable() marks
 * the process non-dumpable (prctl PR_SET_DUMPABLE 0: no core dump, no
 * ptrace attach by the same uid, /proc/PID owned by root) and sets the
 * core size limit to 0 (which also covers hosts with fs.suid_dumpable=2,
 * where a non-dumpable process is still dumped to a file).  The kernel
 * resets the dumpable flag whenever the process changes its user or group
 * ids, so a process that drops privileges calls it again afterwards.
 * Not covered: a core_pattern that pipes to a program ignores the size
 * limit (the dumpable flag still stops the dump), and a password command
 * run by relayq-flush is a program of its own, dumpable again after exec. */
#ifndef RELAYQ_NODUMP_H
#define RELAYQ_NODUMP_H

#include "lib/err.h"

/* Returns 0, or -1 with e set (EX_OSERR) when the kernel refused. */
int nodump_enable(struct err *e);

/* 1 when this process is non-dumpable now, 0 when it is dumpable, -1 on
 * error. */
int nodump_active(void);

#endif
