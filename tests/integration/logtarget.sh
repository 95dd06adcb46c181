#!/bin/bash
# logtarget.sh — the outcome of a background delivery reaches the admin
# (issue 12): with `log_target file:PATH` the detached relayq-flush's
# status line is in PATH; in a container without /dev/log (a private
# mount and PID namespace whose PID 1 is this script's shell, its stderr a
# file, as `docker logs` reads a container's) the default falls back to
# PID 1's stderr and says so once, naming why and where; `journal`
# writes journald's native fields to its socket (a private /run with a
# listening socket in its place).  Against the
# bundled smarthost; no RELAYQ_NO_SYSLOG here.
. "$(dirname "$0")/lib.sh"

smarthost_start
command -v unshare >/dev/null || bail_out "unshare is missing (util-linux)"
plan 13

relayq_setup
SENDMAIL=$BIN/sendmail
export RELAYQ_FLUSH=$FLUSH
unset RELAYQ_NO_SYSLOG

# configure [extra lines...]
configure() { relayq_configure "$SUBMISSION_PORT" "$@"; }
# wait_for FILE REGEX: until a line matches (a bound against hangs only).
wait_for() {
	local i
	for ((i = 0; i < 300; i++)); do
		grep -qE "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}
# wait_idle: until no relayq-flush of this tree runs (a background flush
# stays a moment to pick up later submissions; the next part must start
# its own).
wait_idle() {
	local i p busy flush
	flush=$(readlink -f "$FLUSH")
	for ((i = 0; i < 300; i++)); do
		busy=no
		for p in /proc/[0-9]*; do
			[ "$(readlink "$p/exe" 2>/dev/null)" = "$flush" ] && busy=yes && break
		done
		[ $busy = no ] && return 0
		sleep 0.1
	done
	return 1
}
# The status line of a delivery, as in mail.log.
sent_re() {
	echo "^[A-Z][a-z]{2} [ 1-3][0-9] [0-9:]{8} [^ ]+ relayq-flush\[[0-9]+\]: $1: to=<$2>, relay=127\.0\.0\.1\[127\.0\.0\.1\]:$SUBMISSION_PORT, delay=[0-9.]+, status=sent \(250 "
}

# ---- 1. a file target, from a detached background flush -----------------
LOG=$T/relayq.log
configure "log_target file:$LOG"
printf 'From: alice@example.test\nTo: bob@example.test\nSubject: file\n\nhi\n' |
	"$SENDMAIL" -t -i
is "$?" 0 "sendmail queues and starts the background flush"
id=$(grep -oE '[0-9A-Za-z]+: uid=[0-9]+ from=<[^>]*> nrcpt=1 queued' "$LOG" | head -n 1 | cut -d: -f1)
check "the front end's queued line is in the file" test -n "$id"
if wait_for "$LOG" "$(sent_re "$id" bob@example.test)"; then
	ok "the background delivery's outcome line is in the file"
else
	not_ok "the background delivery's outcome line is in the file" "$(cat "$LOG" 2>&1)"
fi
is "$(smarthost_wait_mail bob 1 | wc -l)" 1 "bob received it"
if grep -qF "$TEST_PASSWORD" "$LOG"; then
	not_ok "the password is not in the log file"
else
	ok "the password is not in the log file"
fi
check "the file is not readable by others (0640)" \
	test "$(stat -c %a "$LOG")" = 640
check "relayq check names where the lines go" sh -c "'$RELAYQ' check | grep -qx 'log: $LOG'"
check "a bad value is refused naming the key" \
	sh -c "printf 'log_target file:rel\n' >'$T/bad.conf'; '$RELAYQ' -C '$T/bad.conf' check 2>&1 | grep -q 'log_target'"

# ---- 2. a container without /dev/log -----------------------------------------
# container.sh runs as PID 1 of a private PID and mount namespace with its
# stderr in $T/pid1.err: /dev/log and journald's socket are hidden, then a
# message is submitted with the default background delivery and PID 1
# stays until the queue is empty.
cat >"$T/container.sh" <<'SH'
set -u
[ -e /dev/log ] && mount --bind /dev/null /dev/log
[ -d /run/systemd/journal ] && mount -t tmpfs none /run/systemd/journal
printf 'From: alice@example.test\nTo: %s\nSubject: container\n\nhi\n' "$1" | "$SENDMAIL" -t -i
for i in $(seq 300); do
	[ -z "$(ls "$Q/env" 2>/dev/null)" ] && grep -q 'status=' "$2" && break
	sleep 0.1
done
sleep 0.2
SH
export SENDMAIL Q
# container_run RCPT LOG: one container run; PID 1's stderr is LOG.
container_run() {
	unshare --mount --pid --fork --mount-proc bash "$T/container.sh" "$1" "$2" 2>"$2"
}

wait_idle || bail_out "the background relayq-flush of part 1 did not end"
configure
container_run carol@example.test "$T/pid1.err"
note="log_target syslog \(/dev/log\) is not usable here \(/dev/log: [^)]*\); logging to the container's log, PID 1's stderr \(/proc/1/fd/2\) instead; set log_target in relayq.conf to choose"
if grep -qE "relayq-flush\[[0-9]+\]: $note" "$T/pid1.err"; then
	ok "without /dev/log the flush says once where it logs instead, and why"
else
	not_ok "without /dev/log the flush says once where it logs instead, and why" "$(cat "$T/pid1.err")"
fi
if grep -qE "$(sent_re '[0-9A-Za-z]+' carol@example.test)" "$T/pid1.err"; then
	ok "the outcome of the background delivery is in PID 1's stderr (docker logs)"
else
	not_ok "the outcome of the background delivery is in PID 1's stderr (docker logs)" "$(cat "$T/pid1.err")"
fi
is "$(grep -cE "relayq-flush\[[0-9]+\]: log_target" "$T/pid1.err")" 1 "the fallback line once per run"

# A file that cannot be written falls back the same way and names the file.
wait_idle || bail_out "the background relayq-flush of the container did not end"
configure "log_target file:/nonexistent/relayq/mail.log"
container_run dave@example.test "$T/pid1-file.err"
if grep -qE "relayq-flush\[[0-9]+\]: log_target /nonexistent/relayq/mail.log is not usable here \(/nonexistent/relayq/mail.log: No such file or directory\); logging to the container's log" "$T/pid1-file.err" &&
	grep -qE "$(sent_re '[0-9A-Za-z]+' dave@example.test)" "$T/pid1-file.err"; then
	ok "an unwritable file target falls back to the container's log and names the file"
else
	not_ok "an unwritable file target falls back to the container's log and names the file" "$(cat "$T/pid1-file.err")"
fi

# ---- 3. journald's native socket ------------------------------------------------
# A private /run holds a datagram socket where journald's would be; a
# foreground relayq-flush with log_target journal sends its fields there.
cat >"$T/journal.sh" <<'SH'
set -u
mount -t tmpfs none /run && mkdir -p /run/systemd/journal || exit 1
python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("/run/systemd/journal/socket")
open(sys.argv[1] + ".ready", "w").close()
with open(sys.argv[1], "ab", 0) as f:
    while True:
        f.write(s.recv(65536) + b"--\n")
' "$1" &
for i in $(seq 100); do [ -e "$1.ready" ] && break; sleep 0.05; done
printf 'To: erin@example.test\nSubject: journal\n\nhi\n' | "$SENDMAIL" -t -i -odq
"$FLUSH" >/dev/null 2>&1
SH
export FLUSH
wait_idle || bail_out "the background relayq-flush of the container did not end"
configure "log_target journal"
unshare --mount --pid --fork --mount-proc bash "$T/journal.sh" "$T/journal.out" 2>"$T/journal.err"
if python3 - "$T/journal.out" "$SUBMISSION_PORT" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
ok = any(re.fullmatch(r"PRIORITY=6\nSYSLOG_FACILITY=2\nSYSLOG_IDENTIFIER=relayq-flush\n"
                      r"SYSLOG_PID=[0-9]+\nMESSAGE=[0-9A-Za-z]+: to=<erin@example.test>, "
                      r"relay=127\.0\.0\.1\[127\.0\.0\.1\]:" + sys.argv[2] +
                      r", delay=[0-9.]+, status=sent \(250 [^\n]*\)\n", d)
         for d in text.split("--\n"))
sys.exit(0 if ok else 1)
PY
then
	ok "log_target journal: the status line with journald's fields (PRIORITY, SYSLOG_IDENTIFIER, ...)"
else
	not_ok "log_target journal: the status line with journald's fields" "$(cat "$T/journal.out" "$T/journal.err" 2>&1)"
fi
