#!/bin/bash
# callers.sh — real programs that call sendmail, through relayq and the
# background flush to the test smarthost (Postfix + Dovecot SASL on
# loopback); each test reads what landed in the smarthost's Maildirs.
# PHP's mail(), bsd-mailx with Cc and Bcc, -t with addresses on the command
# line, a To: of 200 recipients, a 10 MB attachment, 8-bit and RFC 2047
# headers.  sendmail -bs callers are in callers-bs.sh.
. "$(dirname "$0")/lib.sh"

command -v python3 >/dev/null || skip_all "python3 is needed to build and read messages"
smarthost_start
plan 47
. "$top_srcdir/tests/data/callers/common.sh"
ME=$(id -un)

# ---- PHP mail(): additional headers and -f ---------------------------------
if command -v php >/dev/null; then
	got=$(php -n -d sendmail_path="$BIN/sendmail -t -i" "$CALLERS_DATA/mail.php" plain 2>&1)
	is "$got" "true" "php plain: mail() returns true"
	f=$(first_mail bob)
	is "$(msg "$f" header Return-Path)" "Return-Path: <bounce@example.test>" "php plain: -f bounce@example.test is the Return-Path"
	want=$(printf '%s\n' "To: Bob <bob@example.test>" "Subject: PHP plain" \
		"From: Web App <app@example.test>" "Cc: carol@example.test" \
		"Reply-To: Help Desk <help@example.test>" "X-Mailer: PHP/$(php -n -r 'echo PHP_VERSION;')" \
		"DATE" "MSGID" "" "Hello Bob," "this came from PHP's mail()." "." "A lone dot above." "")
	got=$(delivered_body "$f" | sed -e 's/^Date: .*/DATE/' -e 's/^Message-ID: <[^>]*@example\.test>$/MSGID/')
	is "$got" "$want" "php plain: headers and body delivered byte for byte (CRLF headers now LF, -i kept the dot)"
	c=$(first_mail carol)
	is "$(delivered_body "$c")" "$(delivered_body "$f")" "php plain: the Cc recipient got the same message"

	got=$(php -n -d sendmail_path="$BIN/sendmail -t -i" "$CALLERS_DATA/mail.php" array 2>&1)
	is "$got" "true" "php array headers: mail() returns true"
	f=$(first_mail fred)
	is "$(msg "$f" header X-Array; msg "$f" header Reply-To)" "X-Array: yes
Reply-To: help@example.test" "php array headers: delivered"
	is "$(msg "$f" header Return-Path)" "Return-Path: <$ME@example.test>" "php without -f: the invoking user is the Return-Path"

	head -c 300000 /dev/urandom >"$T/data.bin"
	# A wrapper keeps exactly what PHP wrote (a pipe in sendmail_path
	# would be an operator to PHP's ini parser); PHP appends "-f ...".
	printf '#!/bin/sh\ntee %s | exec %s "$@"\n' "$T/php-mime.raw" "$BIN/sendmail" >"$T/capture"
	chmod 755 "$T/capture"
	got=$(php -n -d sendmail_path="$T/capture -t -i" "$CALLERS_DATA/mail.php" mime "$T/data.bin" 2>&1)
	is "$got" "true" "php MIME attachment: mail() returns true"
	f=$(first_mail grace)
	is "$(msg "$f" header Return-Path)" "Return-Path: <bounce@example.test>" "php MIME: Return-Path from -f"
	is "$(msg "$f" parts | tr '\n' ' ')" "text/plain application/octet-stream " "php MIME: a text part and an attachment"
	is "$(msg "$f" attachments)" "data.bin $(md5sum <"$T/data.bin" | cut -d' ' -f1)" "php MIME: the decoded attachment has the original's MD5"
	is "$(msg "$f" text)" "Grüße, see the attachment." "php MIME: 8-bit text part intact"
	tr -d '\r' <"$T/php-mime.raw" >"$T/php-mime.lf"
	if cmp -s <(msg "$f" body) <(msg "$T/php-mime.lf" body); then
		ok "php MIME: body byte for byte as PHP wrote it (CRLF → LF)"
	else
		not_ok "php MIME: body byte for byte as PHP wrote it (CRLF → LF)" \
			"$(diff <(msg "$f" body) <(msg "$T/php-mime.lf" body) | head -10)"
	fi
	h=$(first_mail heidi)
	is "$(msg "$h" attachments)" "$(msg "$f" attachments)" "php MIME: the Cc recipient has the same attachment"
else
	for i in $(seq 13); do skip "php mail()" "php-cli is not installed"; done
fi

