#!/bin/bash
# callers-bs.sh — callers that speak SMTP to `sendmail -bs` over a pipe
# (Symfony's SendmailTransport, PHPMailer, swaks --pipe), through the
# background flush to the test smarthost: one message with swaks, two
# messages in one session (one of them PIPELINED) from a small client that
# checks the 250 comes only once the message is in the queue, and bad
# input: unknown commands, bad sequence, bad syntax, EOF in the middle of
# DATA.
. "$(dirname "$0")/lib.sh"

command -v python3 >/dev/null || skip_all "python3 is needed for the SMTP client"
smarthost_start
plan 42
. "$top_srcdir/tests/data/callers/common.sh"

# codes: the reply codes of the final line of every reply, one a line.
finals() { tr -d '\r' | awk 'length($0) >= 4 && substr($0, 4, 1) == " "'; }
codes() { finals | cut -c1-3; }
queue_files() { find "$Q/env" "$Q/new" "$Q/tmp" -type f 2>/dev/null | wc -l; }

# ---- swaks --pipe: one message ---------------------------------------------
if command -v swaks >/dev/null; then
	swaks --pipe "$BIN/sendmail -bs" --from app@example.test --to sw1@example.test \
		--header "Subject: swaks over -bs" --body "Hello from swaks." >"$T/swaks.out" 2>&1
	is "$?" 0 "swaks: exits 0"
	check "swaks: the message was queued (250 ... queued as ID)" grep -qE '^<- +250 2\.0\.0 Ok: queued as [0-9A-V]{10}$' "$T/swaks.out"
	check "swaks: the server offered PIPELINING" grep -qE '^<- +250-PIPELINING' "$T/swaks.out"
	f=$(first_mail sw1)
	is "$(msg "$f" header Return-Path)" "Return-Path: <app@example.test>" "swaks: MAIL FROM is the envelope sender"
	is "$(msg "$f" header Subject)" "Subject: swaks over -bs" "swaks: Subject delivered"
	is "$(msg "$f" body)" "Hello from swaks." "swaks: body delivered"
	swaks --pipe "$BIN/sendmail -bs" --protocol SMTP --from app@example.test --to sw2@example.test \
		--header "Subject: swaks HELO" --body "Plain SMTP." >"$T/swaks.out" 2>&1
	is "$?" 0 "swaks with HELO (not EHLO): exits 0"
	is "$(msg "$(first_mail sw2)" body)" "Plain SMTP." "swaks with HELO: delivered"
	wait_queue_empty
else
	for i in $(seq 8); do skip "swaks" "swaks is not installed"; done
fi

# ---- two messages in one session, one pipelined -----------------------------
python3 "$CALLERS_DATA/smtp_pipe.py" "$Q" "$BIN/sendmail" -bs >"$T/session" 2>&1
obs() { sed -n "s/^$1 //p" "$T/session"; }
is "$(obs greeting) $(obs ehlo) $(obs ehlo-pipelining)" "220 250 yes" "session: 220 greeting, EHLO offers PIPELINING"
is "$(obs t1-mail) $(obs t1-rcpt) $(obs t1-data)" "250 250 354" "session: first MAIL, RCPT, DATA accepted"
is "$(obs t1-env-before-dot)" 0 "session: nothing queued before the final dot"
is "$(obs t1-end)" 250 "session: 250 after the first message's dot"
is "$(obs t1-env-after) $(obs t1-env-has-id)" "1 yes" "session: when the 250 arrives, env/ID (the id it names) exists"
is "$(obs t1-body-complete)" yes "session: when the 250 arrives, new/ID holds the whole message"
is "$(obs t2-batch)" "250,250,250,354" "session: pipelined MAIL+RCPT+RCPT+DATA in one write: four replies in order"
is "$(obs t2-end) $(obs t2-env-after) $(obs t2-env-has-id) $(obs t2-body-complete)" "250 2 yes yes" "session: second message (env and whole body) queued when its 250 arrives"
check "session: two different queue ids" test "$(obs t1-id)" != "$(obs t2-id)"
is "$(obs quit) $(obs exit)" "221 0" "session: QUIT 221, sendmail -bs exits 0"
check "session: no client error" sh -c "! grep -q '^error' '$T/session'"
f=$(first_mail bs1)
want=$(printf '%s\n' "From: App <app@example.test>" "To: bs1@example.test" "Subject: bs one" \
	DATE MSGID "" "first message" ".leading dot" "last line")
is "$(delivered_body "$f" | sed -e 's/^Date: .*/DATE/' -e 's/^Message-ID: <[^>]*>$/MSGID/')" "$want" \
	"session: first message delivered byte for byte (dot-stuffing undone)"
is "$(msg "$f" header Return-Path)" "Return-Path: <app@example.test>" "session: envelope sender from MAIL FROM"
f2=$(first_mail bs2)
f3=$(first_mail bs3)
is "$(msg "$f2" body)|$(msg "$f3" body)" "second message|second message" "session: the pipelined message reached both recipients"
is "$(msg "$f2" header Subject)" "Subject: bs two" "session: the pipelined message's header delivered"
wait_queue_empty
is "$(queued)" 0 "session: the flush after the session emptied the queue"

