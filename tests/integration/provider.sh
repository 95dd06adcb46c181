#!/bin/bash
# provider.sh — what a provider's smarthost needs, against the real test
# smarthost: from_address (envelope sender and From: of all mail, the
# original From: into Reply-To), sender_address (local senders only), the
# -v transcript with every line of a multi-line reply, and
# relayq check --connect (relayq-flush --probe) step by step.
. "$(dirname "$0")/lib.sh"

smarthost_start
plan 48

relayq_setup

# configure PORT PASSWORD [extra config lines...]
configure() {
	local port=$1 pw=$2
	shift 2
	relayq_configure "$port" "$@"
	relayq_authinfo "$pw"
}
# hdr FILE NAME: the (unfolded) values of header NAME in a delivered file.
hdr() {
	python3 -c 'import email,sys
m=email.message_from_binary_file(open(sys.argv[1],"rb"))
for v in m.get_all(sys.argv[2]) or []: print(" ".join(v.split()))' "$1" "$2"
}
# deliver USER: flush, then the path of USER's newest message.
deliver() {
	"$FLUSH" >"$T/out" 2>&1
	smarthost_wait_mail "$1" "$2" | tail -n 1
}

# ---- from_address: all mail, local or not ---------------------------------
configure "$SUBMISSION_PORT" "$TEST_PASSWORD" "from_address app@example.test"
printf 'From: Shop <orders@shop.test>\nSubject: order\n\nbody\n' |
	sendmail -i -f orders@shop.test fa1@example.test
f=$(deliver fa1 1)
is "$(hdr "$f" Return-Path)" "<app@example.test>" "from_address: a foreign envelope sender becomes it (Return-Path)"
is "$(hdr "$f" From)" "Shop <app@example.test>" "from_address: From keeps the display name, takes the address"
is "$(hdr "$f" Reply-To)" "Shop <orders@shop.test>" "from_address: the original From moves into Reply-To"

printf 'From: Shop <orders@shop.test>\nReply-To: help@shop.test\nSubject: r\n\nbody\n' |
	sendmail -i fa2@example.test
f=$(deliver fa2 1)
is "$(hdr "$f" Reply-To)" "help@shop.test" "from_address: an existing Reply-To is kept, not doubled"
is "$(hdr "$f" From)" "Shop <app@example.test>" "from_address: with Reply-To, From is still rewritten"

printf 'Subject: cron\n\nout\n' | sendmail -i -F 'Cron Daemon' fa3@example.test
f=$(deliver fa3 1)
is "$(hdr "$f" From)" "Cron Daemon <app@example.test>" "from_address: a local message gets From with the user's name"
is "$(hdr "$f" Reply-To)" "" "from_address: no Reply-To when From was added, not replaced"
is "$(hdr "$f" Return-Path)" "<app@example.test>" "from_address: local envelope sender too"

# an SMTP client on sendmail -bs (PHPMailer, Symfony) is rewritten alike
printf 'EHLO app.test\r\nMAIL FROM:<shop@shop.test>\r\nRCPT TO:<fa4@example.test>\r\nDATA\r\nFrom: Web Shop <shop@shop.test>\r\nSubject: bs\r\n\r\nbody\r\n.\r\nQUIT\r\n' |
	sendmail -bs >"$T/bs.out" 2>&1
f=$(deliver fa4 1)
is "$(hdr "$f" Return-Path)|$(hdr "$f" From)|$(hdr "$f" Reply-To)" \
	"<app@example.test>|Web Shop <app@example.test>|Web Shop <shop@shop.test>" \
	"from_address: mail submitted with sendmail -bs too (Return-Path, From, Reply-To)"

# a notice for a refused recipient goes to from_address, and comes from it
printf 'From: Shop <orders@shop.test>\nSubject: lost\n\nbody\n' | sendmail -i reject550@example.test
f=$(deliver app 1)
# (Postfix writes the null sender <> as <MAILER-DAEMON>)
is "$(hdr "$f" Return-Path)|$(hdr "$f" From)" "<MAILER-DAEMON>|Mail Delivery System <app@example.test>" \
	"from_address: relayq-flush's failure notice has From: it, the envelope sender stays <>"

