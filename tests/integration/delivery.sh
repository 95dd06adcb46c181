#!/bin/bash
# delivery.sh — relayq-flush against the real test smarthost (Postfix +
# Dovecot SASL on loopback): STARTTLS+AUTH, implicit TLS, certificate
# checks, pinning, wrong password, one session for a batch with
# PIPELINING, per-recipient results, bounces, a smarthost that is down.
. "$(dirname "$0")/lib.sh"

smarthost_start
plan 59

relayq_setup
# The delivered copy without the lines the smarthost prepends.
delivered_body() {
	awk 'BEGIN{skip=1} skip && /^(Return-Path|X-Original-To|Delivered-To):/ {next}
	     skip && /^Received: from / {inrecv=1; next}
	     inrecv && /^[ \t]/ {next}
	     {inrecv=0; skip=0; print}' "$1"
}

# ---- STARTTLS + AUTH, byte for byte ----------------------------------------
relayq_configure "$SUBMISSION_PORT"
printf 'From: Alice <alice@example.test>\nTo: bob@example.test\nCc: carol@example.test\nBcc: dave@example.test\nSubject: over STARTTLS\n\nline one\n.leading dot\n\nlast line\n' |
	sendmail -t -i
id=$(ls "$Q/env")
cp "$Q/new/$id" "$T/queued"
"$FLUSH" -v >"$T/out" 2>&1
is "$?" 0 "STARTTLS+AUTH: relayq-flush exits 0"
is "$(queued)" 0 "the message left the queue"
for u in bob carol dave; do
	f=$(smarthost_wait_mail "$u" 1 | head -n 1)
	if [ -n "$f" ] && [ "$(delivered_body "$f")" = "$(cat "$T/queued")" ]; then
		ok "$u received it byte for byte (as queued, Bcc header gone)"
	else
		not_ok "$u received it byte for byte" "$(diff <(delivered_body "$f") "$T/queued" 2>&1 | head -20)"
	fi
done
check "the smarthost saw TLS and alice's AUTH" grep -q "Authenticated sender: $TEST_USER" "$f"
check "the transcript shows STARTTLS" grep -q '^>>> STARTTLS' "$T/out"
check "the transcript names the authinfo line, not the password" grep -q "password from authinfo $CONF/authinfo line 1" "$T/out"
if grep -qF "$TEST_PASSWORD" "$T/out"; then not_ok "the password never appears in the -v transcript"; else ok "the password never appears in the -v transcript"; fi
check "AUTH is shown redacted" grep -q '^>>> AUTH [A-Z0-9-]* <redacted>\|^>>> AUTH [A-Z0-9-]*$' "$T/out"
check "the log line has queue id, recipient, relay and status" \
	grep -qE "$id: to=<bob@example.test>, relay=127.0.0.1\[127.0.0.1\]:$SUBMISSION_PORT, delay=[0-9.]+, status=sent \(250 " "$T/out"

# ---- implicit TLS -------------------------------------------------------
relayq_configure "$SMTPS_PORT" "tls implicit"
printf 'Subject: implicit\n\nvia 465-style TLS\n' | sendmail -i erin@example.test
"$FLUSH" -v >"$T/out" 2>&1
is "$?" 0 "implicit TLS: exits 0"
check "implicit TLS: no STARTTLS sent" sh -c "! grep -q '^>>> STARTTLS' '$T/out'"
is "$(smarthost_wait_mail erin 1 | wc -l)" 1 "implicit TLS: delivered"
is "$(queued)" 0 "implicit TLS: queue empty"

# ---- wrong password -----------------------------------------------------
relayq_configure "$SUBMISSION_PORT"
relayq_authinfo not-the-password
printf 'Subject: x\n\nbody\n' | sendmail -i frank@example.test
"$FLUSH" >"$T/out" 2>&1
rc=$?
is "$([ $rc -ne 0 ] && echo failed)" "failed" "wrong password: relayq-flush exits non-zero ($rc)"
is "$(queued)" 1 "wrong password: the message stays queued"
check "wrong password: mailq shows the server's 535" sh -c "mailq | grep -q '535'"
is "$(maildir_count frank)" 0 "wrong password: nothing was sent without authentication"
grep -q "^next-attempt\|^next " "$Q/env/$(ls "$Q/env")" && ok "wrong password: a next attempt is scheduled" ||
	not_ok "wrong password: a next attempt is scheduled" "$(cat "$Q/env/$(ls "$Q/env")")"
clear_queue