# ---- bsd-mailx: subject, Cc, Bcc -----------------------------------------
# Debian's bsd-mailx runs /usr/sbin/sendmail -i -t (Bcc: in the header it
# writes) unless `set sendmail=PATH` is in its MAILRC; a `sendmail`
# environment variable is NOT honoured.  The real /usr/sbin/sendmail is
# hidden behind a guard in a private mount namespace, so a mistake shows as
# a failure here instead of mail in the machine's MTA.
find_mailx() {
	local pk=$top_builddir/tests/work/pkgs-mailx
	if command -v bsd-mailx >/dev/null; then
		command -v bsd-mailx
		return 0
	fi
	# Not installed: installing it would pull in an MTA, so unpack it.
	if [ ! -x "$pk/root/usr/bin/bsd-mailx" ]; then
		rm -rf "$pk" && mkdir -p "$pk/root" &&
			(cd "$pk" && apt-get download -q -o APT::Sandbox::User=root bsd-mailx liblockfile1 >/dev/null 2>&1) &&
			for d in "$pk"/*.deb; do dpkg -x "$d" "$pk/root" || return 1; done
	fi
	[ -x "$pk/root/usr/bin/bsd-mailx" ] || return 1
	echo "$pk/root/usr/bin/bsd-mailx"
}
MAILX=$(find_mailx)
if [ -n "$MAILX" ] && command -v unshare >/dev/null; then
	pk_libs=$top_builddir/tests/work/pkgs-mailx/root/usr/lib/x86_64-linux-gnu
	# The wrapper keeps what mailx hands to sendmail, then runs relayq.
	printf '#!/bin/sh\necho "$*" >%s.argv\ntee %s | exec %s "$@"\n' "$T/mailx.raw" "$T/mailx.raw" "$BIN/sendmail" >"$T/capture-mailx"
	chmod 755 "$T/capture-mailx"
	printf 'set sendmail=%s\n' "$T/capture-mailx" >"$T/mailrc"
	printf '#!/bin/sh\ntouch %s\nexit 1\n' "$T/system-sendmail-used" >"$T/guard"
	chmod 755 "$T/guard"
	printf 'Dear all,\nthe report is attached.\n' |
		MAILRC=$T/mailrc LD_LIBRARY_PATH=$pk_libs unshare -m sh -c '
			[ -e /usr/sbin/sendmail ] && mount --bind "$1" /usr/sbin/sendmail
			shift; exec "$@"' _ "$T/guard" \
			"$MAILX" -s "mailx subject: weekly report" -c mx-cc@example.test \
			-b mx-bcc@example.test mx-to@example.test mx-to2@example.test
	is "$?" 0 "mailx: exits 0"
	paths=
	for u in mx-to mx-to2 mx-cc mx-bcc; do paths="$paths $(first_mail $u)"; done
	n=0
	for p in $paths; do [ -f "$p" ] && n=$((n + 1)); done
	is "$n" 4 "mailx: To, second To, Cc and Bcc recipients each got it"
	check "mailx: the machine's /usr/sbin/sendmail was not used" test ! -e "$T/system-sendmail-used"
	set -- $paths
	is "$(msg "$1" header Subject)" "Subject: mailx subject: weekly report" "mailx: Subject delivered"
	is "$(cat "$T/mailx.raw.argv")" "-i -t" "mailx: ran sendmail -i -t"
	is "$(msg "$T/mailx.raw" count Bcc)" 1 "mailx: the message it wrote has a Bcc: header"
	is "$(msg "$1" header To; msg "$1" header Cc)" "$(msg "$T/mailx.raw" header To; msg "$T/mailx.raw" header Cc)" \
		"mailx: To and Cc headers delivered as mailx wrote them"
	is "$(for p in $paths; do msg "$p" count Bcc; done | tr '\n' ' ')" "0 0 0 0 " "mailx: no Bcc header in any delivered copy"
	is "$(cat $1 $2 $3 | grep -c mx-bcc)" 0 "mailx: the Bcc address appears nowhere in the other copies"
	is "$(msg "$4" body)" "Dear all,
the report is attached." "mailx: the Bcc recipient got the body"
	is "$(msg "$1" header Return-Path)" "Return-Path: <$ME@example.test>" "mailx: envelope sender is the invoking user"
else
	for i in $(seq 11); do skip "bsd-mailx" "bsd-mailx cannot be found or unpacked (apt-get download bsd-mailx)"; done
fi

# ---- -t with addresses on the command line ---------------------------------
# relayq.8: addresses given with -t are removed from the header recipients
# (sendmail 8 and exim4 default; Postfix adds them instead).
printf 'To: tx-a@example.test, tx-b@example.test\nSubject: -t and argv\n\nbody\n' |
	"$BIN/sendmail" -t -i tx-b@example.test tx-c@example.test
is "$?" 0 "-t with arguments: exits 0"
wait_queue_empty
first_mail tx-a >/dev/null
smarthost_wait_idle
is "$(maildir_count tx-a)$(maildir_count tx-b)$(maildir_count tx-c)" "100" \
	"-t with arguments: header address delivered, the argv addresses suppressed (sendmail 8)"

# ---- a To: of 200 recipients, folded ------------------------------------------
to=$(for i in $(seq -w 1 200); do echo "Rcpt $i <r$i@example.test>"; done | paste -sd, | sed 's/,/,\n\t/g')
printf 'From: Lists <lists@example.test>\nTo: %s\nSubject: 200 recipients\n\nhello all\n' "$to" >"$T/200.eml"
start=$(date +%s.%N)
"$BIN/sendmail" -t -i <"$T/200.eml"
is "$?" 0 "200 recipients: sendmail -t exits 0"
wait_total 'r[0-9]*' 200 30
is "$(total 'r[0-9]*')" 200 "200 recipients: all 200 copies delivered"
is "$(for i in $(seq -w 1 200); do maildir_count "r$i"; done | sort -u | tr '\n' ' ')" "1 " "200 recipients: one copy each"
diag "200 recipients delivered in $(elapsed "$start") s"
want="To: $to"
for i in 001 137 200; do
	is "$(msg "$(first_mail "r$i")" header To)" "$want" "200 recipients: r$i's copy has the folded To: intact"
done
wait_queue_empty
is "$(queued)" 0 "200 recipients: queue empty afterwards"

# ---- a 10 MB attachment ----------------------------------------------------------
head -c 10485760 /dev/urandom >"$T/big.bin"
python3 - "$T/big.bin" >"$T/big.eml" <<'PY'
import sys
from email.message import EmailMessage
m = EmailMessage()
m["From"] = "App <app@example.test>"
m["To"] = "big@example.test"
m["Subject"] = "10 MB attachment"
m.set_content("The archive is attached.\n")
m.add_attachment(open(sys.argv[1], "rb").read(), maintype="application",
                 subtype="octet-stream", filename="big.bin")
sys.stdout.buffer.write(m.as_bytes())
PY
start=$(date +%s.%N)
"$BIN/sendmail" -t -i <"$T/big.eml"
is "$?" 0 "10 MB: sendmail -t exits 0"
f=$(first_mail big 30)
diag "10 MB attachment ($(stat -c %s "$T/big.eml") bytes as sent) delivered in $(elapsed "$start") s"
is "$(msg "$f" attachments)" "big.bin $(md5sum <"$T/big.bin" | cut -d' ' -f1)" "10 MB: the decoded attachment has the original's MD5"
if cmp -s <(msg "$f" body) <(msg "$T/big.eml" body); then ok "10 MB: body byte for byte"; else not_ok "10 MB: body byte for byte"; fi
wait_queue_empty
is "$(queued)" 0 "10 MB: queue empty afterwards"

# ---- 8-bit and RFC 2047 headers -----------------------------------------------
subj='Grüße aus Köln ✓ 日本語'
enc=$(python3 -c 'import sys; from email.header import Header; print(Header(sys.argv[1], "utf-8").encode())' "$subj")
printf 'From: =?UTF-8?Q?J=C3=BCrgen?= <juergen@example.test>\nTo: u8a@example.test\nSubject: %s\n\nencoded\n' "$enc" |
	"$BIN/sendmail" -t -i
is "$?" 0 "RFC 2047 Subject: exits 0"
f=$(first_mail u8a)
is "$(msg "$f" header Subject)" "Subject: $enc" "RFC 2047 Subject: delivered unchanged"
is "$(msg "$f" subject)" "$subj" "RFC 2047 Subject: decodes to the original text"
is "$(msg "$f" header From)" "From: =?UTF-8?Q?J=C3=BCrgen?= <juergen@example.test>" "RFC 2047 From: delivered unchanged"

printf 'From: Jürgen Müller <juergen@example.test>\nTo: Zoë <u8b@example.test>\nSubject: %s\nContent-Type: text/plain; charset=UTF-8\nContent-Transfer-Encoding: 8bit\n\nÄrger über Öl — ß\n' "$subj" |
	"$BIN/sendmail" -t -i
is "$?" 0 "raw UTF-8 headers: exits 0"
f=$(first_mail u8b)
is "$(msg "$f" header Subject)" "Subject: $subj" "raw UTF-8 Subject: delivered byte for byte"
is "$(msg "$f" header From; msg "$f" header To)" "From: Jürgen Müller <juergen@example.test>
To: Zoë <u8b@example.test>" "raw UTF-8 From and To display names: delivered byte for byte"
is "$(msg "$f" body)" "Ärger über Öl — ß" "raw UTF-8: 8-bit body intact"
wait_queue_empty
is "$(queued)" 0 "UTF-8: queue empty afterwards"
[ "$t_failed" -gt 0 ] && [ -f "$T/flush.log" ] &&
	diag "last lines of the background flushes' transcript:" "$(tail -n 40 "$T/flush.log")"
exit 0
