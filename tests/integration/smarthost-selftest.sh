#!/bin/bash
# smarthost-selftest.sh — the bundled test smarthost does what the other
# integration tests rely on: STARTTLS+AUTH submission, implicit TLS, Maildir
# delivery byte for byte, AUTH failure, the 550/451 fault knobs, the
# negative-test TLS ports, the plain port, stop/start, logging, clean stop.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/integration/lib.sh"

command -v swaks >/dev/null 2>&1 || skip_all "swaks is not installed (scripts/install-deps installs it)"
command -v openssl >/dev/null 2>&1 || skip_all "openssl is not installed"

"$SMARTHOST_SCRIPTS/fetch" >/dev/null 2>&1 || true
smarthost_start
plan 40

# A message whose body needs care: dot-stuffing, trailing blanks, a tab,
# 8-bit UTF-8, an empty line before the end.  swaks adds the final line
# break itself, so the file it reads lacks one; the Maildir copy has it.
msg=$T/message
printf '%s\n' 'From: Sender <sender@example.test>' 'To: Alice <alice@example.test>' \
	'Subject: relayq smarthost selftest' 'Message-ID: <selftest-1@example.test>' \
	'Date: Thu, 01 Jan 2026 00:00:00 +0000' 'MIME-Version: 1.0' \
	'Content-Type: text/plain; charset=utf-8' 'Content-Transfer-Encoding: 8bit' '' \
	'Line one.' '.leading dot' '..two dots' '.' '  trailing blanks   ' "$(printf '\ttab')" \
	'Grüße ✓' '' 'last line' >"$msg"
head -c -1 "$msg" >"$T/message.swaks"

sw() { # swaks with the instance's defaults; extra arguments follow
	swaks --server "$SMARTHOST_HOST" --from sender@example.test --helo client.example.test \
		--timeout 20 "$@" 2>&1
}
sw_auth() { # PORT: STARTTLS, verified against the test CA, AUTH PLAIN as TEST_USER
	local port=$1
	shift
	sw --port "$port" --tls --tls-verify --tls-ca-path "$CA_FILE" \
		-a PLAIN -au "$TEST_USER" -ap "$TEST_PASSWORD" "$@"
}
ends_with_message() { # FILE: FILE ends with the sent message, byte for byte
	tail -c "$(wc -c <"$msg")" "$1" | cmp -s - "$msg"
}

# ---- env ----
for v in SMARTHOST_HOST SUBMISSION_PORT SMTPS_PORT PLAIN_PORT CA_FILE SERVER_CERT_SHA256 \
	TEST_USER TEST_PASSWORD MAILDIR_ROOT POSTFIX_LOG; do
	[ -n "${!v:-}" ] || missing="${missing:-} $v"
done
if [ -z "${missing:-}" ] && [ "$SMARTHOST_HOST" = 127.0.0.1 ] && [ -s "$CA_FILE" ]; then
	ok "env names host, ports, CA, credentials, Maildir root and log"
else
	not_ok "env names host, ports, CA, credentials, Maildir root and log" "missing:${missing:-}"
fi
ports="$SUBMISSION_PORT $SMTPS_PORT $PLAIN_PORT $CLEARAUTH_PORT $WRONGNAME_PORT $UNTRUSTED_PORT"
is "$(printf '%s\n' $ports | sort -u | wc -l)" 6 "six distinct ports"

# ---- STARTTLS + AUTH on the submission port ----
out=$(sw_auth "$SUBMISSION_PORT" --to alice@example.test --data "$T/message.swaks")
if printf '%s\n' "$out" | grep -q '^<~  235 2.7.0' &&
	printf '%s\n' "$out" | grep -q '^<~  250 2.0.0 Ok: queued'; then
	ok "submission: STARTTLS, verified certificate, AUTH PLAIN, message queued"
else
	not_ok "submission: STARTTLS, verified certificate, AUTH PLAIN, message queued" "$out"
fi
files=$(smarthost_wait_mail alice 1 20)
is "$(printf '%s\n' "$files" | grep -c .)" 1 "submission: one message in alice's Maildir"
f=$(printf '%s\n' "$files" | head -n 1)
if [ -f "$f" ] && ends_with_message "$f"; then
	ok "submission: delivered message equals the sent one byte for byte"
else
	not_ok "submission: delivered message equals the sent one byte for byte" "$(cat "$f" 2>/dev/null)"
fi
is "$(sed -n 's/^Return-Path: //p' "$f" 2>/dev/null)" "<sender@example.test>" \
	"submission: envelope sender recorded as Return-Path"
if grep -q '(Authenticated sender: alice)' "$f" 2>/dev/null; then
	ok "submission: Received header shows the authenticated user"
else
	not_ok "submission: Received header shows the authenticated user"
fi

