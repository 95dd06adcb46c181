#!/bin/bash
# burst.sh — bursts coalesce (issue 9): concurrent submissions are handed
# to the delivery run in progress, which picks them up before its QUIT and,
# after releasing the queue's run lock, runs again when it was kicked
# (doc/QUEUE.md, "Run lock and kick"); max_connections; the smarthost's
# per-client connection limit is never exceeded.  Real test smarthost, the
# real background flush (RELAYQ_FLUSH is relayq-flush).  No timing
# assertions: every wait has a generous deadline and the checks count.
. "$(dirname "$0")/lib.sh"

smarthost_start
plan 28

RELAYQ=$top_builddir/src/relayq
FLUSH=$top_builddir/src/relayq-flush
export RELAYQ_NO_SYSLOG=1 RELAYQ_FLUSH=$FLUSH
SENDMAIL=$T/bin/sendmail
mkdir -p "$T/bin"
ln -s "$RELAYQ" "$SENDMAIL"
Q=$XDG_STATE_HOME/relayq
CONF=$XDG_CONFIG_HOME/relayq
mkdir -p "$CONF"
{
	echo "domain example.test"
	echo "smarthost [127.0.0.1]:$SUBMISSION_PORT"
	echo "authinfo $CONF/authinfo"
	echo "tls_trust_file $CA_FILE"
} >"$CONF/config.base"
cp "$CONF/config.base" "$CONF/config"
relayq_authinfo "$TEST_PASSWORD"

queued() { find "$Q/env" -type f 2>/dev/null | wc -l; }
maildir_count() { find "$MAILDIR_ROOT/$1/new" -type f 2>/dev/null | wc -l; }
log_mark() { wc -l <"$POSTFIX_LOG"; }
# sessions MARK: SMTP sessions on the submission port since MARK.
sessions() { tail -n +"$(($1 + 1))" "$POSTFIX_LOG" | grep -cE '/submission/smtpd\[[0-9]+\]: connect from'; }
# settle USER N: wait (60 s at most) until USER has N messages, the queue is
# empty and no relayq-flush runs; then until the smarthost has delivered
# all it accepted, so that no late duplicate can still arrive.
settle() {
	local i
	for ((i = 0; i < 600; i++)); do
		[ "$(maildir_count "$1")" -ge "$2" ] && [ "$(queued)" -eq 0 ] &&
			[ "$(flushers)" -eq 0 ] && break
		sleep 0.1
	done
	smarthost_wait_idle
}
# distinct USER: how many different Subject lines USER received.
distinct() { cat "$MAILDIR_ROOT/$1/new/"* 2>/dev/null | grep -a '^Subject: ' | sort -u | wc -l; }
submit() { printf 'To: %s@example.test\nSubject: %s\n\nbody\n' "$1" "$2" | "$SENDMAIL" -t -i "${@:3}"; }
# hold_lock SECS: another "run" holds slot 0 for SECS (flock -o: the lock
# goes when flock is killed); sets hpid once the lock is held.
hold_lock() {
	local i
	flock -o "$Q/flush.lock" sleep "$1" &
	hpid=$!
	for ((i = 0; i < 100; i++)); do flock -n "$Q/flush.lock" true || break; sleep 0.05; done
}
# handed OUT: 0 when sendmail -v said it handed its message over.
handed() { case $1 in *"delivery run in progress"*) return 0 ;; esac; return 1; }
burst() {
	local user=$1 n=$2 i pids=() rc=0
	for ((i = 1; i <= n; i++)); do
		submit "$user" "$user $i" & pids+=($!)
	done
	for i in "${pids[@]}"; do wait "$i" || rc=1; done
	return $rc
}

# ---- a burst of 50 concurrent submissions ----------------------------------
m=$(log_mark)
burst burst1 50
is "$?" 0 "burst of 50: every sendmail exits 0"
settle burst1 50
is "$(maildir_count burst1)" 50 "burst of 50: 50 messages delivered (none lost, none twice)"
is "$(distinct burst1)" 50 "burst of 50: 50 different messages"
is "$(queued)" 0 "burst of 50: the queue is empty"
s=$(sessions "$m")
if [ "$s" -ge 1 ] && [ "$s" -le 5 ]; then ok "burst of 50: $s SMTP session(s), at most 5"; else not_ok "burst of 50: at most 5 SMTP sessions" "got $s"; fi
check "burst of 50: no kick left behind" test ! -e "$Q/kick"
check "burst of 50: the run lock file is the queue owner's, 0600" \
	sh -c "[ \"\$(stat -c '%u %a' '$Q/flush.lock')\" = '$(id -u) 600' ]"

