#!/bin/bash
# limits.sh — a message with more recipients than the server takes in one
# transaction, against the real test smarthost with smtpd_recipient_limit
# lowered to 100: with the default max_recipients (50) it goes out in
# transactions of 50; with max_recipients 0 (no limit of relayq's own)
# Postfix answers 452 4.5.3 past 100 and then 421 ("too many errors"),
# and relayq-flush learns the 100, goes on over a new session, and every
# one of the 1,500 recipients gets the message exactly once.
. "$(dirname "$0")/lib.sh"

smarthost_start
plan 16

relayq_setup
SENDMAIL=$BIN/sendmail
NRCPT=1500

"$SMARTHOST_SCRIPTS/ctl" "$SMARTHOST_DIR" postconf -e smtpd_recipient_limit=100 >/dev/null ||
	bail_out "cannot lower smtpd_recipient_limit on the test smarthost"
if ! { smarthost_ctl stop >/dev/null && smarthost_ctl start >/dev/null; }; then
	bail_out "the test smarthost did not restart with smtpd_recipient_limit=100"
fi
is "$("$SMARTHOST_SCRIPTS/ctl" "$SMARTHOST_DIR" postconf -h smtpd_recipient_limit)" 100 "the test smarthost takes 100 recipients per transaction"

# configure [extra config lines...]
configure() { relayq_configure "$SUBMISSION_PORT" "$@"; }
# copies PREFIX: "N M": N mailboxes PREFIX1..PREFIX$NRCPT hold mail, M
# copies in all (both $NRCPT when each got it once).
copies() {
	find "$MAILDIR_ROOT" -path "$MAILDIR_ROOT/$1[0-9]*/new/*" -type f 2>/dev/null |
		awk -F/ '{ n[$(NF-2)]++; t++ } END { printf "%d %d\n", length(n), t }'
}
# wait_copies PREFIX: until every mailbox has its copy (60 s), then until
# the smarthost has delivered all it accepted (no stray duplicate to come).
wait_copies() {
	local i
	for ((i = 0; i < 600; i++)); do
		[ "$(copies "$1" | cut -d' ' -f2)" -ge "$NRCPT" ] && break
		sleep 0.1
	done
	smarthost_wait_idle
	copies "$1"
}
rcpts() {
	local i
	for ((i = 1; i <= NRCPT; i++)); do echo "$1$i@example.test"; done
}

# ---- the default: 50 recipients per transaction ---------------------------
configure
mark=$(wc -l <"$POSTFIX_LOG")
# shellcheck disable=SC2046 # one argument per recipient
printf 'Subject: to %s\n\nbody\n' "$NRCPT" | "$SENDMAIL" -i -f sender@example.test $(rcpts a)
is "$(queued)" 1 "queued one message to $NRCPT recipients"
"$FLUSH" -v >"$T/out1" 2>&1
is "$?" 0 "max_recipients 50: relayq-flush exits 0"
is "$(queued)" 0 "max_recipients 50: the message left the queue"
is "$(grep -c '^>>> MAIL FROM' "$T/out1")" $((NRCPT / 50)) "max_recipients 50: $((NRCPT / 50)) transactions"
is "$(grep -c '^<<< 452' "$T/out1")" 0 "max_recipients 50: the server never had to refuse a recipient"
is "$(tail -n +"$((mark + 1))" "$POSTFIX_LOG" | grep -c '/submission/smtpd\[[0-9]*\]: connect from')" 1 "max_recipients 50: one session"
is "$(wait_copies a)" "$NRCPT $NRCPT" "max_recipients 50: each of the $NRCPT mailboxes got exactly one copy"

# ---- no limit of our own: the server's 452 4.5.3, then its 421 -------------
configure "max_recipients 0"
mark=$(wc -l <"$POSTFIX_LOG")
# shellcheck disable=SC2046
printf 'Subject: to %s again\n\nbody\n' "$NRCPT" | "$SENDMAIL" -i -f sender@example.test $(rcpts b)
"$FLUSH" -v >"$T/out2" 2>&1
is "$?" 0 "max_recipients 0: relayq-flush exits 0"
is "$(queued)" 0 "max_recipients 0: the message left the queue"
check "the server refused recipients past 100 with 452 4.5.3" grep -q '^<<< 452 4.5.3' "$T/out2"
check "relayq-flush learned the limit of 100 and said so" \
	grep -q 'accepted 100 recipients in one transaction and refused more (4.5.3); sending at most 100 per transaction' "$T/out2"
first=$(awk '/^>>> MAIL FROM/ { n++ } n == 2 { exit } /^>>> RCPT TO/ { r++ } END { print r }' "$T/out2")
is "$first" "$NRCPT" "the first transaction offered all $NRCPT recipients"
rest=$(awk '/^>>> MAIL FROM/ { n++; if (n > 1) { t++; c = 0 } } n > 1 && /^>>> RCPT TO/ { c++; if (c > m) m = c }
	END { print t, m }' "$T/out2")
sessions=$(tail -n +"$((mark + 1))" "$POSTFIX_LOG" | grep -c '/submission/smtpd\[[0-9]*\]: connect from')
if grep -q -e '^<<< 421' -e 'ended the session' "$T/out2"; then
	# Postfix counted the excess as errors and closed before DATA:
	# nothing went in the first transaction.  Its 421 may never be read:
	# when it resets the connection while relayq-flush is still sending
	# RCPTs, the client sees "Connection reset by peer" instead.
	is "$rest" "$((NRCPT / 100)) 100" "then $((NRCPT / 100)) transactions of at most 100"
	is "$sessions" 2 "after the server's 421 the message went on over a second session"
else
	is "$rest" "$((NRCPT / 100 - 1)) 100" "then $((NRCPT / 100 - 1)) transactions of at most 100 for the rest"
	is "$sessions" 1 "one session (the server did not close it)"
fi
is "$(wait_copies b)" "$NRCPT $NRCPT" "max_recipients 0: each of the $NRCPT mailboxes got exactly one copy"
