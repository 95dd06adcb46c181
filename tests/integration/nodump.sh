#!/bin/bash
# nodump.sh — relayq-flush keeps the smarthost password out of core files:
# it is already non-dumpable when it opens the authinfo file (root's own
# run, root's --all-users parent, a user's run), its --all-users children
# stay non-dumpable after dropping to the user, and a flusher that crashes
# while it holds the password leaves no core file and no copy of it.
#
# "Non-dumpable at the moment the secret is read" is observed by an
# LD_PRELOAD shim (tests/data/nodump/dumpcheck.c) that records
# prctl(PR_GET_DUMPABLE) whenever the process opens the file; whether a
# crash writes a core file depends on the host's core_pattern, so the crash
# test compares with a control process crashed the same way.
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || skip_all "needs root (test smarthost, other users)"
command -v setpriv >/dev/null 2>&1 || skip_all "setpriv (util-linux) is missing"
smarthost_start
plan 17

RELAYQ=$top_builddir/src/relayq
FLUSH=$top_builddir/src/relayq-flush
export RELAYQ_NO_SYSLOG=1 RELAYQ_FLUSH=/bin/true
unset JOURNAL_STREAM

N=$(mktemp -d /tmp/relayq-nodump.XXXXXX) || bail_out "cannot create a directory under /tmp"
chmod 755 "$N"
cleanup_n() { [ "$t_failed" -eq 0 ] && rm -rf "$N"; }
trap 'cleanup_n; t_exit' EXIT
cp "$CA_FILE" "$N/ca.pem" && chmod 644 "$N/ca.pem"
${CC:-cc} -shared -fPIC -o "$N/dumpcheck.so" "$top_srcdir/tests/data/nodump/dumpcheck.c" -ldl ||
	bail_out "cannot build the dumpcheck shim"
chmod 755 "$N/dumpcheck.so"
cp "$RELAYQ" "$N/sendmail" && chmod 755 "$N/sendmail"
SENDMAIL=$N/sendmail

# A sanitizer build (configure --enable-sanitizers) links libasan, which
# must come first among the preloaded libraries.
PRELOAD=$N/dumpcheck.so
asan=$(ldd "$FLUSH" 2>/dev/null | sed -n 's/.*\(libasan[^ ]*\) => \([^ ]*\).*/\2/p' | head -n 1)
[ -n "$asan" ] && PRELOAD="$asan $PRELOAD"

# with_shim LOG CMD...: CMD with the shim watching opens of */authinfo.
with_shim() {
	local log=$1
	shift
	DUMPCHECK_MATCH=/authinfo DUMPCHECK_LOG=$log LD_PRELOAD=$PRELOAD "$@"
}

# ---- 1: the shim sees a dumpable reader as dumpable ----
relayq_authinfo "$TEST_PASSWORD" "$N/authinfo"
with_shim "$T/control.log" cat "$N/authinfo" >/dev/null
is "$(cat "$T/control.log" 2>&1)" "uid=0 dumpable=1" "control: cat reading the file is seen as dumpable"

# ---- 2-4: root's own run ----
conf() {   # conf FILE QUEUE_DIR AUTHINFO [EXTRA LINE]
	{
		echo "domain example.test"
		echo "smarthost [127.0.0.1]:$SUBMISSION_PORT"
		echo "tls_trust_file $N/ca.pem"
		echo "authinfo $3"
		echo "queue_dir $2"
		[ -n "${4:-}" ] && echo "$4"
	} >"$1"
}
conf "$N/rootconf" "$N/rootq" "$N/authinfo"
printf 'Subject: nodump root\n\nroot body\n' | "$SENDMAIL" -C "$N/rootconf" -odq -i alice@example.test
is "$?" 0 "root queues a message"
with_shim "$T/root.log" "$FLUSH" -C "$N/rootconf" >"$T/root.out" 2>&1
is "$?" 0 "root's relayq-flush exits 0"
check "root's message was delivered" grep -lq "root body" $(smarthost_wait_mail alice 1)
is "$(sort -u "$T/root.log" 2>&1 | tr '\n' ' ')" "uid=0 dumpable=0 " \
	"root's relayq-flush is non-dumpable when it opens the authinfo file"

# ---- 5-8: --all-users: the parent reads the secret, children drop ----
SPOOL=$N/spool
mkdir -m 1733 "$SPOOL"
printf 'domain example.test\nspool_dir %s\n' "$SPOOL" >"$N/userconf"
chmod 644 "$N/userconf"
conf "$N/sysconf" /nonexistent "$N/authinfo" "spool_dir $SPOOL"
sed -i '/^queue_dir/d' "$N/sysconf"
chmod 600 "$N/sysconf"
printf 'Subject: nodump spool\n\nspool body\n' |
	env -u XDG_STATE_HOME -u XDG_CONFIG_HOME HOME=/nonexistent \
	setpriv --reuid=65534 --regid=65534 --clear-groups \
	"$SENDMAIL" -C "$N/userconf" -odq -i alice@example.test
is "$?" 0 "nobody queues into the spool"
with_shim "$T/all.log" "$FLUSH" --all-users -C "$N/sysconf" >"$T/all.out" 2>&1
is "$?" 0 "relayq-flush --all-users exits 0"
check "nobody's message was delivered" grep -lq "spool body" $(smarthost_wait_mail alice 2)
is "$(sort -u "$T/all.log" 2>&1 | tr '\n' ' ')" "uid=0 dumpable=0 " \
	"the --all-users parent is non-dumpable when it opens the authinfo file"
