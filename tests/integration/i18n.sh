#!/bin/bash
# i18n.sh — a German admin (LANGUAGE=de, a UTF-8 locale) reads relayq's
# translated text with its umlauts whole, not as "l??uft": in relayq check
# --connect, in the log file, in mailq's failure text (stored in the
# envelope by relayq-flush) and in the readable part of a failure notice,
# while the notice's Diagnostic-Code stays ASCII (RFC 3464) and the notice
# is marked 8BITMIME, as is sendmail -oem's error report.  The log
# target's fallback line is translated too.
# No smarthost: a closed loopback port is the failure every step meets.
. "$(dirname "$0")/lib.sh"

plan 14

relayq_setup
mkdir -p "$T/locale/de/LC_MESSAGES"
msgfmt -o "$T/locale/de/LC_MESSAGES/relayq.mo" "$top_srcdir/po/de.po" ||
	bail_out "msgfmt cannot compile po/de.po"
# de: the German catalog of this tree; C.UTF-8 honours LANGUAGE (plain C
# would not) and is there without the locales package.
de() { RELAYQ_LOCALEDIR=$T/locale LANGUAGE=de LC_ALL=C.UTF-8 "$@"; }

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
LOG=$T/mail.log
printf 'domain example.test\nsmarthost [127.0.0.1]:%s\ntls none\nlog_target file:%s\n' \
	"$port" "$LOG" >"$CONF/config"
# "Verbindung abgelehnt (stimmt der Port und läuft der Server?)"
laeuft=$(printf 'l\303\244uft')

# ---- relayq check --connect -------------------------------------------------
de env RELAYQ_FLUSH="$FLUSH" "$RELAYQ" check --connect >"$T/check" 2>&1
is "$?" 69 "closed port: relayq check --connect exits 69"
check "the TCP step's German reason has its umlaut (not l??uft)" \
	grep -qF -- "TCP: FAILED: keine Verbindung zu 127.0.0.1[127.0.0.1]:$port: Verbindung abgelehnt (stimmt der Port und $laeuft der Server?)" "$T/check"
check "the step words stay as scripts read them; the fix is German" \
	sh -c "grep -q '^TLS: not tried\$' '$T/check' && grep -q '^  Behebung: ' '$T/check'"

# ---- relayq-flush: the log line and the stored failure text ---------------
printf 'Subject: x\n\nbody\n' | sendmail -i -f alice@example.test bob@example.test
id=$(ls "$Q/env")
unset RELAYQ_NO_SYSLOG
de "$FLUSH" >"$T/flush1" 2>&1
is "$?" 75 "relayq-flush: deferred (EX_TEMPFAIL)"
check "the log line carries the German reason whole" grep -qF "und $laeuft der Server?" "$LOG"
check "the envelope stores it escaped, the file ASCII (Zeit\\xC3\\xBC... form)" \
	sh -c "grep -qF 'l\\xC3\\xA4uft' '$Q/env/$id' && ! LC_ALL=C grep -q '[^ -~]' '$Q/env/$id'"
mailq >"$T/mailq" 2>&1
check "mailq shows the stored German text whole" grep -qF "und $laeuft der Server?" "$T/mailq"

# ---- expired: the failure notice ----------------------------------------------
sed -i "s/^created .*/created $(($(date +%s) - 864000))/" "$Q/env/$id"
de "$FLUSH" --force >"$T/flush2" 2>&1
notice=$(ls "$Q/env" | grep -vx "$id")
is "$(ls "$Q/env" | wc -l)|$(test -n "$notice" && echo yes)" "1|yes" \
	"expired: the message left, its notice is queued" || diag "$(cat "$T/flush2")"
body=$Q/new/$notice
# The readable part is between the first and the second boundary; the
# delivery-status part follows.
sed -n '/^Content-Description: Notification/,/^Content-Description: Delivery report/p' "$body" >"$T/readable"
sed -n '/^Content-Type: message\/delivery-status/,/^--/p' "$body" >"$T/status"
check "the notice's readable part quotes the German text whole" \
	grep -qF "und $laeuft der Server?" "$T/readable"
check "Diagnostic-Code stays ASCII: l??uft" \
	grep -qF "Diagnostic-Code: smtp; message expired after 10 days in the queue; last error: keine Verbindung zu 127.0.0.1[127.0.0.1]:$port: Verbindung abgelehnt (stimmt der Port und l??uft der Server?)" "$T/status"
check "the whole delivery-status part is ASCII" sh -c "! LC_ALL=C grep -q '[^ -~]' '$T/status'"
check "the notice is 8-bit, and its envelope says 8BITMIME" \
	sh -c "grep -q '^body 8BITMIME' '$Q/env/$notice' && grep -q '^Content-Transfer-Encoding: 8bit' '$T/readable'"

# ---- sendmail -oem: the error report mailed back ---------------------------
clear_queue
printf 'Subject: x\n\nno recipients\n' | de sendmail -oem -t 2>/dev/null
report=$(ls "$Q/env")
check "sendmail -oem: the German error report is queued as 8BITMIME" \
	sh -c "grep -q '^body 8BITMIME' '$Q/env/$report' && grep -qF '$(printf '\303\274')bergeben' '$Q/new/$report'"

# ---- the log target's fallback line, as relayq check prints it --------------
printf 'domain example.test\nsmarthost [127.0.0.1]:%s\nlog_target file:%s/no/such/dir/mail.log\n' \
	"$port" "$T" >"$CONF/config"
de "$RELAYQ" check >"$T/check2" 2>&1
check "the fallback line is German" \
	grep -qF "Protokoll: log_target $T/no/such/dir/mail.log ist hier nicht verwendbar ($T/no/such/dir/mail.log: " "$T/check2"

done_testing