# ---- certificates -------------------------------------------------------
relayq_configure "$UNTRUSTED_PORT"
printf 'Subject: x\n\nbody\n' | sendmail -i gina@example.test
"$FLUSH" >"$T/out" 2>&1
is "$?" 75 "untrusted certificate: EX_TEMPFAIL, mail kept"
check "untrusted certificate: the error says why and how to pin" grep -q "SHA256:" "$T/out"
is "$(maildir_count gina)$(queued)" "01" "untrusted certificate: nothing sent, still queued"
relayq_configure "$WRONGNAME_PORT"
"$FLUSH" --force >"$T/out" 2>&1
is "$?" 75 "wrong certificate name: refused"
check "wrong name: the error names the expected name" grep -q "127.0.0.1" "$T/out"
relayq_configure "$SUBMISSION_PORT" "tls_fingerprint SHA256:$SERVER_CERT_SHA256" "tls_trust_file /dev/null"
sed -i '/^tls_trust_file \/dev\/null/d' "$CONF/config"
"$FLUSH" --force >"$T/out" 2>&1
is "$?" 0 "fingerprint pin without the CA: accepted"
is "$(smarthost_wait_mail gina 1 | wc -l)$(queued)" "10" "pinned: delivered"
relayq_configure "$SUBMISSION_PORT" "tls_fingerprint SHA256:$(printf '%s' "$SERVER_CERT_SHA256" | tr '0-9A-F' 'A-F0-9')"
printf 'Subject: x\n\nbody\n' | sendmail -i hank@example.test
"$FLUSH" >"$T/out" 2>&1
is "$?" 75 "a pin that does not match: refused even though the CA vouches"
clear_queue

# ---- one session, PIPELINING ----------------------------------------------
relayq_configure "$SUBMISSION_PORT"
before=$(grep -c "connect from" "$POSTFIX_LOG")
for i in 1 2 3 4 5; do printf 'Subject: batch %s\n\nbody %s\n' "$i" "$i" | sendmail -i ivan@example.test judy@example.test; done
"$FLUSH" -v >"$T/out" 2>&1
is "$?" 0 "batch of 5: exits 0"
is "$(( $(grep -c "connect from" "$POSTFIX_LOG") - before ))" 2 "batch of 5: one connection (one connect, one disconnect line)"
check "batch of 5: the server counted 5 MAIL and 10 RCPT on that connection" \
	grep -qE "disconnect from .* mail=5 rcpt=10 data=5" "$POSTFIX_LOG"
is "$(grep -c '^>>> RSET' "$T/out")" 4 "batch of 5: RSET between messages"
# PIPELINING: MAIL, both RCPTs and DATA go out before the first reply.
seq=$(awk '/^>>> MAIL FROM/{m=1} m{print substr($0,1,8)} m&&/^<<< /{exit}' "$T/out" | tr '\n' '|')
is "$seq" ">>> MAIL|>>> RCPT|>>> RCPT|>>> DATA|<<< 250 |" "PIPELINING: MAIL, RCPT, RCPT, DATA sent before the first reply"
is "$(smarthost_wait_mail ivan 5 | wc -l)$(smarthost_wait_mail judy 5 | wc -l)" "55" "batch of 5: all delivered"

# ---- a permanent failure: the sender gets an RFC 3464 notice ----------------
printf 'From: kim@example.test\nSubject: doomed\n\nbody\n' | sendmail -i -f kim@example.test reject550@example.test
"$FLUSH" >"$T/out" 2>&1
is "$?" 67 "550: relayq-flush exits EX_NOUSER"
is "$(queued)" 0 "550: the failed message leaves the queue (its notice went out in the same run)"
bounce=$(smarthost_wait_mail kim 1 | head -n 1)
if [ -n "$bounce" ]; then
	python3 - "$bounce" >"$T/dsn" 2>&1 <<'PY'
import email, sys
m = email.message_from_binary_file(open(sys.argv[1], 'rb'))
print(m.get_content_type(), m.get_param('report-type'))
parts = m.get_payload()
print(len(parts), parts[0].get_content_type(), parts[1].get_content_type(), parts[2].get_content_type())
fields = {}
for block in parts[1].get_payload():
    for k, v in block.items():
        fields.setdefault(k, v)
