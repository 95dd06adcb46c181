# /etc/cron.d/relayq — retry the system spool (/var/spool/relayq) every five
# minutes on hosts whose init is not systemd: the same command as
# relayq-flush-spool.timer's service (root's relayq-flush --all-users).
# Where systemd runs (/run/systemd/system exists) this line does nothing:
# the timer and relayq-flush-spool.path deliver instead.  Each message's
# outcome goes to syslog; the summary on stderr is dropped, because cron
# would mail it through relayq into the queue that just failed.
SHELL=/bin/sh
PATH=/usr/sbin:/usr/bin:/sbin:/bin

*/5 * * * *	root	test -d /run/systemd/system || test ! -x /usr/bin/relayq-flush || /usr/bin/relayq-flush --all-users 2>/dev/null