# ---- bad input -----------------------------------------------------------------
printf 'MAIL FROM:<a@example.test>\r\nEHLO client.example.test\r\nFOO bar\r\nRCPT TO:<b@example.test>\r\nDATA\r\nMAIL FROM:bogus\r\nMAIL FROM:<a@example.test\r\nMAIL FROM:<a@example.test>\r\nMAIL FROM:<c@example.test>\r\nRCPT TO:\r\nRCPT TO:b@example.test\r\nDATA\r\nRSET\r\nDATA\r\nQUIT\r\n' |
	"$BIN/sendmail" -bs >"$T/bad.out" 2>"$T/bad.err"
rc=$?
got=$(codes <"$T/bad.out" | tr '\n' ' ')
is "$got" "220 503 250 500 503 503 501 501 250 503 501 501 554 250 503 221 " \
	"bad input: MAIL before EHLO 503, unknown 500, RCPT/DATA out of order 503, bad MAIL/RCPT syntax 501, DATA without recipients 554"
is "$rc" 0 "bad input: a session that ends with QUIT exits 0"
is "$(queue_files)" 0 "bad input: nothing queued"
is "$(tr -d '\r' <"$T/bad.out" | grep '^500')" "500 5.5.2 Error: command not recognized" "bad input: 500 has an enhanced status code"

printf 'EHLO x\r\n%s\r\nQUIT\r\n' "$(head -c 2000 /dev/zero | tr '\0' a)" | "$BIN/sendmail" -bs >"$T/long.out" 2>&1
is "$(codes <"$T/long.out" | tr '\n' ' ')" "220 250 500 221 " "bad input: a 2000-byte command line is refused with 500, the session goes on"

printf 'EHLO x\r\nMAIL FROM:<a@example.test>\r\nRCPT TO:<eof@example.test>\r\nDATA\r\nSubject: cut\r\n\r\npartial line' |
	"$BIN/sendmail" -bs >"$T/eof.out" 2>"$T/eof.err"
rc=$?
is "$(codes <"$T/eof.out" | tr '\n' ' ')" "220 250 250 250 354 " "EOF in DATA: no reply after 354 (no 250)"
is "$(queue_files)" 0 "EOF in DATA: nothing in env/, new/ or tmp/"
diag "EOF in DATA: sendmail -bs exited $rc; stderr: $(cat "$T/eof.err")"
smarthost_wait_idle
is "$(maildir_count eof)" 0 "EOF in DATA: nothing delivered"

printf 'EHLO x\r\nMAIL FROM:<a@example.test>\r\nRCPT TO:<eof@example.test>\r\nDATA\r\nSubject: cut\r\n\r\nno dot yet\r\n.' |
	"$BIN/sendmail" -bs >"$T/eof.out" 2>&1
is "$(codes <"$T/eof.out" | tr '\n' ' ')$(queue_files)" "220 250 250 250 354 0" "EOF right after a dot without CRLF: not the end of data, nothing queued"

printf 'EHLO x\r\nMAIL FROM:<a@example.test>\r\nRCPT TO:<noquit@example.test>\r\nDATA\r\nSubject: no quit\r\n\r\nbody\r\n.\r\n' |
	"$BIN/sendmail" -bs >"$T/noquit.out" 2>&1
rc=$?
is "$(codes <"$T/noquit.out" | tr '\n' ' ')" "220 250 250 250 354 250 " "EOF after a complete message, no QUIT: 250 for the message"
is "$rc" 0 "EOF after a complete message: exits 0"
is "$(msg "$(first_mail noquit)" body)" "body" "EOF after a complete message: delivered by the flush"

printf 'EHLO x\r\nMAIL FROM:<a@example.test>\r\nRCPT TO:<rset@example.test>\r\nRSET\r\nDATA\r\nMAIL FROM:<a@example.test>\r\nRCPT TO:<rset2@example.test>\r\nDATA\r\nSubject: after RSET\r\n\r\nkept\r\n.\r\nQUIT\r\n' |
	"$BIN/sendmail" -bs >"$T/rset.out" 2>&1
is "$(codes <"$T/rset.out" | tr '\n' ' ')" "220 250 250 250 250 503 250 250 354 250 221 " "RSET drops the transaction: DATA after it 503"
is "$(msg "$(first_mail rset2)" body)" "kept" "RSET: the next transaction is delivered"
is "$(maildir_count rset)" 0 "RSET: the dropped recipient gets nothing"

printf 'EHLO x\r\nMAIL FROM:<a@example.test> FOO=bar\r\nMAIL FROM:<a@example.test> BODY=8BITMIME\r\nRCPT TO:<p@example.test> NOTIFY=BOGUS\r\nRCPT TO:<p@example.test> XYZ=1\r\nQUIT\r\n' |
	"$BIN/sendmail" -bs >"$T/param.out" 2>&1
is "$(codes <"$T/param.out" | sed 5d | tr '\n' ' ')" "220 250 555 250 555 221 " "unknown MAIL/RCPT parameters: 555"
# A bad NOTIFY value is a parameter syntax error, 501 5.5.4 (Postfix and
# sendmail say so).
is "$(finals <"$T/param.out" | sed -n 5p | cut -c1-9)" "501 5.5.4" "RCPT with NOTIFY=BOGUS: 501 5.5.4"
wait_queue_empty
is "$(queued)" 0 "queue empty at the end"

[ "$t_failed" -gt 0 ] && [ -f "$T/flush.log" ] &&
	diag "last lines of the background flushes' transcript:" "$(tail -n 40 "$T/flush.log")"
exit 0
