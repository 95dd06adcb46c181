#!/bin/bash
# signals.sh — the front end killed while a message streams in leaves no
# tmp/ file: SIGTERM and SIGHUP during `sendmail -t`, SIGINT, SIGPIPE when
# a -bs client goes away before the 354; a signal inherited as ignored
# (nohup) stays ignored and the message is queued once stdin ends; a -bs
# session whose stdin fails with a read error exits EX_IOERR (74), a plain
# end of input exits 0.  No smarthost: -odq.
. "$(dirname "$0")/lib.sh"

plan 13

RELAYQ=$top_builddir/src/relayq
mkdir -p "$T/bin"
ln -s "$RELAYQ" "$T/bin/sendmail"
SENDMAIL=$T/bin/sendmail
Q=$T/q
printf 'domain example.test\nqueue_dir %s\n' "$Q" >"$T/conf"
count() { find "$Q/$1" -type f 2>/dev/null | wc -l; }

# wait_tmp: until the front end has created its tmp/ file (5 s at most).
wait_tmp() {
	local i
	for i in $(seq 50); do
		[ "$(count tmp)" -ge 1 ] && return 0
		sleep 0.1
	done
	return 1
}

# reap_within SECS PID: the process must end by itself within SECS; a
# front end that ignored the signal is killed, so the script never hangs.
reap_within() {
	local i
	for i in $(seq $(($1 * 10))); do
		kill -0 "$2" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$2" 2>/dev/null
}

# kill_mid SIG: sendmail -t reading from a FIFO that stays open, killed
# with SIG once its tmp/ file exists.  Prints the exit status.
kill_mid() {
	local fifo=$T/fifo pid rc
	rm -f "$fifo"
	mkfifo "$fifo"
	# a background job of a script starts with SIGINT ignored, and a
	# suite run under nohup has SIGHUP ignored: undo both
	env --default-signal=INT,HUP,TERM "$SENDMAIL" -C "$T/conf" -odq -t <"$fifo" &
	pid=$!
	exec 7>"$fifo"
	printf 'To: a@example.test\nSubject: half\n\nthe first line of a long body\n' >&7
	wait_tmp || echo "no tmp file appeared" >&2
	kill -"$1" "$pid"
	reap_within 5 "$pid"
	wait "$pid"
	rc=$?
	exec 7>&-
	echo "$rc"
}

for sig in TERM HUP INT; do
	num=$(kill -l "$sig")
	rc=$(kill_mid "$sig")
	is "$rc" "$((128 + num))" "SIG$sig mid-message: the front end dies of the signal"
	is "$(count tmp)$(count new)$(count env)" "000" "SIG$sig mid-message: no tmp/ file and nothing queued"
done

# nohup-style: SIGHUP ignored by the parent stays ignored.
rm -f "$T/fifo"; mkfifo "$T/fifo"
(trap '' HUP; exec "$SENDMAIL" -C "$T/conf" -odq -t <"$T/fifo") &
pid=$!
exec 7>"$T/fifo"
printf 'To: a@example.test\nSubject: nohup\n\nbody\n' >&7
wait_tmp
kill -HUP "$pid"
sleep 0.2
printf 'more body\n' >&7
exec 7>&-
wait "$pid"
is "$?" 0 "SIGHUP inherited as ignored: the front end goes on and exits 0"
is "$(count tmp)$(count new)$(count env)" "011" "SIGHUP inherited as ignored: the message is queued"
rm -rf "$Q"

# SIGPIPE under -bs: the client stops reading before DATA's 354.
python3 - "$SENDMAIL" "$T/conf" >"$T/pipe.out" 2>&1 <<'PY'
import os, subprocess, sys, time
p = subprocess.Popen([sys.argv[1], "-C", sys.argv[2], "-odq", "-bs"],
                     stdin=subprocess.PIPE, stdout=subprocess.PIPE)
def reply():
    while True:
        l = p.stdout.readline()
        if l[3:4] != b"-":
            return l
reply()
for c in (b"EHLO me\r\n", b"MAIL FROM:<a@example.test>\r\n", b"RCPT TO:<b@example.test>\r\n"):
    p.stdin.write(c); p.stdin.flush(); reply()
p.stdout.close()          # the client goes away ...
p.stdin.write(b"DATA\r\n")  # ... after asking for DATA: tmp/ID, then 354 -> EPIPE
p.stdin.flush()             # (nothing more: the 354 is written at once)
try:
    print("rc=%d" % p.wait(timeout=20))
except subprocess.TimeoutExpired:
    p.kill()
    print("rc=timeout")
PY
is "$(tail -n 1 "$T/pipe.out")" "rc=-13" "-bs client gone before 354: the front end dies of SIGPIPE"
is "$(count tmp)$(count new)$(count env)" "000" "-bs client gone: no tmp/ file and nothing queued"

# -bs with a read error on stdin (a directory is not readable as a file).
"$SENDMAIL" -C "$T/conf" -odq -bs </ >"$T/bs.out" 2>"$T/bs.err"
is "$?" 74 "-bs whose stdin fails with a read error exits EX_IOERR (74)"
check "the error names stdin and the cause" grep -q "cannot read from stdin: Is a directory" "$T/bs.err"
printf 'EHLO me\r\n' | "$SENDMAIL" -C "$T/conf" -odq -bs >/dev/null 2>&1
is "$?" 0 "-bs whose stdin simply ends exits 0"

done_testing
