#!/bin/bash
# notices.sh — failure notices that can always be delivered, against the
# real test smarthost (Postfix): a notice queued in a run goes out over the
# session still open; a recipient refused for good is reported in the run
# that learns it, and only once; a notice that cannot be queued (disk full)
# keeps its message queued until it can; raw UTF-8 headers use SMTPUTF8
# when Postfix offers it and 8BITMIME when not; an original larger than
# the smarthost's SIZE comes back as its headers only.
. "$(dirname "$0")/lib.sh"

smarthost_start
plan 51

relayq_setup
connects() { grep -c "smtpd.*: connect from" "$POSTFIX_LOG"; }
# final_rcpts FILE: the Final-Recipient addresses of a notice, sorted.
final_rcpts() { sed -n 's/^Final-Recipient: rfc822; //p' "$1" | sort | tr '\n' ' '; }
restart_postfix() { smarthost_ctl stop && smarthost_ctl start; }
postconf_e() { "$SMARTHOST_SCRIPTS/ctl" "$SMARTHOST_DIR" postconf -e "$@"; }

relayq_configure "$SUBMISSION_PORT"

# ---- a notice queued in the run goes out over the session still open -------
before=$(connects)
printf 'From: nora@example.test\nSubject: half\n\nbody\n' |
	sendmail -i -f nora@example.test oscar@example.test reject550@example.test
"$FLUSH" -v >"$T/out" 2>&1
is "$?" 67 "550 for one recipient: EX_NOUSER"
is "$(queued)" 0 "the message and its notice left the queue"
n=$(smarthost_wait_mail nora 1 | head -n 1)
check "the notice reached the sender" test -n "$n"
is "$(( $(connects) - before ))" 1 "one SMTP session for the message and its notice"
check "Postfix saw two messages on that one connection" \
	grep -qE "disconnect from .* mail=2 " "$POSTFIX_LOG"
is "$(grep -c '^>>> QUIT' "$T/out")" 1 "one QUIT: the notice went before it"
check "the notice was sent from <> in the same transcript" grep -q '^>>> MAIL FROM:<> ' "$T/out"

# ---- refused for good: reported in this run, once, while another waits ------
printf 'From: kim@example.test\nSubject: three\n\nbody\n' |
	sendmail -i -f kim@example.test paul@example.test reject550@example.test temp451@example.test
id=$(ls "$Q/env")
"$FLUSH" >"$T/out" 2>&1
is "$(queued)" 1 "451 for one recipient: the message stays queued"
f=$(smarthost_wait_mail kim 1 | head -n 1)
check "the 550 is reported at once, though temp451 is still pending" test -n "$f"
is "$(final_rcpts "$f")" "reject550@example.test " "the notice names only the recipient refused for good"
check "the envelope records that reject550 was reported" \
	sh -c "grep -A8 '^rcpt reject550@' '$Q/env/$id' | grep -q '^rcpt-reported [0-9]'"
check "temp451 is not marked reported" \
	sh -c "! grep -A8 '^rcpt temp451@' '$Q/env/$id' | grep -q '^rcpt-reported'"
"$FLUSH" --force >"$T/out" 2>&1
"$FLUSH" --force >>"$T/out" 2>&1
smarthost_wait_idle
is "$(maildir_count kim)" 1 "two more runs: no second notice for reject550"
is "$(maildir_count paul)" 1 "the accepted recipient got one copy"
# Ten days old: temp451 expires (queue_lifetime 3d) and gets its own notice.
sed -i "s/^created .*/created $(( $(date +%s) - 864000 ))/" "$Q/env/$id"
"$FLUSH" --force >"$T/out" 2>&1
is "$(queued)" 0 "expired: the message and its second notice left the queue"
f2=$(smarthost_wait_mail kim 2 | sed -n 2p)
is "$(final_rcpts "$f2")" "temp451@example.test " "the later failure gets its own notice, for it alone"
check "that notice says 4.4.7" grep -q '^Status: 4.4.7' "$f2"
smarthost_wait_idle
is "$(maildir_count kim)" 2 "two notices in all, one per recipient"

# ---- disk full: the message stays until its notice is queued ---------------
# A 1 MiB tmpfs queue in a private mount namespace: the 700 KB original fits,
# its notice (which returns it) does not; then the file system grows.
cat >"$T/full.sh" <<'EOF'
set -u
mount -t tmpfs -o size=1m,mode=0700 tmpfs "$SMALL" || exit 99
printf 'queue_dir %s/q\n' "$SMALL" >>"$CONF/config"
{ printf 'From: pat@example.test\nSubject: big and doomed\n\n'
  head -c 700000 /dev/zero | tr '\0' 'x' | fold -w 76; } |
	"$BIN/sendmail" -i -f pat@example.test reject550@example.test || exit 98