# ---- sender_address: local senders only (backward compatible) ---------------
configure "$SUBMISSION_PORT" "$TEST_PASSWORD" "sender_address cron@example.test"
printf 'From: Shop <orders@shop.test>\nSubject: o\n\nbody\n' |
	sendmail -i -f orders@shop.test sa1@example.test
f=$(deliver sa1 1)
is "$(hdr "$f" Return-Path)|$(hdr "$f" From)" "<orders@shop.test>|Shop <orders@shop.test>" \
	"sender_address: a foreign sender is left as it is"
printf 'Subject: c\n\nbody\n' | sendmail -i -F 'Cron Daemon' sa2@example.test
f=$(deliver sa2 1)
is "$(hdr "$f" Return-Path)|$(hdr "$f" From)" "<cron@example.test>|Cron Daemon <cron@example.test>" \
	"sender_address: a local sender is replaced"

# ---- -v transcript: every line of a multi-line reply -------------------------
configure "$SUBMISSION_PORT" "$TEST_PASSWORD"
printf 'Subject: v\n\nbody\n' | sendmail -i tv@example.test
"$FLUSH" -v >"$T/out" 2>&1
ehlo=$(awk '/^>>> EHLO/ {on=1; next} on {print} on && /^<<< 250 / {exit}' "$T/out")
check "-v: the EHLO reply's first line" grep -q '^<<< 250-smarthost.example.test' "$T/out"
check "-v: its middle lines (PIPELINING, AUTH)" sh -c "grep -q '^<<< 250-PIPELINING' '$T/out' && grep -q '^<<< 250-AUTH ' '$T/out'"
check "-v: its last line" grep -q '^<<< 250 CHUNKING' "$T/out"
is "$(printf '%s\n' "$ehlo" | grep -c '^<<< 250')" "$(printf '%s\n' "$ehlo" | wc -l)" \
	"-v: every line of the first EHLO reply is a <<< line"
check "-v: more than one line per EHLO reply" test "$(printf '%s\n' "$ehlo" | wc -l)" -gt 5

# ---- relayq check --connect ----------------------------------------------------
# connect: relayq check --connect, output in $T/check, exit code echoed.
connect() {
	RELAYQ_FLUSH=$FLUSH "$RELAYQ" check --connect "$@" >"$T/check" 2>&1
	echo $?
}
step() { grep "^$1: " "$T/check" | head -n 1 | cut -d: -f2 | sed 's/^ //'; }
nopw() {
	if grep -qF "$TEST_PASSWORD" "$T/check" || grep -qF "$TEST_PASSWORD2" "$T/check"; then
		not_ok "$1: the password appears nowhere in the output" "$(cat "$T/check")"
	else
		ok "$1: the password appears nowhere in the output"
	fi
}

delivered() { find "$MAILDIR_ROOT" -path '*/new/*' -type f | wc -l; }
before=$(delivered)
configure "$SUBMISSION_PORT" "$TEST_PASSWORD" "from_address app@example.test"
is "$(connect)" 0 "submission port: every step passes, exit 0"
is "$(for s in resolve TCP TLS EHLO AUTH 'MAIL FROM' 'RSET, QUIT'; do step "$s"; done | tr '\n' ' ')" \
	"ok ok ok ok ok ok ok " "submission port: one ok line per step" || diag "$(cat "$T/check")"
check "TLS line: protocol, verification, subject, issuer, expiry" \
	grep -qE '^TLS: ok: TLS1\.[23] .* verified; subject .*CN=.*; issuer .*; names .*localhost.*; expires [0-9]{4}-' "$T/check"
check "EHLO line: the capabilities" grep -qE '^EHLO: ok: smarthost.example.test: .*PIPELINING.*AUTH PLAIN' "$T/check"
check "AUTH line: the mechanism and the credential's source" \
	grep -qF "AUTH: ok: SCRAM-SHA-256 with password from authinfo $CONF/authinfo line 1" "$T/check"
