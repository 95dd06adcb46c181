#!/bin/bash
# spool-trigger.sh — immediate delivery of the system spool without a
# daemon (issue 9, item 2): a spool user's sendmail starts no flush of its
# own (it cannot read root's credential) but touches SPOOL/trigger, which
# relayq-flush-spool.path watches; what that unit starts (the service's
# ExecStart, run here by hand: PID 1 is not systemd) delivers.  Root's run
# makes the trigger, replaces what a user put in its place without
# following it, and passes over the spool again when the trigger changed
# during a pass.  Real test smarthost.
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || skip_all "--all-users needs root"
command -v setpriv >/dev/null 2>&1 || skip_all "setpriv (util-linux) is missing"
smarthost_start
plan 26

RELAYQ=$top_builddir/src/relayq
FLUSH=$top_builddir/src/relayq-flush
UNIT=$top_builddir/systemd/relayq-flush-spool.service
export RELAYQ_NO_SYSLOG=1
unset JOURNAL_STREAM
[ -f "$UNIT" ] || bail_out "$UNIT is not built (run make first)"

W=$(mktemp -d /tmp/relayq-trigger.XXXXXX) || bail_out "cannot create a directory under /tmp"
chmod 755 "$W"
trap '[ "$t_failed" -eq 0 ] && rm -rf "$W"; t_exit' EXIT
cp "$RELAYQ" "$W/sendmail" && chmod 755 "$W/sendmail"
# A stand-in for relayq-flush that only records that someone started it.
printf '#!/bin/sh\necho "$(id -u) $*" >>%s/spy.log\n' "$W" >"$W/spy" && chmod 755 "$W/spy"
SPOOL=$W/spool
mkdir -m 1733 "$SPOOL"
TRIG=$SPOOL/trigger
cp "$CA_FILE" "$W/ca.pem" && chmod 644 "$W/ca.pem"
printf 'domain example.test\nspool_dir %s\n' "$SPOOL" >"$W/userconf"
chmod 644 "$W/userconf"
SYSCONF=$W/sysconf
printf 'domain example.test\nsmarthost [127.0.0.1]:%s\ntls_trust_file %s\nauthinfo %s\nspool_dir %s\n' \
	"$SUBMISSION_PORT" "$W/ca.pem" "$W/authinfo" "$SPOOL" >"$SYSCONF"
chmod 600 "$SYSCONF"
relayq_authinfo "$TEST_PASSWORD" "$W/authinfo"

U=65534
G=$(id -g "$U")
# as_user CMD...: as nobody, HOME unusable (so the spool is its queue).
as_user() {
	env -u XDG_STATE_HOME -u XDG_CONFIG_HOME HOME=/nonexistent RELAYQ_FLUSH="$W/spy" \
		setpriv --reuid="$U" --regid="$G" --clear-groups "$@"
}
# send RCPT [FLAGS...]: nobody's sendmail with the default delivery mode.
send() {
	printf 'Subject: to %s\n\nspool mail for %s\n' "$1" "$1" |
		as_user "$W/sendmail" -C "$W/userconf" -i "${@:2}" "$1@example.test"
}
queued() { find "$SPOOL/$U/env" -type f 2>/dev/null | wc -l; }
spied() { [ -f "$W/spy.log" ] && wc -l <"$W/spy.log" || echo 0; }
tstamp() { stat -c '%i %y %z' "$TRIG" 2>/dev/null; }
# The command the path unit has the service run (ExecStart=, its program
# taken from the build tree), with the test's system configuration.
exec_start=$(sed -n 's/^ExecStart=//p' "$UNIT")
service_run() { "$FLUSH" ${exec_start#*/relayq-flush} -C "$SYSCONF" "$@"; }

# ---- before root's first run: no trigger yet ----
send first 2>"$T/err1"
is "$?" 0 "no trigger yet: sendmail exits 0"
is "$(spied)" 0 "no trigger yet: no flush of its own is started"
is "$(queued)" 1 "no trigger yet: the message is queued in the spool"

# ---- what the path unit starts ----
case $exec_start in
*/relayq-flush" --all-users") ok "the service runs relayq-flush --all-users ($exec_start)" ;;
*) not_ok "the service runs relayq-flush --all-users" "ExecStart=$exec_start" ;;
esac
service_run >"$T/run1" 2>&1
is "$?" 0 "the service's command exits 0"
is "$(smarthost_wait_mail first 1 | wc -l)$(queued)" "10" "it delivered the first message, the queue is empty"
is "$(stat -c '%u %a %s %F' "$TRIG" 2>&1)" "0 622 0 regular empty file" \
	"root's run made the trigger: root's, 0622, empty"

# ---- a submission touches the trigger instead of flushing ----
before=$(tstamp)
send second
is "$?" 0 "sendmail exits 0"
is "$(spied)" 0 "no flush of its own is started"
if [ "$(tstamp)" != "$before" ]; then ok "the trigger was touched (the path unit fires)"; else
	not_ok "the trigger was touched" "before: $before" "after:  $(tstamp)"; fi
