#!/bin/bash
# exim.sh — relayq-flush against the second real smarthost, Exim 4
# (tests/smarthost/exim), so that relayq is never tuned to one server's
# wording: the delivery tests that are not Postfix-specific (STARTTLS+AUTH
# PLAIN and CRAM-MD5 byte for byte, implicit TLS, one session, a wrong
# password, 550 5.1.1 and its notice, 451, 8-bit, 10 MB) and Exim's
# per-connection message limit (smtp_accept_max_per_connection): 300
# queued messages, all delivered in one run over several sessions.
. "$(dirname "$0")/lib.sh"

smarthost_start --server exim
plan 56

relayq_setup

# The delivered copy without what Exim prepends (Return-path, its Received).
delivered_body() {
	awk 'BEGIN{skip=1} skip && /^Return-path:/ {next}
	     skip && /^Received: from / {inrecv=1; next}
	     inrecv && /^[ \t]/ {next}
	     {inrecv=0; skip=0; print}' "$1"
}
# The Exim log from line $1 on.
log_since() { tail -n "+$(($1 + 1))" "$EXIM_LOG"; }
log_lines() { wc -l <"$EXIM_LOG"; }
# sessions_since LINE: how many SMTP connections Exim logged from LINE on.
sessions_since() { log_since "$1" | grep -c 'SMTP connection from \[127\.0\.0\.1\]:[0-9]* (TCP/IP connection count'; }
# received_ports_since LINE: the client port of each message received (one
# port per connection).
received_ports_since() {
	log_since "$1" | sed -n 's/.* <= .* \[127\.0\.0\.1\]:\([0-9]*\) .*/\1/p'
}
# same_as_queued USER FILE DESC: USER's first message equals FILE byte for byte.
same_as_queued() {
	local f
	f=$(smarthost_wait_mail "$1" 1 30 | head -n 1)
	if [ -n "$f" ] && cmp -s <(delivered_body "$f") "$2"; then
		ok "$3"
	else
		not_ok "$3" "$( { diff <(delivered_body "$f") "$2"; } 2>&1 | head -20)"
	fi
}

# ---- STARTTLS + AUTH PLAIN, byte for byte to To, Cc and Bcc -------------------
relayq_configure "$SUBMISSION_PORT" "auth_mechanisms PLAIN"
printf 'From: Alice <alice@example.test>\nTo: bob@example.test\nCc: carol@example.test\nBcc: dave@example.test\nSubject: over STARTTLS to Exim\n\nline one\n.leading dot\n\nlast line\n' |
	sendmail -t -i
id=$(ls "$Q/env")
cp "$Q/new/$id" "$T/queued"
l0=$(log_lines)
"$FLUSH" -v >"$T/out" 2>&1
is "$?" 0 "STARTTLS+AUTH PLAIN: relayq-flush exits 0"
is "$(queued)" 0 "STARTTLS+AUTH PLAIN: the message left the queue"
for u in bob carol dave; do
	same_as_queued "$u" "$T/queued" "$u received it byte for byte (as queued, Bcc header gone)"
done
check "Exim logged TLS and alice's AUTH PLAIN" \
	sh -c "tail -n +$((l0 + 1)) '$EXIM_LOG' | grep -q ' <= .* P=esmtpsa X=TLS.* A=plain:$TEST_USER '"
check "the transcript shows STARTTLS and AUTH PLAIN" \
	sh -c "grep -q '^>>> STARTTLS' '$T/out' && grep -q '^>>> AUTH PLAIN' '$T/out'"
if grep -qF "$TEST_PASSWORD" "$T/out"; then
	not_ok "the password never appears in the -v transcript"
else
	ok "the password never appears in the -v transcript"
fi
# Exim's 250 for DATA carries no enhanced code: none is invented.
check "the log line quotes Exim's 250 as it came" \
	grep -qE "$id: to=<bob@example.test>, relay=127.0.0.1\[127.0.0.1\]:$SUBMISSION_PORT, delay=[0-9.]+, status=sent \(250 OK id=[0-9A-Za-z-]+\)" "$T/out"