# ---- a submission during a session goes in that session -----------------------
# A paced run (2 messages, 20 a minute) holds the lock; a third message
# submitted meanwhile is handed over and sent before the QUIT.
{ cat "$CONF/config.base"; echo "messages_per_minute 20"; } >"$CONF/config"
submit paced "paced 1" -odq
submit paced "paced 2" -odq
m=$(log_mark)
"$FLUSH" >"$T/paced.out" 2>&1 &
fpid=$!
smarthost_wait_mail paced 1 >/dev/null
out=$(submit paced "paced 3" -v 2>&1)
is "$?" 0 "during a run: sendmail exits 0"
if handed "$out"; then ok "during a run: the message is handed to the run (sendmail -v says so)"; else not_ok "during a run: the message is handed to the run" "$out"; fi
wait "$fpid"
is "$?" 0 "during a run: the run exits 0"
settle paced 3
is "$(maildir_count paced)" 3 "during a run: all 3 delivered"
is "$(sessions "$m")" 1 "during a run: over the run's one session (rescan before QUIT)"
cp "$CONF/config.base" "$CONF/config"

# ---- a submission between the last scan and the release ---------------------------
# strace holds the run at its unlock of the run lock (the second flock call
# of a run over an empty queue: take, then release) for 2 s; a message
# submitted then finds the lock held and hands over; the run sees the kick
# after the release and runs again.
if command -v strace >/dev/null; then
	rm -f "$T/strace.out"
	# (LeakSanitizer cannot run under ptrace: off for this command only)
	ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 \
	strace -f -o "$T/strace.out" -e trace=flock -e inject=flock:delay_enter=2000000:when=2 \
		"$FLUSH" -v >"$T/late.out" 2>&1 &
	fpid=$!
	for ((i = 0; i < 100; i++)); do
		grep -q 'LOCK_UN' "$T/strace.out" 2>/dev/null && break
		sleep 0.05
	done
	out=$(submit late "late 1" -v 2>&1)
	if handed "$out"; then ok "after the last scan: the message is handed to the run"; else not_ok "after the last scan: the message is handed to the run" "$out" "$(cat "$T/strace.out")"; fi
	is "$(queued)" 1 "after the last scan: queued, not yet sent"
	wait "$fpid"
	is "$?" 0 "after the last scan: the run exits 0"
	settle late 1
	is "$(maildir_count late)" 1 "after the last scan: the run delivered it after its release (kick)"
	is "$(queued)" 0 "after the last scan: the queue is empty, nothing left for a timer"
else
	for i in 1 2 3 4 5; do skip "after the last scan ($i)" "strace is missing"; done
fi

# ---- held by another run: handed over; a run by hand waits -------------------------
hold_lock 3
out=$(submit held "held 1" -v 2>&1)
rc=$?
if [ "$rc" -eq 0 ] && handed "$out"; then ok "lock held: sendmail hands over and exits 0"; else not_ok "lock held: sendmail hands over and exits 0" "exit $rc" "$out"; fi
"$FLUSH" -v >"$T/timer.out" 2>&1
is "$?" 0 "lock held: a plain run (the timer's) hands over too, exit 0"
is "$(queued)" 1 "lock held: the message waits for the holder"
"$SENDMAIL" -q -v >"$T/force.out" 2>&1
is "$?" 0 "lock held: sendmail -q waits for the holder, then delivers"
settle held 1
is "$(maildir_count held)" 1 "lock held: delivered once the lock was free"
wait "$hpid"

# ---- max_connections ---------------------------------------------------------------
# One slot held: with max_connections 2 a submission takes the second.
{ cat "$CONF/config.base"; echo "max_connections 2"; } >"$CONF/config"
hold_lock 30
out=$(submit two "two 1" -v 2>&1)
if handed "$out"; then not_ok "max_connections 2: a second run starts beside the first" "$out"; else ok "max_connections 2: a second run starts beside the first"; fi
settle two 1
is "$(maildir_count two)" 1 "max_connections 2: delivered while slot 0 is held"
check "max_connections 2: by the second slot" test -e "$Q/flush.lock.1"
pkill -P "$hpid"
kill "$hpid"
wait "$hpid" 2>/dev/null
cp "$CONF/config.base" "$CONF/config"

# ---- the smarthost allows 5 connections per client ---------------------------------
# Loopback is in $mynetworks, exempt from the limit unless the exceptions
# list is emptied.
"$SMARTHOST_SCRIPTS/ctl" "$SMARTHOST_DIR" postconf -e \
	smtpd_client_connection_count_limit=5 smtpd_client_event_limit_exceptions= &&
	smarthost_ctl stop && smarthost_ctl start
is "$?" 0 "limit 5: the smarthost restarted with the limit"
burst limited 50
settle limited 50
is "$(maildir_count limited)" 50 "limit 5: all 50 delivered, exactly once"
is "$(queued)" 0 "limit 5: none deferred"
done_testing