# ---- implicit TLS ----
out=$(swaks --server "$SMARTHOST_HOST" --port "$SMTPS_PORT" --tls-on-connect --tls-verify \
	--tls-ca-path "$CA_FILE" -a LOGIN -au "$TEST_USER" -ap "$TEST_PASSWORD" \
	--from sender@example.test --to bob@example.test --data "$T/message.swaks" 2>&1)
if printf '%s\n' "$out" | grep -q '^<~  250 2.0.0 Ok: queued'; then
	ok "smtps: implicit TLS, AUTH LOGIN, message queued"
else
	not_ok "smtps: implicit TLS, AUTH LOGIN, message queued" "$out"
fi
f=$(smarthost_wait_mail bob 1 20 | head -n 1)
if [ -f "$f" ] && ends_with_message "$f"; then
	ok "smtps: delivered to bob's Maildir byte for byte"
else
	not_ok "smtps: delivered to bob's Maildir byte for byte"
fi

# ---- second test user: a password with blanks, quotes and a backslash ----
out=$(sw_auth "$SUBMISSION_PORT" -au "$TEST_USER2" -ap "$TEST_PASSWORD2" --to carol@example.test)
if printf '%s\n' "$out" | grep -q '^<~  235 2.7.0'; then
	ok "second test user authenticates with its awkward password"
else
	not_ok "second test user authenticates with its awkward password" "$out"
fi

# ---- every SASL mechanism the smarthost offers ----
for mech in PLAIN LOGIN CRAM-MD5 SCRAM-SHA-1 SCRAM-SHA-256; do
	out=$("$SMARTHOST_SCRIPTS/sasl-probe" "$SMARTHOST_DIR" "$mech" 2>&1)
	is "$out" "235 2.7.0 Authentication successful" "AUTH $mech succeeds"
done
out=$("$SMARTHOST_SCRIPTS/sasl-probe" "$SMARTHOST_DIR" SCRAM-SHA-256 "$TEST_USER" wrong 2>&1)
case $out in
"535 5.7.8 "*) ok "AUTH SCRAM-SHA-256 with a wrong password: 535 5.7.8" ;;
*) not_ok "AUTH SCRAM-SHA-256 with a wrong password: 535 5.7.8" "$out" ;;
esac

# ---- failures ----
out=$(sw --port "$SUBMISSION_PORT" --tls --tls-ca-path "$CA_FILE" -a PLAIN -au "$TEST_USER" \
	-ap not-the-password --to alice@example.test)
if printf '%s\n' "$out" | grep -q '^<~\* 535 5.7.8'; then
	ok "wrong password: 535 5.7.8"
else
	not_ok "wrong password: 535 5.7.8" "$out"
fi
out=$(sw_auth "$SUBMISSION_PORT" --to reject550@example.test)
if printf '%s\n' "$out" | grep -q '^<~\* 550 5.1.1 <reject550@example.test>'; then
	ok "reject550@example.test: 550 5.1.1 at RCPT"
else
	not_ok "reject550@example.test: 550 5.1.1 at RCPT" "$out"
fi
out=$(sw_auth "$SUBMISSION_PORT" --to temp451@example.test)
if printf '%s\n' "$out" | grep -q '^<~\* 451 4.3.0 <temp451@example.test>'; then
	ok "temp451@example.test: 451 4.3.0 at RCPT"
else
	not_ok "temp451@example.test: 451 4.3.0 at RCPT" "$out"
fi
out=$(sw_auth "$SUBMISSION_PORT" --to '"odd local"@example.test')
if printf '%s\n' "$out" | grep -q '^<~  250 2.0.0'; then
	ok "an address without a Maildir is accepted (bounced later, like a real smarthost)"
else
	not_ok "an address without a Maildir is accepted (bounced later, like a real smarthost)" "$out"
fi

# ---- what each port offers before TLS ----
ehlo_plain() { # PORT: the EHLO reply of a cleartext session
	sw --port "$1" --quit-after EHLO
}
out=$(ehlo_plain "$SUBMISSION_PORT")
if printf '%s\n' "$out" | grep -q '250-STARTTLS' && ! printf '%s\n' "$out" | grep -q 'AUTH'; then
	ok "submission: STARTTLS offered, AUTH not offered before TLS"
else
	not_ok "submission: STARTTLS offered, AUTH not offered before TLS" "$out"
fi
out=$(sw --port "$SUBMISSION_PORT" --to alice@example.test)
if printf '%s\n' "$out" | grep -q ' 530 5.7.0 Must issue a STARTTLS command first'; then
	ok "submission: mail without TLS refused with 530"
else
	not_ok "submission: mail without TLS refused with 530" "$out"
fi
out=$(ehlo_plain "$PLAIN_PORT")
if printf '%s\n' "$out" | grep -q '^<-  250' && ! printf '%s\n' "$out" | grep -qE 'STARTTLS|AUTH'; then
	ok "plain port: neither STARTTLS nor AUTH offered"