is "$(stat -c '%u %s' "$TRIG")" "0 0" "the trigger is still root's and empty (nothing written)"
before=$(tstamp)
out=$(send third -odi -v 2>&1)
is "$?" 0 "-odi: exits 0 once queued"
is "$(spied)" 0 "-odi: no flush of its own either"
case $out in *"asked root's delivery"*) ok "-odi -v says it asked root's delivery" ;;
*) not_ok "-odi -v says it asked root's delivery" "$out" ;; esac
service_run >"$T/run2" 2>&1
is "$?" 0 "the service's command delivers them"
is "$(smarthost_wait_mail second 1 | wc -l)$(smarthost_wait_mail third 1 | wc -l)$(queued)" "110" \
	"both delivered, the queue is empty"

# ---- mail signalled during root's pass: another pass ----
# strace holds root's run for 2 s right after the child of the first pass
# has finished (its wait4); a message sent then is not in that pass.
if command -v strace >/dev/null 2>&1; then
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 strace -o "$T/strace" -e trace=wait4 \
		-e inject=wait4:delay_exit=2000000:when=1 \
		"$FLUSH" ${exec_start#*/relayq-flush} -C "$SYSCONF" -v >"$T/run3" 2>&1 &
	spid=$!
	for ((i = 0; i < 200; i++)); do grep -q 'wait4(' "$T/strace" 2>/dev/null && break; sleep 0.05; done
	sleep 0.3
	send during
	wait "$spid"
	is "$?" 0 "a run with a message during its pass exits 0"
	check "it passed over the spool again" grep -q "new mail was signalled during the pass; another pass" "$T/run3"
	is "$(smarthost_wait_mail during 1 | wc -l)$(queued)" "10" "that message went in the same run"
else
	for d in 1 2 3; do skip "another pass ($d)" "strace is missing"; done
fi

# ---- a user holding its own run lock blocks nobody else ----
# uid 64999 (no passwd entry) holds the run lock of its spool queue for
# good; root's run hands that queue over (never waits) and delivers
# nobody's mail.
U2=64999
getent passwd "$U2" >/dev/null && bail_out "uid $U2 exists here; the test needs a free uid"
printf 'Subject: hold\n\nheld\n' | env -u XDG_STATE_HOME -u XDG_CONFIG_HOME HOME=/nonexistent \
	RELAYQ_FLUSH="$W/spy" setpriv --reuid="$U2" --regid="$U2" --clear-groups \
	"$W/sendmail" -C "$W/userconf" -odq -i held@example.test
setpriv --reuid="$U2" --regid="$U2" --clear-groups sh -c "umask 077; : >>'$SPOOL/$U2/flush.lock'"
setpriv --reuid="$U2" --regid="$U2" --clear-groups flock -o "$SPOOL/$U2/flush.lock" sleep 60 &
hpid=$!
for ((i = 0; i < 100; i++)); do flock -n "$SPOOL/$U2/flush.lock" true || break; sleep 0.05; done
send unblocked -odq
timeout 30 "$FLUSH" ${exec_start#*/relayq-flush} -C "$SYSCONF" -v >"$T/run6" 2>&1
is "$?" 0 "a user holding its queue's lock: root's run still ends, exit 0"
check "that queue was handed over, not waited for" \
	grep -q "$SPOOL/$U2: another run is delivering this queue; handed over to it" "$T/run6"
is "$(smarthost_wait_mail unblocked 1 | wc -l)$(queued)" "10" "the other user's mail went"
is "$(find "$SPOOL/$U2/env" -type f | wc -l)" 1 "the holder's own mail waits for its lock"
pkill -P "$hpid" 2>/dev/null
kill "$hpid" 2>/dev/null
wait "$hpid" 2>/dev/null

# ---- what a user puts in place of the trigger ----
rm -f "$TRIG"
as_user sh -c "umask 077; : >'$TRIG'"
send squat 2>"$T/err2"
is "$?" 0 "a user's file as trigger: sendmail still exits 0 (the message waits for a run)"
echo precious >"$W/victim" && chmod 600 "$W/victim"
vbefore=$(stat -c '%Y %s' "$W/victim")
service_run >"$T/run4" 2>&1
check "root's run replaced the user's file, and said so" grep -q "$TRIG: was not root's trigger file; replaced" "$T/run4"
rm -f "$TRIG"
as_user ln -s "$W/victim" "$TRIG"
service_run >"$T/run5" 2>&1
is "$(stat -c '%u %a %F' "$TRIG") $(stat -c '%Y %s' "$W/victim")" "0 622 regular empty file $vbefore" \
	"a symlink put there is replaced, never followed (its target untouched)"
done_testing
