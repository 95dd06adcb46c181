#!/bin/bash
# queue-life.sh — a message's life in the queue against the real test
# smarthost: crash leftovers swept, expiry while the smarthost is down (the
# notice arrives once it is back), one delay warning, the bounce of a
# bounce and local-only senders into dead.letter, the on_failure command,
# messages_per_minute, hoststat/purgestat, relay= naming the endpoint.
. "$(dirname "$0")/lib.sh"

smarthost_start
plan 50

relayq_setup hoststat purgestat
export TZ=UTC
ONFAIL=$T/onfail

# configure [extra config lines...]: the submission port, retry_min 1, an
# on_failure command that appends its variables to $ONFAIL.
configure() {
	# shellcheck disable=SC2016
	relayq_configure "$SUBMISSION_PORT" "retry_min 1" \
	    'on_failure printf "%s|%s|%s|%s|%s\n" "$RELAYQ_EVENT" "$RELAYQ_QUEUE_ID" "$RELAYQ_SENDER" "$RELAYQ_RECIPIENTS" "$RELAYQ_REASON" >>'"$ONFAIL" \
	    "$@"
}
onfail_lines() { grep -c "^$1|" "$ONFAIL" 2>/dev/null || echo 0; }
# age SECONDS: every queued message was created that long ago (time passes
# for the queue without the test waiting; check_flush_engine tests the
# boundaries themselves on a fake clock).
age() { sed -i "s/^created .*/created $(( $(date +%s) - $1 ))/" "$Q"/env/*; }
EP="127.0.0.1[127.0.0.1]:$SUBMISSION_PORT"

# ---- crash leftovers are swept and logged ----------------------------------
configure
"$FLUSH" >"$T/out" 2>&1
is "$?" 0 "an empty queue: relayq-flush exits 0 (and creates the queue)"
echo partial >"$Q/tmp/0000000001"
echo fresh >"$Q/tmp/0000000002"
echo orphan >"$Q/new/0000000003"
touch -d '40 hours ago' "$Q/tmp/0000000001" "$Q/new/0000000003"
"$FLUSH" -v >"$T/out" 2>&1
is "$(ls "$Q/tmp" "$Q/new" | grep -c '^0')" 1 "sweep: the 40 h old temporary and orphan are gone, the fresh one stays"
check "sweep: the stale temporary is logged" grep -q "tmp/0000000001: removed stale temporary file, age 40 h" "$T/out"
check "sweep: the orphaned body is logged" grep -q "0000000003: removed orphaned message body (no envelope), age 40 h" "$T/out"
rm -f "$Q/tmp/0000000002"

# ---- expiry while the smarthost is down -------------------------------------
configure "queue_lifetime 1h"
smarthost_ctl stop
printf 'Subject: doomed by time\n\nbody\n' | sendmail -i -f kim@example.test exp@example.test
id=$(ls "$Q/env")
"$FLUSH" >"$T/out" 2>&1
is "$?" 75 "smarthost down: EX_TEMPFAIL"
check "smarthost down: relay= names the endpoint tried, not none" \
	grep -qF "$id: to=<exp@example.test>, relay=$EP, delay=" "$T/out"
is "$(hoststat | awk -v ep="$EP" '$1 == ep {print $4}')" "temp" "hoststat: the endpoint's last contact failed (temp)"
age 7200
"$FLUSH" --force >"$T/out" 2>&1
check "expired: logged with 4.4.7 semantics" grep -qF "$id: to=<exp@example.test>, status=expired" "$T/out"
is "$(ls "$Q/env" | grep -c "^$id\$")" 0 "expired: the message left the queue"
is "$(queued)" 1 "expired: its notice waits in the queue (smarthost still down)"
nid=$(ls "$Q/env")
is "$(sed -n 's/^sender$/<>/p' "$Q/env/$nid")$(sed -n 's/^rcpt //p' "$Q/env/$nid")" "<>kim@example.test" "the notice is from <> to the sender"
is "$(onfail_lines failed)" 1 "on_failure ran once for the failure although no notice could be sent"
is "$(grep "^failed|" "$ONFAIL" | cut -d'|' -f1-4)" "failed|$id|kim@example.test|exp@example.test" "on_failure: event, queue id, sender, recipients"
check "on_failure: the reason says expired and why" sh -c "grep '^failed|' '$ONFAIL' | cut -d'|' -f5 | grep -q '^message expired after 0 days in the queue; last error: '"
configure "queue_lifetime 1h"
smarthost_ctl start
"$FLUSH" --force >"$T/out" 2>&1
is "$?" 0 "smarthost back: the notice goes"
f=$(smarthost_wait_mail kim 1 | head -n 1)
check "the expiry notice arrived: Action failed, Status 4.4.7" sh -c "grep -q '^Action: failed' '$f' && grep -q '^Status: 4.4.7' '$f'"
is "$(queued)" 0 "smarthost back: queue empty"
is "$(hoststat | awk -v ep="$EP" '$1 == ep {print $4}')" "ok" "hoststat: the endpoint is ok again"

# ---- one delay warning ---------------------------------------------------------
configure "queue_warn 1h"
: >"$ONFAIL"
printf 'Subject: slow\n\nbody\n' | sendmail -i -N delay,failure -f lou@example.test temp451@example.test
printf 'Subject: slow, no -N\n\nbody\n' | sendmail -i -f mo@example.test temp451@example.test
age 7200
for i in 1 2 3; do "$FLUSH" --force >"$T/out.$i" 2>&1; done
is "$(queued)" 2 "451: both messages still queued after three runs"
is "$(grep -l '^flags warned$' "$Q"/env/* | wc -l)" 2 "both envelopes carry the flag warned"
f=$(smarthost_wait_mail lou 1 | head -n 1)
smarthost_wait_idle
is "$(maildir_count lou)" 1 "-N delay,failure: exactly one delay warning after three runs"
check "the warning is a DSN with Action delayed and the 451" sh -c "grep -q '^Action: delayed' '$f' && grep -q '^Status: 4.3.0' '$f' && grep -q 'Diagnostic-Code: smtp; 451 4.3.0' '$f'"
is "$(maildir_count mo)" 0 "no -N: no delay warning (only DELAY asks for one)"
is "$(onfail_lines delayed)" 2 "on_failure: one delayed event per message"
check "on_failure delayed: names the recipient and the 451" sh -c "grep -q '^delayed|.*|lou@example.test|temp451@example.test|451 4.3.0' '$ONFAIL'"
clear_queue

# ---- the bounce of a bounce, and local-only senders: dead.letter ----------------
configure
: >"$ONFAIL"
printf 'Subject: loop\n\nFrom the start\nbody\n' | sendmail -i -f reject550@example.test reject550@example.test
"$FLUSH" -v >"$T/out" 2>&1
is "$(queued)" 0 "bounce of a bounce: nothing left in the queue"
DL=$HOME/dead.letter
is "$(stat -c %a "$DL" 2>/dev/null)" 600 "dead.letter created 0600 in HOME"
is "$(grep -c '^From ' "$DL")" 1 "dead.letter: one message"
check "dead.letter: starts with a From MAILER-DAEMON line" sh -c "head -n 1 '$DL' | grep -qE '^From MAILER-DAEMON [A-Z][a-z]{2} [A-Z][a-z]{2} [ 0-9][0-9] [0-9:]{8} [0-9]{4}\$'"
check "dead.letter: the notice about the original's 550" sh -c "grep -q '^Action: failed' '$DL' && grep -q '^Final-Recipient: rfc822; reject550@example.test' '$DL'"
check "dead.letter: From at a line start is quoted" grep -q '^>From the start$' "$DL"
is "$(maildir_count reject550)" 0 "bounce of a bounce: nothing was sent to the failing address"
is "$(onfail_lines failed)" 2 "on_failure: the original and its notice both reported"
check "the bounce of a bounce is logged as saved to dead.letter" grep -q "to=<reject550@example.test>, relay=dead.letter, status=saved" "$T/out"
# The front end qualifies every sender (root@localhost becomes
# root@example.test), so a local-only sender comes from an older queue or
# another tool: write such a message into the queue by hand.
before=$(grep -c "connect from" "$POSTFIX_LOG")
lid=0000000A10
printf 'From: root\nSubject: from a daemon\n\nbody\n' >"$Q/new/$lid"
printf 'relayq-envelope 1\nid %s\ncreated %s\nsender root\nrcpt reject550@example.test\nrcpt-state pending\nend\n' \
	"$lid" "$(date +%s)" >"$Q/env/$lid"
"$FLUSH" -v >"$T/out" 2>&1
is "$(grep -c '^From ' "$DL")" 2 "local-only sender: the notice went to dead.letter"
is "$(queued)" 0 "local-only sender: queue empty"
is "$(( $(grep -c "connect from" "$POSTFIX_LOG") - before ))" 2 "local-only sender: one session, for the original only"
check "local-only sender: the notice is addressed to root" grep -q "^To: <root>\$" "$DL"
check "the dead.letter append is logged with relay=dead.letter" grep -q "to=<root>, relay=dead.letter, status=" "$T/out"

# ---- messages_per_minute --------------------------------------------------------
# The waits themselves (how long, and none without a limit) are tested on
# a fake clock in check_flush_engine (test_paced); here a paced run at the
# highest rate delivers end to end without the test waiting for time.
configure "messages_per_minute 60000"
for i in 1 2 3; do printf 'Subject: paced %s\n\nbody\n' "$i" | sendmail -i pace@example.test; done
"$FLUSH" >"$T/out" 2>&1
is "$?" 0 "paced: exits 0"
is "$(smarthost_wait_mail pace 3 | wc -l)$(queued)" "30" "paced: all 3 delivered"

# ---- hoststat / purgestat ---------------------------------------------------------
hoststat >"$T/hs" 2>&1
is "$?" 0 "hoststat: exits 0"
is "$(head -n 1 "$T/hs" | tr -s ' ')" "Endpoint Last contact Status Reply" "hoststat: header"
check "hoststat: the smarthost's endpoint, a date, ok and the last reply" \
	grep -qE "^127\.0\.0\.1\[127\.0\.0\.1\]:$SUBMISSION_PORT +[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9:]{8} ok +250 " "$T/hs"
is "$(sendmail -bh 2>&1)" "$(cat "$T/hs")" "sendmail -bh prints the same table"
check "the state file is versioned and ends with end" sh -c "head -n 1 '$Q/hoststat' | grep -qx 'relayq-hoststat 1' && tail -n 1 '$Q/hoststat' | grep -qx end"
purgestat >"$T/out" 2>&1
is "$?$(cat "$T/out")" "0" "purgestat: exits 0 silently"
is "$(hoststat)" "no host status recorded" "after purgestat: nothing recorded"
is "$([ -e "$Q/hoststat" ] && echo there || echo gone)" "gone" "purgestat removed the file"
"$FLUSH" --force >/dev/null 2>&1
printf 'Subject: x\n\nbody\n' | sendmail -i hs@example.test
"$FLUSH" >/dev/null 2>&1
sendmail -bH
is "$?$(hoststat)" "0no host status recorded" "sendmail -bH clears it too"