check "MAIL FROM line: the configured sender, accepted" grep -q '^MAIL FROM: ok: <app@example.test> (250 ' "$T/check"
nopw "all pass"
RELAYQ_FLUSH=$FLUSH "$RELAYQ" check --connect -v >"$T/check" 2>&1
check "-v: the probe's transcript shows RSET and QUIT, no DATA" \
	sh -c "grep -q '^>>> RSET' '$T/check' && grep -q '^>>> QUIT' '$T/check' && ! grep -q '^>>> DATA' '$T/check'"
nopw "-v"
# Postfix's summary of the probe's session: MAIL, RSET and QUIT, no DATA.
last=$(grep 'disconnect from' "$POSTFIX_LOG" | tail -n 1)
check "the smarthost saw MAIL, RSET and QUIT and no DATA" \
	sh -c "echo '$last' | grep -q 'mail=1 rset=1 quit=1' && ! echo '$last' | grep -q 'data='"
is "$(delivered)" "$before" "nothing was delivered by the probes"

configure "$SUBMISSION_PORT" "not-$TEST_PASSWORD"
rc=$(connect)
is "$rc" 77 "wrong password: exit 77 (EX_NOPERM)"
is "$(step TLS)$(step AUTH)$(step 'MAIL FROM')" "okFAILEDnot tried" "wrong password: TLS ok, fails at AUTH, MAIL FROM not tried"
check "wrong password: the fix names the credential's source" \
	grep -qF "  fix: check the login and password in password from authinfo $CONF/authinfo line 1" "$T/check"
check "wrong password: the server's 535 is shown" grep -qE '^AUTH: FAILED: 535 ' "$T/check"
nopw "wrong password"

configure "$UNTRUSTED_PORT" "$TEST_PASSWORD"
rc=$(connect)
is "$rc" 76 "untrusted certificate: exit 76 (EX_PROTOCOL)"
is "$(step TCP)$(step TLS)$(step AUTH)" "okFAILEDnot tried" "untrusted certificate: fails at TLS, AUTH not tried"
check "untrusted certificate: the fix names tls_trust_file" grep -q '^  fix: .*tls_trust_file' "$T/check"
nopw "untrusted certificate"

configure "$PLAIN_PORT" "$TEST_PASSWORD"
rc=$(connect)
is "$rc|$(step TLS)" "76|FAILED" "no STARTTLS on the port: fails at TLS"
check "no STARTTLS: the fix says which port to use" grep -q '^  fix: this port offers no STARTTLS' "$T/check"
check "one line per step: no log lines in the probe's output" sh -c "! grep -q 'relayq-flush: connect to' '$T/check'"

# AUTH in clear (tls none, auth_plaintext always) with a wrong password
configure "$CLEARAUTH_PORT" "not-$TEST_PASSWORD" "tls none" "auth_plaintext always"
rc=$(connect)
is "$rc|$(step TLS)|$(step AUTH)" "77|none|FAILED" "tls none, wrong password: TLS none, fails at AUTH"
check "tls none: the TLS line says the session is not encrypted" \
	grep -q '^TLS: none: "tls none": the session is not encrypted' "$T/check"
nopw "tls none"

# a smarthost that wants neither TLS nor AUTH (tls none, no credentials)
printf 'domain example.test\nsmarthost [127.0.0.1]:%s\ntls none\nauthinfo %s/none\n' \
	"$PLAIN_PORT" "$CONF" >"$CONF/config"
rc=$(connect)
is "$rc|$(step TLS)|$(step AUTH)|$(step 'MAIL FROM')" "0|none|skipped|ok" \
	"no TLS, no credentials: TLS none, AUTH skipped, the rest passes, exit 0" || diag "$(cat "$T/check")"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
configure "$port" "$TEST_PASSWORD"
rc=$(connect)
is "$rc" 69 "closed port: exit 69 (EX_UNAVAILABLE)"
is "$(step resolve)$(step TCP)$(step TLS)" "okFAILEDnot tried" "closed port: fails at TCP" || diag "$(cat "$T/check")"
check "closed port: the fix names the port" grep -q '^  fix: check the port' "$T/check"

RELAYQ_FLUSH=$FLUSH "$RELAYQ" -C "$T/nonexistent.conf" check --connect >"$T/check" 2>&1
is "$?" 78 "a missing -C file: exit 78, nothing probed"