"$FLUSH" >"$T/full1.out" 2>&1
echo "$?" >"$T/full1.rc"
ls "$SMALL/q/env" | wc -l >"$T/full1.queued"
cat "$SMALL/q/env/"* >"$T/full1.env" 2>/dev/null
"$BIN/mailq" >"$T/full1.mailq" 2>&1
mount -o remount,size=8m "$SMALL" || exit 97
"$FLUSH" --force >"$T/full2.out" 2>&1
echo "$?" >"$T/full2.rc"
ls "$SMALL/q/env" | wc -l >"$T/full2.queued"
EOF
mkdir -p "$T/small"
cp "$CONF/config" "$T/config.saved"
SMALL=$T/small
export SMALL T CONF BIN FLUSH
unshare --mount --propagation private bash "$T/full.sh"
is "$?" 0 "the disk-full scenario ran (tmpfs in a private mount namespace)"
cp "$T/config.saved" "$CONF/config"
check "disk full: the notice could not be queued, and the log says the message is kept" \
	grep -q "message kept in the queue: cannot queue its failure notice" "$T/full1.out"
is "$(cat "$T/full1.queued")" 1 "disk full: the failed message is still queued"
check "disk full: its failure is not marked reported" \
	sh -c "grep -q '^rcpt-state failed' '$T/full1.env' && ! grep -q '^rcpt-reported' '$T/full1.env'"
check "disk full: mailq shows why the message is still queued" \
	grep -q "(message kept in the queue: cannot queue its failure notice: " "$T/full1.mailq"
is "$(cat "$T/full1.rc")" 67 "disk full: the exit code is the 550's"
is "$(cat "$T/full2.rc")" 0 "space again: the next run exits 0"
is "$(cat "$T/full2.queued")" 0 "space again: message and notice left the queue"
f=$(smarthost_wait_mail pat 1 | head -n 1)
check "space again: the notice reached the sender" sh -c "test -n '$f' && grep -q '^Final-Recipient: rfc822; reject550@example.test' '$f'"
check "no dead.letter was needed" test ! -e "$HOME/dead.letter"

# ---- raw UTF-8 headers: SMTPUTF8 when Postfix offers it ---------------------
printf 'From: ulla@example.test\nSubject: Grüße aus Köln\n\nbody\n' |
	sendmail -i -f ulla@example.test vic@example.test
check "the envelope records raw UTF-8 headers" grep -q '^flags utf8-headers$' "$Q/env/$(ls "$Q/env")"
"$FLUSH" -v >"$T/out" 2>&1
is "$?" 0 "UTF-8 Subject, SMTPUTF8 offered: delivered"
printf 'From: ulla@example.test\nSubject: caf\351 (Latin-1)\n\nbody\n' |
	sendmail -i -f ulla@example.test vic@example.test
check "a Latin-1 header is 8-bit data, not UTF-8: no utf8-headers flag" \
	sh -c "grep -q '^body 8BITMIME' '$Q/env/'* && ! grep -q '^flags utf8-headers' '$Q/env/'*"
"$FLUSH" >/dev/null 2>&1
check "MAIL FROM asks for SMTPUTF8 with BODY=8BITMIME" \
	grep -qE '^>>> MAIL FROM:<ulla@example.test> SIZE=[0-9]+ BODY=8BITMIME SMTPUTF8' "$T/out"
f=$(smarthost_wait_mail vic 1 | head -n 1)
cp "$f" "$T/utf8.eml"
check "Postfix received it with SMTPUTF8 (UTF8SMTPSA)" grep -q 'with UTF8SMTPSA ' "$f"
check "the Subject arrived as raw UTF-8" grep -q '^Subject: Grüße aus Köln$' "$f"
printf 'Subject: plain\n\nbody\n' | sendmail -i -f ulla@example.test vic@example.test
"$FLUSH" -v >"$T/out" 2>&1
check "an ASCII message does not ask for SMTPUTF8" \
	sh -c "grep -q '^>>> MAIL FROM:<ulla@example.test>' '$T/out' && ! grep -q '^>>> MAIL FROM.*SMTPUTF8' '$T/out'"