print(fields.get('Reporting-MTA', '').split(';')[0], fields.get('Final-Recipient'), fields.get('Action'), fields.get('Status'))
print(fields.get('Diagnostic-Code', '')[:20], '|', fields.get('Arrival-Date', '')[:4])
print(m['Return-Path'], m['From'].split()[0], m['Auto-Submitted'])
print(parts[2].get_payload()[0]['Subject'])
PY
	is "$(sed -n 1p "$T/dsn")" "multipart/report delivery-status" "notice: multipart/report; report-type=delivery-status"
	is "$(sed -n 2p "$T/dsn")" "3 text/plain message/delivery-status message/rfc822" "notice: readable part, status part, the original"
	is "$(sed -n 3p "$T/dsn")" "dns rfc822; reject550@example.test failed 5.1.1" "notice: Reporting-MTA, Final-Recipient, Action, Status"
	is "$(sed -n 4p "$T/dsn")" "smtp; 550 5.1.1 <rej | $(LC_ALL=C date +%a,)" "notice: Diagnostic-Code quotes the server; Arrival-Date"
	is "$(sed -n 5p "$T/dsn")" "<MAILER-DAEMON> MAILER-DAEMON@example.test auto-replied" "notice: null sender (Postfix writes <> as <MAILER-DAEMON>), MAILER-DAEMON of the domain, Auto-Submitted"
	is "$(sed -n 6p "$T/dsn")" "doomed" "notice: carries the original message"
else
	for i in 1 2 3 4 5 6; do not_ok "the notice arrived in kim's Maildir"; done
fi

# ---- 451 for one recipient, 250 for another: only the 451 is retried -------
printf 'Subject: mixed\n\nbody\n' | sendmail -i -f lou@example.test leo@example.test temp451@example.test
"$FLUSH" >"$T/out" 2>&1
is "$?" 75 "mixed 250/451: EX_TEMPFAIL"
is "$(smarthost_wait_mail leo 1 | wc -l)" 1 "mixed: the accepted recipient got it"
env=$Q/env/$(ls "$Q/env" | head -n 1)
is "$(grep -A1 '^rcpt leo' "$env" | sed -n 's/^rcpt-state //p')" "done" "mixed: the accepted recipient is marked done"
check "mixed: the 451 recipient is pending with the server's reply" grep -q "451 4.3.0" "$env"
"$FLUSH" --force >"$T/out" 2>&1
smarthost_wait_idle
is "$(maildir_count leo)" 1 "retry: the accepted recipient never gets a second copy"
check "retry: the 451 recipient is still queued" grep -q "temp451@example.test" "$env"
clear_queue

# ---- -N never -------------------------------------------------------------
printf 'Subject: quiet\n\nbody\n' | sendmail -i -N never -f mia@example.test reject550@example.test
"$FLUSH" >"$T/out" 2>&1
is "$(queued)" 0 "-N never: the failed message is removed"
smarthost_wait_idle
is "$(maildir_count mia)" 0 "-N never: no notice"

# ---- the smarthost is down --------------------------------------------------
smarthost_ctl stop
printf 'Subject: later\n\nbody\n' | sendmail -i nina@example.test
"$FLUSH" >"$T/out" 2>&1
is "$?" 75 "smarthost down: EX_TEMPFAIL"
env=$Q/env/$(ls "$Q/env")
is "$(queued)" 1 "smarthost down: the message stays"
check "smarthost down: the error names host[address]:port" grep -q "127.0.0.1\[127.0.0.1\]:$SUBMISSION_PORT" "$T/out"
next=$(sed -n 's/^next-attempt //p;s/^next //p' "$env")
is "$([ -n "$next" ] && [ "$next" -gt "$(date +%s)" ] && echo later)" "later" "smarthost down: next attempt moved out"
"$FLUSH" >"$T/out" 2>&1
is "$(grep -c . "$T/out")" 0 "not due yet: a plain run does nothing and says nothing"
RELAYQ_FLUSH=$FLUSH sendmail -q -OMinQueueAge=1h >"$T/out" 2>&1
is "$(sed -n 's/^attempts //p' "$env")" 1 "sendmail -q -OMinQueueAge=1h: a message tried a moment ago is left alone"
RELAYQ_FLUSH=$FLUSH sendmail -q >"$T/out" 2>&1
is "$(sed -n 's/^attempts //p' "$env")" 2 "sendmail -q: tries it again at once, due or not"
smarthost_ctl start
"$FLUSH" --force >"$T/out" 2>&1
is "$?" 0 "smarthost back: --force delivers"
is "$(smarthost_wait_mail nina 1 | wc -l)$(queued)" "10" "smarthost back: delivered, queue empty"