else
	not_ok "plain port: neither STARTTLS nor AUTH offered" "$out"
fi
out=$(sw --port "$PLAIN_PORT" --to dave@example.test)
if printf '%s\n' "$out" | grep -q '^<~  250 2.0.0 Ok: queued' ||
	printf '%s\n' "$out" | grep -q '^<-  250 2.0.0 Ok: queued'; then
	ok "plain port: loopback client may send without TLS or AUTH"
else
	not_ok "plain port: loopback client may send without TLS or AUTH" "$out"
fi
out=$(ehlo_plain "$CLEARAUTH_PORT")
if printf '%s\n' "$out" | grep -q '250-AUTH PLAIN' && ! printf '%s\n' "$out" | grep -q STARTTLS; then
	ok "clear-auth port: AUTH offered without TLS (for refusal tests)"
else
	not_ok "clear-auth port: AUTH offered without TLS (for refusal tests)" "$out"
fi

# ---- certificates ----
verify() { # PORT: openssl's verification of the STARTTLS certificate for localhost
	echo QUIT | timeout 10 openssl s_client -starttls smtp -connect "127.0.0.1:$1" \
		-CAfile "$CA_FILE" -verify_hostname localhost -verify_return_error -brief 2>&1
}
check "submission: certificate verifies for localhost against CA_FILE" verify "$SUBMISSION_PORT"
fpr=$(echo QUIT | timeout 10 openssl s_client -starttls smtp -connect "127.0.0.1:$SUBMISSION_PORT" \
	2>/dev/null | openssl x509 -noout -fingerprint -sha256 | sed 's/.*=//')
is "$fpr" "$SERVER_CERT_SHA256" "served certificate has SERVER_CERT_SHA256"
if ! verify "$WRONGNAME_PORT" >/dev/null; then
	ok "wrong-name port: verification for localhost fails"
else
	not_ok "wrong-name port: verification for localhost fails"
fi
if ! verify "$UNTRUSTED_PORT" >/dev/null; then
	ok "untrusted port: verification against CA_FILE fails"
else
	not_ok "untrusted port: verification against CA_FILE fails"
fi

# ---- smarthost down and back ----
smarthost_ctl stop >/dev/null 2>&1
if ! timeout 5 bash -c "exec 3<>/dev/tcp/127.0.0.1/$SUBMISSION_PORT" 2>/dev/null; then
	ok "ctl stop: submission port refuses connections"
else
	not_ok "ctl stop: submission port refuses connections"
fi
check "ctl start: Postfix answers again" smarthost_ctl start
out=$(sw_auth "$SUBMISSION_PORT" --to alice@example.test --data "$T/message.swaks")
n=$(smarthost_wait_mail alice 2 20 | grep -c .)
is "$n" 2 "after restart: second message delivered to alice"

# ---- the log tests read for PIPELINING / one session per batch ----
if grep -q 'relayq-smarthost/submission/smtpd\[[0-9]*\]: connect from' "$POSTFIX_LOG" &&
	grep -qE 'submission/smtpd\[[0-9]*\]: disconnect from .* ehlo=2 starttls=1 auth=1 mail=1 rcpt=1 data=1 quit=1 commands=8' "$POSTFIX_LOG"; then
	ok "maillog_file records connect and disconnect with command counts"
else
	not_ok "maillog_file records connect and disconnect with command counts" "$(tail -n 20 "$POSTFIX_LOG")"
fi

# ---- stop: nothing left behind ----
dir=$SMARTHOST_DIR
. "$SMARTHOST_SCRIPTS/common.sh" 2>/dev/null
check "stop exits 0" "$SMARTHOST_SCRIPTS/stop" "$dir"
run=$dir
[ -f "$dir/rundir" ] && run=$(cat "$dir/rundir")
is "$(sh_instance_pids "$run")" "" "stop: no process of the instance remains"
check "stop twice is harmless" "$SMARTHOST_SCRIPTS/stop" "$dir"

# ---- discard mode (benchmarks): accepted, logged as sent, nothing stored ----
smarthost_start --discard
is "$DISCARD" yes "discard: env says DISCARD=yes"
out=$(sw_auth "$SUBMISSION_PORT" --to alice@example.test --data "$T/message.swaks")
if printf '%s\n' "$out" | grep -q '^<~  250 2.0.0 Ok: queued'; then
	ok "discard: message accepted over STARTTLS+AUTH"
else
	not_ok "discard: message accepted over STARTTLS+AUTH" "$out"
fi
logged() { grep -q 'discard\[[0-9]*\]: .* to=<alice@example.test>, relay=none, .* status=sent' "$POSTFIX_LOG"; }
check "discard: log shows the message discarded as sent" sh_wait_until 20 logged
is "$(find "$MAILDIR_ROOT" -type f | wc -l)" 0 "discard: no Maildir written"