# ---- SMTPUTF8 not offered; a SIZE limit ------------------------------------
postconf_e smtputf8_enable=no message_size_limit=100000
# A recipient refused for the message's size by the server itself (a
# mailbox limit below the SIZE it announces).
printf 'toobig552@example.test\t552 5.3.4 <toobig552@example.test>: Message too big for this mailbox\n' \
	>>"$("$SMARTHOST_SCRIPTS/ctl" "$SMARTHOST_DIR" postconf -h config_directory)/faults"
restart_postfix
printf 'From: ulla@example.test\nSubject: Grüße\n\nbody\n' |
	sendmail -i -f ulla@example.test vic@example.test
"$FLUSH" -v >"$T/out" 2>&1
is "$?" 0 "UTF-8 Subject, SMTPUTF8 not offered: still delivered (as 8BITMIME)"
check "MAIL FROM has BODY=8BITMIME and no SMTPUTF8" \
	sh -c "grep -qE '^>>> MAIL FROM:<ulla@example.test> SIZE=[0-9]+ BODY=8BITMIME\$' '$T/out'"
is "$(smarthost_wait_mail vic 4 | wc -l)" 4 "the recipient got it"

{ printf 'From: quinn@example.test\nSubject: too big\n\n'
  head -c 150000 /dev/zero | tr '\0' 'y' | fold -w 76; } |
	sendmail -i -f quinn@example.test wendy@example.test
"$FLUSH" -v >"$T/out" 2>&1
is "$?" 65 "over the SIZE limit: refused for good (EX_DATAERR, as for 5.3.4)"
is "$(queued)" 0 "the message and its notice left the queue"
f=$(smarthost_wait_mail quinn 1 | head -n 1)
check "the notice reached the sender (not dead.letter)" sh -c "test -n '$f' && test ! -e '$HOME/dead.letter'"
check "the notice returns the headers only (text/rfc822-headers)" \
	sh -c "grep -q '^Content-Type: text/rfc822-headers' '$f' && grep -q '^Subject: too big' '$f' && ! grep -q '^yyyy' '$f'"
cp "$f" "$T/toobig.eml"
check "its text says why" \
	sh -c "tr '\n' ' ' <'$f' | grep -q 'too large to be returned in full (the mail server accepts at most 100000 bytes): only its headers are attached'"
check "the notice is under the limit" test "$(stat -c %s "$f")" -lt 100000

{ printf 'From: tina@example.test\nSubject: too big for one mailbox\n\n'
  head -c 50000 /dev/zero | tr '\0' 'z' | fold -w 76; } |
	sendmail -i -f tina@example.test uma@example.test toobig552@example.test
"$FLUSH" >"$T/out" 2>&1
is "$(queued)" 0 "552 5.3.4 from the server: message done, notice sent"
f=$(smarthost_wait_mail tina 1 | head -n 1)
check "552 5.3.4: the notice returns the headers only and says the server refused it for its size" \
	sh -c "grep -q '^Content-Type: text/rfc822-headers' '$f' && ! grep -q '^zzzz' '$f' &&
	    tr '\n' ' ' <'$f' | grep -q '(the mail server refused it for its size): only its headers'"
check "552 5.3.4: the other recipient got the message" test "$(maildir_count uma)" -eq 1

# ---- expiry while the smarthost is down: its SIZE is not known -------------
smarthost_ctl stop
{ printf 'From: rita@example.test\nSubject: big, expired\n\n'
  head -c 8000000 /dev/urandom | base64 -w 76; } |
	sendmail -i -f rita@example.test sam@example.test
id=$(ls "$Q/env")
sed -i "s/^created .*/created $(( $(date +%s) - 864000 ))/" "$Q/env/$id"
"$FLUSH" --force >"$T/out" 2>&1
nid=$(ls "$Q/env")
check "expired with no session: its notice is queued" test -n "$nid" -a "$nid" != "$id"
check "no SIZE known: an original over 10240000 bytes comes back as its headers" \
	sh -c "grep -q '^Content-Type: text/rfc822-headers' '$Q/new/$nid' && grep -q 'mail servers often refuse more than 10240000' '$Q/new/$nid'"
smarthost_ctl start
"$FLUSH" --force >"$T/out" 2>&1
is "$?" 0 "smarthost back: the notice goes"
is "$(smarthost_wait_mail rita 1 | wc -l)$(queued)" "10" "the sender has it, the queue is empty"