# ---- STARTTLS + AUTH CRAM-MD5, the second user's awkward password -----------
relayq_configure "$SUBMISSION_PORT" "auth_mechanisms CRAM-MD5"
printf 'AuthInfo:127.0.0.1 "U:%s" "P:%s"\n' "$TEST_USER2" "$(printf '%s' "$TEST_PASSWORD2" | sed 's/[\\"]/\\&/g')" >"$CONF/authinfo"
printf 'Subject: cram\n\nvia CRAM-MD5\n' | sendmail -i erin@example.test
cp "$Q/new/$(ls "$Q/env")" "$T/queued"
l0=$(log_lines)
"$FLUSH" -v >"$T/out" 2>&1
is "$?" 0 "CRAM-MD5: relayq-flush exits 0"
check "CRAM-MD5: the transcript shows AUTH CRAM-MD5" grep -q '^>>> AUTH CRAM-MD5' "$T/out"
check "CRAM-MD5: Exim logged bob's login" \
	sh -c "tail -n +$((l0 + 1)) '$EXIM_LOG' | grep -q ' <= .* A=cram_md5:$TEST_USER2 '"
same_as_queued erin "$T/queued" "CRAM-MD5: delivered byte for byte"

# ---- implicit TLS --------------------------------------------------------
relayq_configure "$SMTPS_PORT" "tls implicit"
printf 'Subject: implicit\n\nvia implicit TLS\n' | sendmail -i fay@example.test
"$FLUSH" -v >"$T/out" 2>&1
is "$?" 0 "implicit TLS: exits 0"
check "implicit TLS: no STARTTLS sent" sh -c "! grep -q '^>>> STARTTLS' '$T/out'"
is "$(smarthost_wait_mail fay 1 | wc -l)$(queued)" "10" "implicit TLS: delivered, queue empty"

# ---- one session for several messages ---------------------------------------
relayq_configure "$SUBMISSION_PORT"
for i in 1 2 3 4 5; do
	printf 'Subject: batch %s\n\nbody %s\n' "$i" "$i" | sendmail -i ivan@example.test judy@example.test
done
l0=$(log_lines)
"$FLUSH" -v >"$T/out" 2>&1
is "$?" 0 "batch of 5: exits 0"
is "$(sessions_since "$l0")" 1 "batch of 5: Exim logged one SMTP connection"
is "$(log_since "$l0" | grep -c ' <= ')" 5 "batch of 5: Exim logged 5 messages received"
is "$(received_ports_since "$l0" | sort -u | wc -l)" 1 "batch of 5: all 5 over the same connection (one client port)"
is "$(smarthost_wait_mail ivan 5 | wc -l)$(smarthost_wait_mail judy 5 | wc -l)$(queued)" "550" \
	"batch of 5: all delivered to both, queue empty"

# ---- wrong password ---------------------------------------------------------
relayq_authinfo not-the-password
printf 'Subject: x\n\nbody\n' | sendmail -i gus@example.test
"$FLUSH" >"$T/out" 2>&1
rc=$?
is "$([ $rc -ne 0 ] && [ $rc -ne 67 ] && echo failed)" "failed" "wrong password: relayq-flush exits non-zero, not a bounce ($rc)"
is "$(queued)" 1 "wrong password: the message stays queued"
# Exim's 535 has no enhanced code: mailq quotes it as it came.
check "wrong password: mailq quotes Exim's 535 verbatim" sh -c "mailq | grep -q '535 Incorrect authentication data'"
is "$(maildir_count gus)" 0 "wrong password: nothing was sent without authentication"
clear_queue
relayq_configure "$SUBMISSION_PORT"

# ---- 550 5.1.1: an RFC 3464 notice with Exim's status and reply ----------------
# Exim does not advertise ENHANCEDSTATUSCODES; its text starts with 5.1.1.
printf 'From: kim@example.test\nSubject: doomed\n\nbody\n' | sendmail -i -f kim@example.test reject550@example.test
"$FLUSH" >"$T/out" 2>&1
is "$?" 67 "550 5.1.1: relayq-flush exits EX_NOUSER (from Exim's 5.1.1)"
is "$(queued)" 0 "550 5.1.1: the failed message leaves the queue"
check "550 5.1.1: the log quotes Exim's reply, one status code" \
	grep -qF 'status=bounced (550 5.1.1 <reject550@example.test>: rejected (test fault))' "$T/out"
