#!/bin/bash
# replies.sh — what relayq-flush tells the bundled Postfix and reports
# about it: SIZE= counts CRLF line ends (RFC 1870) for a 4 MB message
# queued with LF line ends; a TLS-mode mismatch (STARTTLS against the
# implicit-TLS port and the reverse) is named with its fix; the server's
# enhanced code is shown once in the log and in mailq.
. "$(dirname "$0")/lib.sh"

smarthost_start
plan 17

relayq_setup

# ---- SIZE= with CRLF line ends ------------------------------------------
relayq_configure "$SUBMISSION_PORT"
{
	printf 'From: alice@example.test\nTo: size@example.test\nSubject: 4 MB of LF lines\n\n'
	awk 'BEGIN { for (i = 0; i < 80000; i++) printf "line %06d %s\n", i, substr("abcdefghijklmnopqrstuvwxyz0123456789abcdefghijklmnopqrstuvwxyz", 1, 20 + i % 41) }'
} | sendmail -i size@example.test
id=$(ls "$Q/env")
lf_bytes=$(wc -c <"$Q/new/$id")
lines=$(tr -cd '\n' <"$Q/new/$id" | wc -c)
crlf_bytes=$((lf_bytes + lines))
diag "queued $lf_bytes bytes in $lines LF-ended lines: $crlf_bytes bytes with CRLF"
[ "$lf_bytes" -gt 4000000 ] || diag "the test message is smaller than 4 MB"
"$FLUSH" -v >"$T/out" 2>&1
is "$?" 0 "4 MB message: relayq-flush exits 0"
declared=$(sed -n 's/^>>> MAIL FROM:<[^>]*> SIZE=\([0-9]*\).*/\1/p' "$T/out")
is "$declared" "$crlf_bytes" "SIZE= declares the CRLF byte count, not the $lf_bytes queued"
sent=$(sed -n 's/^>>> (message body, \([0-9]*\) bytes)$/\1/p' "$T/out")
is "$sent" "$crlf_bytes" "the body sent is exactly the declared size"
is "$(smarthost_wait_mail size 1 60 | wc -l)" 1 "Postfix accepted and delivered it"

# ---- a refused recipient: one status code, the server's ------------------
clear_queue
relayq_configure "$SUBMISSION_PORT"
printf 'Subject: refused\n\nx\n' | sendmail -i -f zed@example.test reject550@example.test
printf 'Subject: later\n\nx\n' | sendmail -i temp451@example.test
"$FLUSH" -v >"$T/out" 2>&1
rc=$?
is "$rc" 67 "550 5.1.1: relayq-flush exits 67 (EX_NOUSER, X.1.X as relayq-flush(8) says)"
check "the log shows the server's reply with one status code" \
	grep -qE 'to=<reject550@example.test>, .*status=bounced \(550 5\.1\.1 [^0-9]' "$T/out"
notice=$(smarthost_wait_mail zed 1 30 | head -n 1)
check "the notice's Status: is the server's 5.1.1" grep -q '^Status: 5\.1\.1$' "$notice"
check "its Diagnostic-Code quotes the server's reply as written" \
	grep -qE '^Diagnostic-Code: smtp; 550 5\.1\.1 [^0-9]' "$notice"
mailq >"$T/mailq" 2>&1
check "mailq shows the deferred reply with one status code" \
	grep -qE '^ *\(451 4\.3\.0 [^0-9]' "$T/mailq"
if grep -qE '[245]\.[0-9]+\.[0-9]+ [245]\.[0-9]+\.[0-9]+' "$T/out" "$T/mailq"; then
	not_ok "no line carries two status codes" "$(grep -E '[245]\.[0-9]+\.[0-9]+ [245]\.[0-9]+\.[0-9]+' "$T/out" "$T/mailq")"
else
	ok "no line carries two status codes"
fi

# ---- TLS-mode mismatch ----------------------------------------------------
clear_queue
relayq_configure "$SMTPS_PORT" "tls starttls" "command_timeout 3"
printf 'Subject: mismatch\n\nx\n' | sendmail -i erin@example.test
start=$(date +%s)
"$FLUSH" --force >"$T/out" 2>&1
rc=$?
took=$(($(date +%s) - start))
is "$rc" 75 "STARTTLS against the implicit-TLS port: deferred (75)"
check "the error names implicit TLS and the fix" \
	grep -q "sent no SMTP greeting within 3 s; if it speaks implicit TLS, set \"tls implicit\"" "$T/out"
if [ "$took" -le 10 ]; then
	ok "it gave up after command_timeout ($took s)"
else
	not_ok "it gave up after command_timeout" "took $took s"
fi

relayq_configure "$SUBMISSION_PORT" "tls implicit" "command_timeout 3"
"$FLUSH" --force >"$T/out" 2>&1
check "implicit TLS against a STARTTLS port: the error names tls starttls" \
	grep -q "sent a plain SMTP greeting (\"220 ...\") where a TLS handshake was expected: it speaks SMTP with STARTTLS, not implicit TLS; set \"tls starttls\"" "$T/out"

# ---- a greeting trickled a byte every 0.4 s against command_timeout 2 ------
# The server (Python, loopback, a port the kernel picks) would take 12 s
# for its greeting; before the whole-reply deadline each byte restarted
# the timer and the run lasted as long as the server liked.
python3 - "$T/port" <<'PY' &
import socket, sys, time
s = socket.socket()
s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", 0))
s.listen(5)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
s.settimeout(30)
try:
    c, _ = s.accept()
    for b in b"220 trickle.test ESMTP slowly, one byte at a time\r\n":
        c.sendall(bytes([b]))
        time.sleep(0.4)
except Exception:
    pass
PY
trickler=$!
for _ in $(seq 50); do [ -s "$T/port" ] && break; sleep 0.1; done
relayq_configure "$(cat "$T/port")" "tls none" "command_timeout 2"
start=$(date +%s.%N)
"$FLUSH" --force >"$T/out" 2>&1
rc=$?
took=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.1f", b - a }')
kill "$trickler" 2>/dev/null
wait "$trickler" 2>/dev/null
is "$rc" 75 "trickled greeting: deferred (75)"
diag "trickled greeting: the run took $took s with command_timeout 2"
if awk -v t="$took" 'BEGIN { exit !(t < 5) }'; then
	ok "trickled greeting: the run ended at the deadline, not the server's pace"
else
	not_ok "trickled greeting: the run ended at the deadline" "took $took s"
fi
check "trickled greeting: the error says the reply was not complete in time" \
	grep -q "no complete reply within 2 s" "$T/out"

done_testing