# The child as uid 65534: watched when it opens its queue's files.
printf 'Subject: nodump spool 2\n\nspool body 2\n' |
	env -u XDG_STATE_HOME -u XDG_CONFIG_HOME HOME=/nonexistent \
	setpriv --reuid=65534 --regid=65534 --clear-groups \
	"$SENDMAIL" -C "$N/userconf" -odq -i alice@example.test
install -m 666 /dev/null "$N/child.log"
DUMPCHECK_MATCH=hoststat DUMPCHECK_LOG=$N/child.log LD_PRELOAD=$PRELOAD \
	"$FLUSH" --all-users -C "$N/sysconf" >"$T/all2.out" 2>&1
is "$(grep -c 'uid=65534 dumpable=0' "$N/child.log" 2>/dev/null)$(grep -c 'dumpable=1' "$N/child.log" 2>/dev/null)" \
	"$(grep -c . "$N/child.log" 2>/dev/null)0" \
	"the child that dropped to uid 65534 stays non-dumpable (opens: $(grep -c . "$N/child.log" 2>/dev/null))"

# ---- 9-10: a user's own run ----
UQ=$N/userq
mkdir -m 700 "$N/uhome" && chown 65534:65534 "$N/uhome"
relayq_authinfo "$TEST_PASSWORD" "$N/uhome/authinfo"
chown 65534:65534 "$N/uhome/authinfo"
conf "$N/uconf" "$N/uhome/q" "$N/uhome/authinfo"
chmod 644 "$N/uconf"
as_nobody() {
	env -u XDG_STATE_HOME -u XDG_CONFIG_HOME HOME=$N/uhome \
		setpriv --reuid=65534 --regid=65534 --clear-groups "$@"
}
printf 'Subject: nodump user\n\nuser body\n' | as_nobody "$SENDMAIL" -C "$N/uconf" -odq -i alice@example.test
install -m 666 /dev/null "$N/user.log"
with_shim "$N/user.log" as_nobody "$FLUSH" -C "$N/uconf" >"$T/user.out" 2>&1
is "$?" 0 "a user's relayq-flush exits 0"
check "the user's message was delivered" grep -lq "user body" $(smarthost_wait_mail alice 4)
is "$(sort -u "$N/user.log" 2>&1 | tr '\n' ' ')" "uid=65534 dumpable=0 " \
	"a user's relayq-flush is non-dumpable when it opens its authinfo file"

# ---- 11-14: a crash while the password is in memory ----
# The password command makes relayq-flush crash (SIGSEGV) after it has
# read the authinfo file and while it waits for the command's output.
CRASH=$N/crash
mkdir -m 700 "$CRASH"
conf "$N/crashconf" "$N/crashq" "$N/authinfo"
printf 'Subject: nodump crash\n\ncrash body\n' | "$SENDMAIL" -C "$N/crashconf" -odq -i alice@example.test
printf 'auth_sources authinfo command\n' >>"$N/crashconf"
# authinfo first (the password is read), then a command that kills its
# parent: an authinfo entry for another host, so the command is reached.
printf 'AuthInfo:elsewhere.example "U:x" "P:%s"\n' "$TEST_PASSWORD" >"$N/authinfo-crash"
chmod 600 "$N/authinfo-crash"
sed -i "s|^authinfo .*|authinfo $N/authinfo-crash|" "$N/crashconf"
printf 'auth_user %s\nauth_password_command kill -SEGV $PPID; sleep 5\n' "$TEST_USER" >>"$N/crashconf"
crash() {   # crash DIR CMD...: runs CMD in DIR with core files allowed
	python3 - "$@" <<'PY'
import os, resource, subprocess, sys
d = sys.argv[1]
def pre():
    resource.setrlimit(resource.RLIMIT_CORE, (resource.RLIM_INFINITY, resource.RLIM_INFINITY))
p = subprocess.Popen(sys.argv[2:], cwd=d, preexec_fn=pre,
                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
_, st = os.waitpid(p.pid, 0)
print("signal=%d core=%d" % (os.WTERMSIG(st) if os.WIFSIGNALED(st) else 0,
                             1 if os.WIFSIGNALED(st) and os.WCOREDUMP(st) else 0))
PY
}
mkdir -m 700 "$N/control"
control=$(crash "$N/control" sh -c 'kill -SEGV $$')
if [ "$control" = "signal=11 core=1" ]; then
	# (under AddressSanitizer the SIGSEGV must reach the process, not
	# ASan's handler, which would report it as a bug)
	is "$(ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}handle_segv=0 \
	    crash "$CRASH" "$FLUSH" -C "$N/crashconf")" "signal=11 core=0" \
		"relayq-flush killed by SIGSEGV holding the password dumps no core"
	ok "control: a dumpable process crashed the same way did dump ($control)"
else
	skip "relayq-flush killed by SIGSEGV dumps no core" \
		"this host writes no core files for a crashed process ($control; core_pattern $(cat /proc/sys/kernel/core_pattern))"
	skip "control process dumped" "no core files on this host"
fi
is "$(find "$CRASH" -type f | wc -l)" 0 "no file was left where the flusher crashed"
if grep -rqF "$TEST_PASSWORD" "$CRASH" 2>/dev/null; then
	not_ok "the password is in no file after the crash"
else
	ok "the password is in no file after the crash"
fi

done_testing