bounce=$(smarthost_wait_mail kim 1 | head -n 1)
if [ -n "$bounce" ]; then
	python3 - "$bounce" >"$T/dsn" 2>&1 <<'PY'
import email, sys
m = email.message_from_binary_file(open(sys.argv[1], 'rb'))
print(m.get_content_type(), m.get_param('report-type'))
parts = m.get_payload()
fields = {}
for block in parts[1].get_payload():
    for k, v in block.items():
        fields.setdefault(k, v)
print(fields.get('Final-Recipient'), fields.get('Action'), fields.get('Status'))
print(fields.get('Diagnostic-Code'))
print(m['Return-path'])
print(parts[2].get_payload()[0]['Subject'])
PY
	is "$(sed -n 1p "$T/dsn")" "multipart/report delivery-status" "notice: multipart/report; report-type=delivery-status"
	is "$(sed -n 2p "$T/dsn")" "rfc822; reject550@example.test failed 5.1.1" "notice: Final-Recipient, Action, Status 5.1.1 (Exim's code)"
	is "$(sed -n 3p "$T/dsn")" "smtp; 550 5.1.1 <reject550@example.test>: rejected (test fault)" \
		"notice: Diagnostic-Code is Exim's reply verbatim"
	is "$(sed -n 4p "$T/dsn")" "<>" "notice: sent with the null sender"
	is "$(sed -n 5p "$T/dsn")" "doomed" "notice: carries the original message"
else
	for i in 1 2 3 4 5; do not_ok "the notice arrived in kim's Maildir"; done
fi

# ---- 451 for one recipient, 250 for another: only the 451 is retried ---------
printf 'Subject: mixed\n\nbody\n' | sendmail -i -f lou@example.test leo@example.test temp451@example.test
"$FLUSH" >"$T/out" 2>&1
is "$?" 75 "mixed 250/451: EX_TEMPFAIL"
is "$(smarthost_wait_mail leo 1 | wc -l)" 1 "mixed: the accepted recipient got it"
env=$Q/env/$(ls "$Q/env" | head -n 1)
is "$(grep -A1 '^rcpt leo' "$env" | sed -n 's/^rcpt-state //p')" "done" "mixed: the accepted recipient is marked done"
check "mixed: the 451 recipient is pending with Exim's reply verbatim" \
	grep -qF '451 4.3.0 <temp451@example.test>: temporarily deferred (test fault)' "$env"
"$FLUSH" --force >"$T/out" 2>&1
is "$?" 75 "retry: still EX_TEMPFAIL"
is "$(log_since 0 | grep -c '<= .* for leo@example.test')" 1 "retry: Exim received leo's copy once only"
check "retry: the 451 recipient is still queued" grep -q "temp451@example.test" "$env"
clear_queue

# ---- 8-bit ------------------------------------------------------------------
printf 'From: Jürgen <juergen@example.test>\nSubject: 8-bit\nMIME-Version: 1.0\nContent-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: 8bit\n\nÄrger über Öl — ß\n' |
	sendmail -i mona@example.test
cp "$Q/new/$(ls "$Q/env")" "$T/queued"
"$FLUSH" -v >"$T/out" 2>&1
is "$?" 0 "8-bit: exits 0"
check "8-bit: declared BODY=8BITMIME (Exim offers 8BITMIME)" grep -q '^>>> MAIL FROM:.*BODY=8BITMIME' "$T/out"
same_as_queued mona "$T/queued" "8-bit: delivered byte for byte"

# ---- 10 MB ------------------------------------------------------------------
python3 - >"$T/big.eml" <<'PY'
import base64, os, sys
sys.stdout.write("Subject: 10 MB\nMIME-Version: 1.0\nContent-Type: application/octet-stream\n"
                 "Content-Transfer-Encoding: base64\n\n")
