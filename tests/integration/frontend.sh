#!/bin/bash
# frontend.sh — the sendmail front end as its callers use it: what ends up
# in the queue, byte for byte, and what is refused.  No network.
. "$(dirname "$0")/lib.sh"

plan 59

RELAYQ=$top_builddir/src/relayq
DATA=$top_srcdir/tests/data/frontend
BIN=$T/bin
mkdir -p "$BIN"
for n in sendmail mailq newaliases; do ln -s "$RELAYQ" "$BIN/$n"; done
export PATH=$BIN:$PATH RELAYQ_NO_SYSLOG=1
# Nothing here may start a real flush.
export RELAYQ_FLUSH=/bin/true

Q=$XDG_STATE_HOME/relayq
mkdir -p "$XDG_CONFIG_HOME/relayq"
cat >"$T/aliases" <<'A'
# test aliases
root: admin@example.test
postmaster: root
staff: alice,
  bob@example.org
A
cat >"$XDG_CONFIG_HOME/relayq/config" <<C
domain example.test
aliases $T/aliases
C

# The one message in the queue: its id, body and envelope.
only_id() { ls "$Q/env" 2>/dev/null | head -n 1; }
count() { ls "$Q/$1" 2>/dev/null | wc -l; }
clear_queue() { rm -f "$Q"/env/* "$Q"/new/* "$Q"/tmp/*; }
# Replaces what changes from run to run: queue id, dates, host, uid.
normalize() {
	sed -E -e "s/$1/QID/g" \
	    -e 's/[A-Z][a-z]{2}, [0-9]{1,2} [A-Z][a-z]{2} [0-9]{4} [0-9:]{8} [+-][0-9]{4}/DATE/g' \
	    -e 's/^Received: by [^ ]+ /Received: by HOST /' \
	    -e 's/from userid [0-9]+/from userid UID/' \
	    -e 's/<[0-9]{14}\.QID@/<STAMP.QID@/'
}
stored() { normalize "$(only_id)" <"$Q/new/$(only_id)"; }
env_rcpts() { grep '^rcpt ' "$Q/env/$(only_id)" | cut -d' ' -f2- | tr '\n' ' '; }
env_field() { grep "^$1 " "$Q/env/$(only_id)" | cut -d' ' -f2-; }

# ---- exactly what cron sends -------------------------------------------
printf 'To: root\nSubject: Cron <root@host> run-parts /etc/cron.daily\nMIME-Version: 1.0\nContent-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: 8bit\nX-Cron-Env: <SHELL=/bin/sh>\n\nrun-parts: /etc/cron.daily/logrotate exited with return code 1 — ünïcode\n' |
	sendmail -i -FCronDaemon -B8BITMIME -oem root
is "$?" 0 "cron: sendmail -i -FCronDaemon -B8BITMIME -oem root exits 0"
is "$(stored)" "$(cat "$DATA/cron.eml")" "cron: queued message byte for byte (From: added with the -F name, To: rewritten)"
is "$(env_field sender)" "root@example.test" "cron: envelope sender qualified"
is "$(env_rcpts)" "admin@example.test " "cron: root reaches the admin through the aliases"
is "$(env_field body)" "8BITMIME" "cron: 8-bit body recorded"
clear_queue

# ---- printf with To/Cc/Bcc through sendmail -t -i ------------------------
printf 'From: App <app@example.test>\nTo: Bob <bob@example.org>, root\nCc: "Smith, Jane" <jane@example.net>\nBcc: secret@hidden.test,\n\tother@hidden.test\nSubject: report\n\nline 1\n.\nline 3\n' |
	sendmail -t -i
is "$?" 0 "-t -i: exits 0"
is "$(stored)" "$(cat "$DATA/tcc.eml")" "-t -i: Bcc gone (folded), root rewritten, dot line kept with -i"
is "$(env_rcpts)" "bob@example.org admin@example.test jane@example.net secret@hidden.test other@hidden.test " \
	"-t: envelope has To, Cc and Bcc recipients"
if grep -qi 'hidden' "$Q/new/$(only_id)"; then not_ok "no Bcc address anywhere in the stored message"; else ok "no Bcc address anywhere in the stored message"; fi
clear_queue

# ---- dot termination ----------------------------------------------------
printf 'Subject: dots\n\nbefore\n.\nafter\n' | sendmail -odq someone@example.org
is "$(sed -n '/^$/,$p' "$Q/new/$(only_id)" | tr '\n' '|')" "|before|" "a lone dot ends the message without -i"
clear_queue
printf 'Subject: dots\n\nbefore\n.\nafter\n' | sendmail -oi someone@example.org
is "$(sed -n '/^$/,$p' "$Q/new/$(only_id)" | tr '\n' '|')" "|before|.|after|" "-oi: the dot is data"
clear_queue
printf 'Subject: crlf\r\n\r\nbody\r\n.\r\n' | sendmail someone@example.org
is "$(sed -n '/^$/,$p' "$Q/new/$(only_id)" | od -c | head -n 2 | tr -s ' ' | tr '\n' '|')" "$(printf '\nbody\n' | od -c | head -n 2 | tr -s ' ' | tr '\n' '|')" "CRLF input stored with LF, dot with CRLF ends it"
clear_queue

# ---- 10 MB body ---------------------------------------------------------
head -c 7500000 /dev/urandom | base64 -w 76 >"$T/big.txt"
{ printf 'Subject: big\n\n'; cat "$T/big.txt"; } | sendmail -i someone@example.org
is "$?" 0 "10 MB: queued"
sed -n '/^$/,$p' "$Q/new/$(only_id)" | tail -n +2 >"$T/big.out"
check "10 MB: body byte for byte" cmp "$T/big.txt" "$T/big.out"
is "$(env_field size)" "$(stat -c %s "$Q/new/$(only_id)")" "10 MB: envelope size is the stored size"
clear_queue

# ---- malformed input survives -------------------------------------------
printf 'Subject: broken\nX-Folded: a\n  b\nthis line is not a header\nTo: not-a-header-anymore\n\nrest\n' |
	sendmail -i someone@example.org
is "$?" 0 "malformed: a non-header line in the headers is accepted"
is "$(stored)" "$(cat "$DATA/malformed.eml")" "malformed: headers end at the bad line, which becomes body"
clear_queue
printf 'no headers at all\nsecond line\n' | sendmail -i someone@example.org
is "$(sed -n '/^$/,$p' "$Q/new/$(only_id)" | tr '\n' '|')" "|no headers at all|second line|" "a body with no headers keeps every line"
clear_queue
printf 'Subject: nul \000 byte\nTo: x@example.org\n\nbody \000 with nul\r bare cr\n' | sendmail -t -i
is "$?" 0 "NUL and bare CR accepted"
is "$(grep -c 'Subject: nul   byte' "$Q/new/$(only_id)")" "1" "NUL in a header becomes a space"
clear_queue

# ---- aliases and catch-all ---------------------------------------------
printf 'catchall ops@example.test\n' >>"$XDG_CONFIG_HOME/relayq/config"
printf 'Subject: a\n\nx\n' | sendmail -i nosuchuser postmaster staff
is "$(env_rcpts)" "ops@example.test admin@example.test bob@example.org " \
	"local users: catch-all for the unknown, aliases (recursive) for the known, duplicates once"
clear_queue
printf 'Subject: a\n\nx\n' | sendmail -i -n root
is "$(env_rcpts)" "root@example.test " "-n: no aliasing"
clear_queue
is "$(sendmail -bv root nosuchuser | tr '\n' '|')" \
	"root... deliverable: mailer smtp, user admin@example.test|nosuchuser... deliverable: mailer smtp, user ops@example.test|" \
	"-bv shows what each address becomes"
is "$(count env)" 0 "-bv queues nothing"
sed -i '/^catchall/d' "$XDG_CONFIG_HOME/relayq/config"

# ---- refusals leave nothing behind ---------------------------------------
printf 'Subject: x\n\n' | sendmail -i 2>/dev/null
is "$?" 64 "no recipients: EX_USAGE"
{ for i in $(seq 25); do printf 'Received: from h%d by h%d\n' "$i" "$i"; done; printf 'Subject: loop\n\nx\n'; } |
	sendmail -i someone@example.org 2>"$T/err"
is "$?" 65 "25 Received: headers: refused as a loop (EX_DATAERR)"
is "$(count env)$(count new)$(count tmp)" "000" "a refused message leaves nothing in the queue"
sendmail -i -f "$(printf 'a@example.org\r\nBcc: victim@example.net')" x@example.org </dev/null 2>/dev/null
is "$?" 64 "CR/LF in -f refused (header injection)"
sendmail -i "$(printf 'x@example.org\nBcc: victim@example.net')" </dev/null 2>/dev/null
is "$?" 65 "CR/LF in a recipient refused"
sendmail -bd 2>"$T/err"
is "$?" 64 "-bd refused"
check "-bd says there is no daemon" grep -q "no daemon" "$T/err"
sendmail -Z 2>"$T/err"
is "$?" 64 "an unknown flag is an error"
check "the error names the flag" grep -q -- "-Z" "$T/err"
if command -v strace >/dev/null 2>&1; then
	printf 'Subject: x\n\nbody\n' | ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 strace -f -o /dev/null -e trace=fsync -e inject=fsync:error=EIO sendmail -i x@example.org 2>"$T/err"
	is "$?" 74 "fsync failing with EIO: EX_IOERR"
	is "$(count env)$(count new)$(count tmp)" "000" "fsync failure leaves nothing in the queue"
else
	not_ok "strace is installed (scripts/install-deps)"; not_ok "strace is installed"
fi

# ---- ErrorMode ------------------------------------------------------------
clear_queue
printf 'Subject: x\n\n' | sendmail -i -oeq 2>"$T/err"
is "$?:$(wc -c <"$T/err")" "64:0" "-oeq: exit status only, nothing printed"
printf 'Subject: x\n\n' | sendmail -i -oem -f alice@example.org 2>"$T/err"
is "$?" 64 "-oem: the exit status still says what failed"
is "$(env_field sender)|$(env_rcpts)" "|alice@example.org " "-oem: a report is queued from <> to the sender"
check "-oem: the report quotes the error" grep -q "no recipients given" "$Q/new/$(only_id)"
clear_queue
printf 'Subject: x\n\n' | sendmail -i -oee 2>/dev/null
is "$?:$(count env)" "0:1" "-oee: mailed back, exit 0"
clear_queue

# ---- sendmail -bs: DSN parameters reach the envelope -------------------------
clear_queue
printf 'EHLO x\r\nMAIL FROM:<a@example.org> ENVID=job+2B42\r\nRCPT TO:<b@example.org> NOTIFY=NEVER\r\nRCPT TO:<c@example.org> NOTIFY=SUCCESS,DELAY ORCPT=rfc822;c@example.org\r\nRCPT TO:<d@example.org,e@example.org>\r\nDATA\r\nSubject: bs\r\n\r\nbody\r\n.\r\nQUIT\r\n' |
	sendmail -bs >"$T/bs.out" 2>&1
is "$(tr -d '\r' <"$T/bs.out" | awk 'substr($0,4,1)==" "{print substr($0,1,3)}' | tr '\n' ' ')" "220 250 250 250 250 553 354 250 221 " \
	"-bs: a RCPT with two addresses is refused, the others accepted"
is "$(env_field envid)" "job+2B42" "-bs: ENVID kept in the envelope"
is "$(grep -A3 '^rcpt b@' "$Q/env/$(only_id)" | sed -n 's/^rcpt-notify //p')|$(grep -A4 '^rcpt c@' "$Q/env/$(only_id)" | sed -n 's/^rcpt-notify //p')" \
	"NEVER|SUCCESS,DELAY" "-bs: NOTIFY per recipient"
clear_queue

# ---- relayq-flush on this queue, no network needed --------------------------
clear_queue
"$top_builddir/src/relayq-flush" -!I nothing -R x -v >"$T/out" 2>&1
is "$?" 0 "relayq-flush: options after a negated -!I filter are still parsed"
mkdir -p "$Q/tmp"
: >"$Q/tmp/1AAAAAAAAA"
: >"$Q/tmp/1BBBBBBBBB"
touch -d '40 hours ago' "$Q/tmp/1AAAAAAAAA" "$Q/tmp/1BBBBBBBBB"
flock "$Q/tmp/1AAAAAAAAA" sleep 5 &
lockpid=$!
for i in $(seq 100); do flock -n "$Q/tmp/1AAAAAAAAA" true || break; sleep 0.05; done
"$top_builddir/src/relayq-flush" >"$T/out" 2>&1
is "$(ls "$Q/tmp" | tr '\n' ' ')" "1AAAAAAAAA " "the sweep removes an old tmp/ file but not one a submission still holds locked"
kill "$lockpid" 2>/dev/null; wait "$lockpid" 2>/dev/null
clear_queue

# ---- relayq check ------------------------------------------------------
"$RELAYQ" check >"$T/out" 2>&1
is "$?" 78 "relayq check: no smarthost is a configuration error"
check "relayq check: says mail stays queued" grep -q "smarthost: none configured" "$T/out"
printf 'smarthost smtp.example.org:2525\n' >>"$XDG_CONFIG_HOME/relayq/config"
printf 'AuthInfo:smtp.example.org "U:u" "P:p"\n' >"$XDG_CONFIG_HOME/relayq/authinfo"
chmod 644 "$XDG_CONFIG_HOME/relayq/authinfo"
"$RELAYQ" check >"$T/out" 2>&1
is "$?:$(grep -c 'chmod 600' "$T/out")" "78:1" "relayq check: a loose authinfo file is refused with the fix"
chmod 600 "$XDG_CONFIG_HOME/relayq/authinfo"
"$RELAYQ" check >"$T/out" 2>&1
is "$?" 0 "relayq check: a complete configuration passes"
check "relayq check: shows the smarthost as understood" grep -q "smarthost: smtp.example.org port 2525, TLS starttls, MX lookup" "$T/out"
sed -i '/^smarthost/d' "$XDG_CONFIG_HOME/relayq/config"
rm -f "$XDG_CONFIG_HOME/relayq/authinfo"

# ---- messages in the user's language -------------------------------------
mkdir -p "$T/locale/de/LC_MESSAGES"
if msgfmt -o "$T/locale/de/LC_MESSAGES/relayq.mo" "$top_srcdir/po/de.po" 2>/dev/null; then
	RELAYQ_LOCALEDIR=$T/locale LANGUAGE=de LC_ALL=C.UTF-8 sendmail -bd 2>"$T/err"
	check "German: -bd is refused in German (LANGUAGE=de)" grep -q "relayq hat keinen Daemon" "$T/err"
else
	not_ok "msgfmt compiles po/de.po"
fi

# ---- mailq ----------------------------------------------------------------
is "$(mailq)" "Mail queue is empty" "mailq on an empty queue"
printf 'Subject: x\n\nbody\n' | sendmail -i -f alice@example.org bob@example.org carol@example.org
mailq >"$T/mailq"
is "$(sed -n 2p "$T/mailq" | awk '{print $1, $2, $NF}')" "$(only_id) $(stat -c %s "$Q/new/$(only_id)") alice@example.org" "mailq: id, size, sender"
is "$(sed -n '3,4p' "$T/mailq" | tr -s ' ' | tr '\n' '|')" " bob@example.org| carol@example.org|" "mailq: each recipient"
is "$(tail -n 1 "$T/mailq")" "-- 1 Kbytes in 1 Request." "mailq: total line"
clear_queue

# ---- the background flush detaches ---------------------------------------
# The flush cannot end before the test releases it (or gives up after 10 s,
# a bound against hangs): sendmail, and the $(...) that reads its output,
# must be back while it still waits.  A sendmail that waited for its flush,
# or a flush that kept the caller's stdout, finds it given up.
cat >"$T/slowflush" <<S
#!/bin/sh
for i in \$(seq 200); do [ -e "$T/release" ] && break; sleep 0.05; done
if [ -e "$T/release" ]; then touch "$T/flush-ran"; else touch "$T/flush-gave-up"; fi
S
chmod +x "$T/slowflush"
out=$(printf 'Subject: x\n\nbody\n' | RELAYQ_FLUSH=$T/slowflush sendmail -i x@example.org 2>&1)
is "$(ls "$T" | grep -c '^flush-')" 0 "sendmail returns while its flush still runs; the flush holds none of the caller's descriptors"
touch "$T/release"
for i in $(seq 50); do [ -e "$T/flush-ran" ] || [ -e "$T/flush-gave-up" ] && break; sleep 0.2; done
check "the background flush did run" test -e "$T/flush-ran"
clear_queue

# ---- a queue owned by someone else is refused ------------------------------
if [ "$(id -u)" -eq 0 ] && command -v setpriv >/dev/null 2>&1; then
	N=$(mktemp -d /tmp/relayq-nobody.XXXXXX)
	cp "$RELAYQ" "$N/sendmail"
	mkdir -p "$N/home" "$N/foreign/tmp" "$N/foreign/new" "$N/foreign/env"
	chmod 700 "$N/foreign" && chmod 755 "$N" && chown 65534 "$N/home"
	printf 'domain example.test\nqueue_dir %s/foreign\n' "$N" >"$N/conf"
	chmod 644 "$N/conf"
	printf 'Subject: x\n\n' | HOME=$N/home setpriv --reuid=65534 --regid=65534 --clear-groups \
		"$N/sendmail" -C "$N/conf" -i x@example.org 2>"$T/err"
	is "$?" 73 "a queue owned by root is refused for uid 65534 (EX_CANTCREAT)"
	check "the refusal names the owner" grep -q "uid 0" "$T/err"
	rm -rf "$N"
else
	skip "foreign-owned queue refused" "needs root and setpriv to switch to another uid"
	skip "refusal names the owner" "needs root"
fi
