#!/bin/bash
# all-users.sh — relayq-flush --all-users against the real test smarthost:
# two users queue into the system spool (one with a passwd entry, one bare
# numeric uid), root flushes both with the system configuration and
# root's authinfo, each queue is worked on by its owner only, bad spool
# entries (wrong owner, symlink) are skipped with a log line, a child that
# cannot drop privileges makes the run exit EX_OSERR, non-root is refused.
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || skip_all "--all-users needs root"
command -v setpriv >/dev/null 2>&1 || skip_all "setpriv (util-linux) is missing"
smarthost_start
plan 22

RELAYQ=$top_builddir/src/relayq
FLUSH=$top_builddir/src/relayq-flush
export RELAYQ_NO_SYSLOG=1 RELAYQ_FLUSH=/bin/true
unset JOURNAL_STREAM

# Everything the test users run or read lives in a 755 directory under
# /tmp (the build tree may not be reachable by them).
N=$(mktemp -d /tmp/relayq-allusers.XXXXXX) || bail_out "cannot create a directory under /tmp"
chmod 755 "$N"
cleanup_n() { [ "$t_failed" -eq 0 ] && rm -rf "$N"; }
trap 'cleanup_n; t_exit' EXIT
cp "$RELAYQ" "$N/sendmail"
chmod 755 "$N/sendmail"
SPOOL=$N/spool
mkdir -m 1733 "$SPOOL"
cp "$CA_FILE" "$N/ca.pem" && chmod 644 "$N/ca.pem"

U1=65534                        # nobody: has a passwd entry
G1=$(id -g "$U1")
U2=64999                        # no passwd entry
getent passwd "$U2" >/dev/null && bail_out "uid $U2 exists here; the test needs a free uid"

# The users' configuration: only the spool (no home, so no other queue).
printf 'domain example.test\nspool_dir %s\n' "$SPOOL" >"$N/userconf"
chmod 644 "$N/userconf"
# The system configuration and root's authinfo (0600, root-owned).
SYSCONF=$N/sysconf
{
	echo "domain example.test"
	echo "smarthost [127.0.0.1]:$SUBMISSION_PORT"
	echo "tls_trust_file $N/ca.pem"
	echo "authinfo $N/authinfo"
	echo "spool_dir $SPOOL"
} >"$SYSCONF"
chmod 600 "$SYSCONF"
relayq_authinfo "$TEST_PASSWORD" "$N/authinfo"

# queue_as UID GID RCPT: the front end as that user, HOME unusable.
queue_as() {
	printf 'Subject: from uid %s\n\nspool mail of uid %s\n' "$1" "$1" |
		env -u XDG_STATE_HOME -u XDG_CONFIG_HOME HOME=/nonexistent setpriv --reuid="$1" --regid="$2" --clear-groups \
		"$N/sendmail" -C "$N/userconf" -odq -i "$3" 2>"$T/qerr"
}
count() { find "$SPOOL/$1/$2" -type f 2>/dev/null | wc -l; }
not_owned_by() { find "$SPOOL/$1" ! -user "$1" 2>/dev/null | wc -l; }

# ---- 1-6: two users queue into the spool ----
queue_as "$U1" "$G1" frank@example.test
is "$?" 0 "uid $U1 queues with HOME unusable (exit 0)"
queue_as "$U2" "$U2" grace@example.test
is "$?" 0 "uid $U2 (no passwd entry) queues too (exit 0)"
is "$(count $U1 env)$(count $U2 env)" "11" "one envelope in each spool queue"
is "$(stat -c '%u %a' "$SPOOL/$U1" "$SPOOL/$U2" | tr '\n' ' ')" "$U1 700 $U2 700 " \
	"the spool queues are the users' own, mode 0700"
is "$(not_owned_by $U1)$(not_owned_by $U2)" "00" "every file of each queue belongs to its user"

# Bad entries: a directory named after uid 1000 but made by uid 65534,
# and a symlink named after uid 3000 pointing at a queue-shaped tree.
mkdir -m 700 "$SPOOL/1000" "$SPOOL/1000/env" && chown -R "$U1" "$SPOOL/1000"
mkdir -p -m 700 "$N/elsewhere/env" "$N/elsewhere/new" "$N/elsewhere/tmp"
ln -s "$N/elsewhere" "$SPOOL/3000"
check "the bad entries are in place" test -L "$SPOOL/3000" -a -d "$SPOOL/1000"

# ---- 7-8: not root, -Q ----
out=$(setpriv --reuid="$U1" --regid="$G1" --clear-groups "$FLUSH" --all-users -C "$N/userconf" 2>&1)
is "$?" 77 "--all-users as uid $U1 is refused (EX_NOPERM)"
"$FLUSH" --all-users -Q "$N" -C "$SYSCONF" >/dev/null 2>&1
is "$?" 64 "--all-users with -Q is a usage error"

# ---- 9-12: a child that cannot drop its privileges ----
if command -v strace >/dev/null 2>&1; then
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 strace -f -qq -o /dev/null -e trace=setuid -e inject=setuid:error=EPERM \
		"$FLUSH" --all-users -C "$SYSCONF" >"$T/oserr" 2>&1
	is "$?" 71 "a child that cannot setuid: the run exits EX_OSERR"
	check "the child logged why" grep -q "$SPOOL/$U1: cannot set user id $U1: " "$T/oserr"
	check "the parent logged it" grep -q "$SPOOL/$U1: the flush could not run as uid $U1" "$T/oserr"
	is "$(count $U1 env)$(count $U2 env)" "11" "nothing was sent by the failed run"
else
	for d in "EX_OSERR exit" "child log" "parent log" "nothing sent"; do
		skip "$d" "strace is missing"
	done
fi

# ---- 13-22: root flushes both ----
"$FLUSH" --all-users -v -C "$SYSCONF" >"$T/out" 2>&1
is "$?" 0 "relayq-flush --all-users -C SYSCONF exits 0"
f1=$(smarthost_wait_mail frank 1 | head -n 1)
f2=$(smarthost_wait_mail grace 1 | head -n 1)
check "uid $U1's message was delivered" grep -q "spool mail of uid $U1" "$f1"
check "uid $U2's message was delivered" grep -q "spool mail of uid $U2" "$f2"
check "both went through root's AUTH" grep -q "Authenticated sender: $TEST_USER" "$f1" "$f2"
is "$(count $U1 env)$(count $U2 env)$(count $U1 new)$(count $U2 new)" "0000" \
	"both spool queues are empty"
is "$(stat -c %u "$SPOOL/$U1/hoststat" "$SPOOL/$U2/hoststat" 2>&1 | tr '\n' ' ')$(not_owned_by $U1)$(not_owned_by $U2)" \
	"$U1 $U2 00" "what the run wrote (host status) belongs to each queue's user"
check "the wrong-owner entry was skipped, in the run's one summary line" \
	grep -q "$SPOOL: 2 entries are not a queue and skipped: .*$SPOOL/1000 is owned by uid $U1, not uid 1000: .*root can remove it: rm -r $SPOOL/1000" "$T/out"
check "the symlinked entry was skipped, in the same line" \
	grep -q "$SPOOL: 2 entries are not a queue and skipped: .*$SPOOL/3000 is a symbolic link made by uid 0, not a queue" "$T/out"
is "$(ls "$N/elsewhere/env" "$SPOOL/1000/env" | grep -vc ':$\|^$')" 0 \
	"nothing was written through the bad entries"
if grep -qF "$TEST_PASSWORD" "$T/out"; then
	not_ok "the password never appears in the output"
else
	ok "the password never appears in the output"
fi