data = base64.encodebytes(os.urandom(7_700_000)).decode()
sys.stdout.write(data)
PY
sendmail -i nora@example.test <"$T/big.eml"
cp "$Q/new/$(ls "$Q/env")" "$T/queued"
"$FLUSH" >"$T/out" 2>&1
is "$?" 0 "10 MB ($(stat -c %s "$T/big.eml") bytes): exits 0"
is "$(queued)" 0 "10 MB: queue empty"
same_as_queued nora "$T/queued" "10 MB: delivered byte for byte"

# ---- a per-connection message limit: 300 messages, one run ------------------------
# Exim answers 421 to the MAIL after smtp_accept_max_per_connection messages
# and closes the session.  relayq reconnects and carries on in the same run:
# every message delivered, none deferred.
limit=100
smarthost_ctl max-per-connection "$limit"
for i in $(seq 1 300); do
	printf 'Subject: limit %s\n\nbody %s\n' "$i" "$i" | sendmail -i olga@example.test
done
is "$(queued)" 300 "limit: 300 messages queued"
l0=$(log_lines)
"$FLUSH" >"$T/out" 2>&1
rc=$?
received=$(log_since "$l0" | grep -c ' <= ')
sessions=$(received_ports_since "$l0" | sort -u | wc -l)
busiest=$(received_ports_since "$l0" | sort | uniq -c | sort -rn | awk 'NR==1{print $1}')
diag "limit: relayq-flush exit $rc; Exim received $received messages over $sessions sessions (at most ${busiest:-0} in one), $(queued) left queued"
check "limit: Exim's log shows the limit was reached" \
	sh -c "tail -n +$((l0 + 1)) '$EXIM_LOG' | grep -q 'rejected MAIL command .*: too many messages in one connection'"
# The message that met the limit is retried at once on a new connection,
# not deferred.
if [ "$rc" -eq 0 ] && [ "$(queued)" -eq 0 ] && [ "$received" -eq 300 ] && [ "$sessions" -ge 3 ] &&
	[ "${busiest:-0}" -le "$limit" ] && [ "$(smarthost_wait_mail olga 300 60 | wc -l)" -eq 300 ]; then
	ok "limit: one run delivers all 300 over several sessions of at most $limit, defers none"
else
	not_ok "limit: one run delivers all 300 over several sessions of at most $limit, defers none" \
		"exit $rc, $(queued) queued, $received received over $sessions sessions" "$(tail -n 5 "$T/out")"
fi
smarthost_ctl max-per-connection 1000
clear_queue

# ---- Exim is down, then back ----------------------------------------------
smarthost_ctl stop
printf 'Subject: later\n\nbody\n' | sendmail -i pia@example.test
"$FLUSH" >"$T/out" 2>&1
is "$?/$(queued)" "75/1" "Exim down: EX_TEMPFAIL, the message stays"
check "Exim down: the error names host[address]:port" grep -q "127.0.0.1\[127.0.0.1\]:$SUBMISSION_PORT" "$T/out"
smarthost_ctl start
"$FLUSH" --force >"$T/out" 2>&1
is "$?" 0 "Exim back: --force delivers"
is "$(smarthost_wait_mail pia 1 | wc -l)$(queued)" "10" "Exim back: delivered, queue empty"

# ---- the Exim smarthost stops cleanly ---------------------------------------
run=$SMARTHOST_DIR
[ -f "$SMARTHOST_DIR/rundir" ] && run=$(cat "$SMARTHOST_DIR/rundir")
check "stop exits 0 (nothing had to be killed)" "$SMARTHOST_SCRIPTS/stop" "$SMARTHOST_DIR"
is "$(. "$SMARTHOST_SCRIPTS/common.sh"; sh_instance_pids "$run")" "" "stop: no process of the Exim instance remains"
check "stop: the Maildirs and the log are kept in the instance directory" \
	test -s "$SMARTHOST_DIR/exim/log/mainlog" -a -d "$SMARTHOST_DIR/maildirs/pia/new"
