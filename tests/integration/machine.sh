#!/bin/bash
# machine.sh — one machine, one configuration (issue 9), with real users
# and the real test smarthost.  Only the system configuration exists (at
# $(sysconfdir)/relayq.conf, bind-mounted in a private mount namespace)
# and one root-owned credential (authinfo, 0600).  Root, a user with a
# home and no configuration (useradd -m, removed afterwards), www-data and
# a uid without a passwd entry each send while the smarthost is down
# (exit 0); then exactly what relayq-flush-spool.service runs
# (relayq-flush --all-users) delivers each once.  Also: the rule as
# `relayq check` prints it, a home queue of the previous rule moved into
# the spool, a recovered smarthost drained by one plain run, a fixed
# password delivered by `relayq flush`, and a hostile spool (a FIFO in a
# queue, a squatted name, 20,000 bogus entries, a child past its
# deadline) that costs nobody else's mail.

# A private mount namespace, so that the test configuration can sit where
# the build looks for the system one; entered before lib.sh makes $T.
if [ "$(id -u)" -eq 0 ] && [ -z "${RELAYQ_MACHINE_NS:-}" ] &&
	command -v unshare >/dev/null 2>&1; then
	RELAYQ_MACHINE_NS=1 exec unshare -m --propagation private "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || skip_all "real users and the spool need root"
[ -n "${RELAYQ_MACHINE_NS:-}" ] || skip_all "unshare (util-linux) is missing"
for c in useradd userdel setpriv su mkfifo python3; do
	command -v "$c" >/dev/null 2>&1 || skip_all "$c is missing"
done
id www-data >/dev/null 2>&1 || skip_all "no www-data user here"

RELAYQ=$top_builddir/src/relayq
FLUSH=$top_builddir/src/relayq-flush
mkvar() { sed -n "s/^$1 = //p" "$top_builddir/Makefile"; }
prefix=$(mkvar prefix)
# shellcheck disable=SC2034
exec_prefix=$(eval echo "$(mkvar exec_prefix)")
SYSCONFDIR=$(eval echo "$(mkvar sysconfdir)")
[ -d "$SYSCONFDIR" ] || skip_all "$SYSCONFDIR (the configured sysconfdir) does not exist"
[ -n "$prefix" ] || bail_out "cannot read prefix from $top_builddir/Makefile"

smarthost_start
plan 59

export RELAYQ_NO_SYSLOG=1 RELAYQ_FLUSH=$FLUSH
unset JOURNAL_STREAM

N=$(mktemp -d /tmp/relayq-machine.XXXXXX) || bail_out "cannot create a directory under /tmp"
chmod 755 "$N"
U=rqm$$
cleanup() {
	userdel -r "$U" >/dev/null 2>&1
	[ "$t_failed" -eq 0 ] && rm -rf "$N"
}
trap 'cleanup; t_exit' EXIT
useradd -m -s /bin/sh "$U" || bail_out "useradd $U failed"
UH=$(getent passwd "$U" | cut -d: -f6)
UID_H=$(id -u "$U")
UID_W=$(id -u www-data)
UID_B=64998
getent passwd "$UID_B" >/dev/null && bail_out "uid $UID_B exists here; the test needs a free uid"
cp "$RELAYQ" "$N/sendmail"
chmod 755 "$N/sendmail"
SPOOL=$N/spool
mkdir -m 1733 "$SPOOL"
cp "$CA_FILE" "$N/ca.pem" && chmod 644 "$N/ca.pem"

# The system configuration, readable by all; the credential root's only.
ETC=$N/etc
mkdir -m 755 "$ETC"
write_conf() {
	{
		echo "domain example.test"
		echo "smarthost [127.0.0.1]:$SUBMISSION_PORT"
		echo "tls_trust_file $N/ca.pem"
		echo "authinfo $ETC/authinfo"
		echo "spool_dir $SPOOL"
		echo "retry_min 4s"
		echo "retry_max 1h"
		echo "spool_queue_timeout 60"
		printf '%s\n' "$@"
	} >"$ETC/relayq.conf"
	chmod 644 "$ETC/relayq.conf"
}
set_password() {
	relayq_authinfo "$1" "$ETC/authinfo"
}
write_conf
set_password "$TEST_PASSWORD"
mount --bind "$ETC" "$SYSCONFDIR" || bail_out "cannot bind $ETC over $SYSCONFDIR"

# as UID GID CMD...: a user without root's environment.  HOME from the
# passwd entry (none: unusable), no XDG variables.
as() {
	local uid=$1 gid=$2 home groups=--init-groups
	shift 2
	home=$(getent passwd "$uid" | cut -d: -f6)
	# A uid without a passwd entry has no groups to initialise.
	[ -n "$home" ] || groups=--clear-groups
	env -u XDG_STATE_HOME -u XDG_CONFIG_HOME -u XDG_DATA_HOME -u XDG_CACHE_HOME \
		-u XDG_RUNTIME_DIR HOME="${home:-/nonexistent}" \
		setpriv --reuid="$uid" --regid="$gid" "$groups" "$@"
}
# send UID GID RCPT [sendmail flags]: one message, the default delivery
# mode (the front end's own background flush runs too).
send() {
	local uid=$1 gid=$2 rcpt=$3
	shift 3
	printf 'Subject: from uid %s\n\nmachine mail of uid %s to %s\n' "$uid" "$uid" "$rcpt" |
		as "$uid" "$gid" "$N/sendmail" -i "$@" "$rcpt"
}
in_queue() { find "$SPOOL"/"$1" "$SPOOL"/"$1".* -path '*/env/*' -type f 2>/dev/null | wc -l; }
delivered() { find "$MAILDIR_ROOT/$1/new" -type f 2>/dev/null | wc -l; }
spool_run() { "$FLUSH" --all-users "$@" >"$T/runlog" 2>&1; }

# ---- 1-4: the rule, as relayq check says it ----
out=$(as "$UID_H" "$UID_H" "$N/sendmail" -bV 2>&1 >/dev/null; as "$UID_H" "$UID_H" "$RELAYQ" check 2>&1)
case $out in
*"route: spool queue $SPOOL/$UID_H, delivered by root's relayq-flush --all-users"*) ok "check: a user with a home and no configuration goes to the spool" ;;
*) not_ok "check: a user with a home and no configuration goes to the spool" "$out" ;;
esac
out=$("$RELAYQ" check 2>&1)
case $out in
*"route: spool queue $SPOOL/0, delivered by root's relayq-flush --all-users"*) ok "check: root goes to the spool too" ;;
*) not_ok "check: root goes to the spool too" "$out" ;;
esac
out=$(as "$UID_W" "$UID_W" "$RELAYQ" check 2>&1)
case $out in
*"route: spool queue $SPOOL/$UID_W,"*"credentials: looked up by root's run"*) ok "check: www-data goes to the spool; no credential check as www-data" ;;
*) not_ok "check: www-data goes to the spool; no credential check as www-data" "$out" ;;
esac
# A user's own smarthost: a personal queue (the desktop case).
mkdir -p "$UH/.config/relayq"
printf 'smarthost [127.0.0.1]:%s\n' "$SUBMISSION_PORT" >"$UH/.config/relayq/config"
chown -R "$U:" "$UH/.config"
out=$(as "$UID_H" "$UID_H" "$RELAYQ" check 2>&1)
case $out in
*"route: personal queue $UH/.local/state/relayq, delivered by your own relayq-flush runs"*) ok "check: own smarthost: a personal queue" ;;
*) not_ok "check: own smarthost: a personal queue" "$out" ;;
esac
is "$(echo "$out" | grep -c '^route: note: between your messages nothing retries this queue unless')" 1 \
	"check: with no user timer, it says nothing retries the personal queue"

# ---- 5-8: mail of the previous rule in the home queue is moved, once ----
send "$UID_H" "$UID_H" mold -odq
is "$(ls "$UH/.local/state/relayq/env" 2>/dev/null | wc -l)" 1 "the old rule's home queue holds one message"
rm -r "$UH/.config/relayq"
out=$(as "$UID_H" "$UID_H" "$RELAYQ" check 2>&1)
case $out in
*"route: 1 messages still wait in $UH/.local/state/relayq"*) ok "check says what still waits in the old queue" ;;
*) not_ok "check says what still waits in the old queue" "$out" ;;
esac
ln -sf "$RELAYQ" "$N/mailq"
out=$(as "$UID_H" "$UID_H" "$N/mailq" 2>&1 >/dev/null)
is "$out" "relayq: 1 more messages wait in $UH/.local/state/relayq, the queue of the previous rule; they are moved here at your next message or \"relayq flush\"" \
	"mailq says so too"

# ---- the smarthost is down ----
smarthost_ctl stop || bail_out "cannot stop the smarthost"
send 0 0 mroot
r0=$?
send "$UID_H" "$UID_H" mhome
rh=$?
send "$UID_W" "$UID_W" mwww
rw=$?
send "$UID_B" "$UID_B" mbare
rb=$?
is "$rh" 0 "the home user's sendmail exits 0 (smarthost down)"
is "$(ls "$UH/.local/state/relayq/env" | wc -l)$(in_queue "$UID_H")" 02 \
	"its submission moved the old message into its spool queue (none left, two there)"
is "$r0 $rw $rb" "0 0 0" "root's, www-data's and the bare uid's sendmail exit 0"
wait_no_flusher   # the background flushes (detached) are done
is "$(in_queue 0) $(in_queue "$UID_W") $(in_queue "$UID_B")" "1 1 1" \
	"one message in each of their spool queues"
is "$(stat -c %u "$SPOOL/$UID_W" "$SPOOL/$UID_B" | tr '\n' ' ')" "$UID_W $UID_B " \
	"each spool queue is owned by its uid"
spool_run --force
is "$?" 75 "root's run with the smarthost down: deferred (75)"
is "$(in_queue 0)$(in_queue "$UID_H")$(in_queue "$UID_W")$(in_queue "$UID_B")" 1211 "everything is still queued"
# Three more failures (by hand, --force) grow the backoff well past what
# the next plain run could wait for.
for i in 1 2 3; do spool_run --force; done
check "every spool message is marked deferred by a session failure" \
	sh -c "[ \$(grep -l '^flags.*session-deferred' $SPOOL/*/env/* | wc -l) -eq 5 ]"
check "their own backoff is not over (next attempt more than 10 s away)" \
	sh -c 'now=$(date +%s); for f in '"$SPOOL"'/*/env/*; do n=$(sed -n "s/^next-attempt //p" "$f"); [ "$n" -gt $((now + 10)) ] || exit 1; done'

# ---- the smarthost is back: one plain run drains everything ----
smarthost_ctl start || bail_out "cannot start the smarthost"
# Half of retry_min (4s) has passed since the last try: moved back in the
# envelopes (GNU sed -i keeps their owners), not waited for.
sed -i "s/^last-attempt .*/last-attempt $(( $(date +%s) - 3 ))/" "$SPOOL"/*/env/*
spool_run -v
rc=$?
is "$rc" 0 "one plain run (what the spool unit runs) after the smarthost came back exits 0"
for m in mroot mhome mold mwww mbare; do
	smarthost_wait_mail "$m" 1 >/dev/null 2>&1
done
smarthost_wait_idle
is "$(delivered mroot) $(delivered mhome) $(delivered mold) $(delivered mwww) $(delivered mbare)" \
	"1 1 1 1 1" "root's, the home user's (new and moved), www-data's and the bare uid's mail: each delivered once"
is "$(in_queue 0)$(in_queue "$UID_H")$(in_queue "$UID_W")$(in_queue "$UID_B")" 0000 "every spool queue is empty"
check "the run said the waiting messages were due in its session" grep -q "messages deferred by earlier session failures are due in it" "$T/runlog"
check "root's AUTH was used for the users' mail" grep -q "Authenticated sender: $TEST_USER" "$(smarthost_wait_mail mwww 1 | head -n 1)"
spool_run
is "$?$(delivered mroot)$(delivered mwww)" 011 "a second run sends nothing again"

# ---- root's relayq flush where the password lives only inside the unit ----
mv "$ETC/authinfo" "$N/authinfo.away"
out=$("$RELAYQ" flush 2>&1)
mv "$N/authinfo.away" "$ETC/authinfo"
case $out in
*"if the password is a systemd credential (LoadCredential= in relayq-flush-spool.service), it exists only inside the unit: run systemctl start relayq-flush-spool.service"*)
	ok "root's relayq flush without a credential says how to start the unit" ;;
*) not_ok "root's relayq flush without a credential says how to start the unit" "$out" ;;
esac

# ---- a spool user's own flush cannot read root's credential ----
send "$UID_W" "$UID_W" mguest -odq
before=$(grep -c "connect from" "$POSTFIX_LOG")
out=$(as "$UID_W" "$UID_W" "$RELAYQ" flush 2>&1)
is "$?" 75 "www-data's own relayq flush: 75, its mail stays queued for root's run"
case $out in
*"not delivered by uid $UID_W ("*"root's relayq-flush --all-users delivers this queue"*) ok "it says why and who delivers it" ;;
*) not_ok "it says why and who delivers it" "$out" ;;
esac
is "$(($(grep -c "connect from" "$POSTFIX_LOG") - before)):$(grep -c '^attempts' "$SPOOL/$UID_W"/env/*)" "0:0" \
	"it opened no session and did not touch the message (no attempt recorded)"
spool_run
smarthost_wait_mail mguest 1 >/dev/null 2>&1
is "$(delivered mguest)$(in_queue "$UID_W")" 10 "root's next plain run delivers it at once"

# ---- a wrong password, fixed, then relayq flush ----
set_password "not-$TEST_PASSWORD"
send "$UID_W" "$UID_W" mpass
send 0 0 mpassroot
spool_run
is "$?" 77 "wrong password: the plain run fails on AUTH (535: EX_NOPERM)"
is "$(in_queue "$UID_W")$(in_queue 0)" 11 "both stay queued"
set_password "$TEST_PASSWORD"
out=$("$RELAYQ" flush 2>&1)
is "$?" 0 "password fixed: root's relayq flush exits 0"
smarthost_wait_mail mpass 1 >/dev/null 2>&1
smarthost_wait_mail mpassroot 1 >/dev/null 2>&1
is "$(delivered mpass)$(delivered mpassroot)$(in_queue "$UID_W")$(in_queue 0)" 1100 \
	"relayq flush delivered www-data's and root's message at once"

# ---- relayq flush respects nothing but held: a 451-style backoff is no obstacle ----
send "$UID_B" "$UID_B" mforce -odq
f=$(ls "$SPOOL/$UID_B/env/"*)
now=$(date +%s)
sed -i "/^sender/a attempts 1\\nlast-attempt $now\\nnext-attempt $((now + 3600))\\nlast-error 451 4.3.0 Try again later" "$f"
spool_run
is "$(in_queue "$UID_B")" 1 "a plain run keeps to a message's backoff"
"$RELAYQ" flush >/dev/null 2>&1
smarthost_wait_mail mforce 1 >/dev/null 2>&1
is "$(delivered mforce)$(in_queue "$UID_B")" 10 "relayq flush tries it anyway (like postqueue -f)"

# ---- a hostile spool ----
# A FIFO in the home user's queue in place of a body, a FIFO for an
# envelope, a squatted name for the bare uid, 20,000 bogus entries.
send "$UID_H" "$UID_H" mfifo -odq
id1=$(ls "$SPOOL/$UID_H/env")
as "$UID_H" "$UID_H" sh -c "rm '$SPOOL/$UID_H/new/$id1' && mkfifo '$SPOOL/$UID_H/new/$id1' && mkfifo '$SPOOL/$UID_H/env/0000000001'"
send "$UID_H" "$UID_H" mneighbour -odq
as "$UID_H" "$UID_H" mkdir -m 700 "$SPOOL/$UID_B.AAAAAA" # not its uid: skipped
rm -rf "${SPOOL:?}/$UID_B"
as "$UID_H" "$UID_H" mkdir -m 755 "$SPOOL/$UID_B"   # squatting the bare uid's name
send "$UID_B" "$UID_B" msquat
is "$?" 0 "the squatted uid's sendmail still exits 0"
fb=$(find "$SPOOL" -maxdepth 1 -name "$UID_B.*" -user "$UID_B")
is "$(echo "$fb" | grep -c .)" 1 "its mail went to a fallback queue of its own"
as "$UID_H" "$UID_H" sh -c "cd '$SPOOL' && seq -f 'junk%g' 20000 | xargs touch"
is "$(find "$SPOOL" -maxdepth 1 -name 'junk*' | wc -l)" 20000 "20,000 bogus entries in the spool"
# 2,000 queue-shaped directories of the FIFO owner's own: its child's
# time, nobody else's (one child per user).
as "$UID_H" "$UID_H" sh -c "cd '$SPOOL' && seq -f '$UID_H.f%05g' 2000 | xargs mkdir -m 700"
send "$UID_W" "$UID_W" mhostile -odq
start=$(date +%s)
timeout 120 "$FLUSH" --all-users >"$T/runlog" 2>&1
rc=$?
took=$(($(date +%s) - start))
diag "root's run over the hostile spool took ${took}s, exit $rc"
[ "$rc" -ne 124 ] && [ "$took" -lt 60 ] && ok "root's run over the hostile spool finishes (in ${took}s)" ||
	not_ok "root's run over the hostile spool finishes" "exit $rc after ${took}s"
for m in mhostile msquat mneighbour; do smarthost_wait_mail "$m" 1 >/dev/null 2>&1; done
is "$(delivered mhostile)$(delivered msquat)$(delivered mneighbour)" 111 \
	"www-data's, the squatted uid's and the FIFO owner's other mail were delivered"
is "$(grep -c "entries are not a queue and skipped" "$T/runlog")" 1 "one summary line for the bogus entries"
check "it counts them and gives examples" \
	grep -q "$SPOOL: 20002 entries are not a queue and skipped; e.g. " "$T/runlog"
is "$(grep -c junk "$T/runlog")" 1 "no other line names a bogus entry"
check "the FIFO body is named in the log, skipped" \
	grep -q "$SPOOL/$UID_H/new/$id1 is not a regular file" "$T/runlog"
check "the FIFO envelope is named in the log, skipped" \
	grep -q "$SPOOL/$UID_H/env/0000000001 is not a regular file" "$T/runlog"
check "the squatted name is reported with who can fix it" \
	sh -c "grep -q '$SPOOL/$UID_B is not a directory\\|$SPOOL/$UID_B is owned by uid $UID_H, not uid $UID_B: not a queue' '$T/runlog' && grep -q 'root can remove it: rm -r $SPOOL/$UID_B' '$T/runlog'"
out=$(as "$UID_B" "$UID_B" "$RELAYQ" check 2>&1)
rc=$?
is "$(echo "$out" | grep -c "route: WARNING: $SPOOL/$UID_B is not your queue: it was made by uid $UID_H")" 1 \
	"relayq check tells the squatted uid, naming the squatter"
is "$rc:$(echo "$out" | grep -c "^queue: a new $SPOOL/$UID_B.XXXXXX for each message")" 0:1 \
	"and says where its mail goes; no failure (its mail still goes)"
check "the emptied fallback queue is still there while fresh" test -d "$fb"
touch -d '10 min ago' "$fb/tmp"
spool_run
check "then its owner's run removed it" test ! -e "$fb"
is "$(as "$UID_H" "$UID_H" "$RELAYQ" check 2>&1 | grep -c "^route: spool queue")" 1 "the FIFO's owner still has a working route"

# ---- root's old home queue under the root unit's sandbox ----
# relayq-flush.service leaves only root's home queue writable: there
# relayq-flush cannot open the spool queue, so it delivers the previous
# rule's queue in place rather than strand it.
mkdir -p "$XDG_CONFIG_HOME/relayq"
printf 'smarthost [127.0.0.1]:%s\n' "$SUBMISSION_PORT" >"$XDG_CONFIG_HOME/relayq/config"
printf 'Subject: old root\n\nold root mail\n' | "$N/sendmail" -odq -i mrootold
rm "$XDG_CONFIG_HOME/relayq/config"
is "$(ls "$XDG_STATE_HOME/relayq/env" | wc -l)" 1 "root's home queue of the previous rule holds one message"
unshare -m sh -c 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && shift && exec "$@"' \
	sh "$SPOOL" env XDG_STATE_HOME="$XDG_STATE_HOME" "$FLUSH" >"$T/runlog" 2>&1
is "$?" 0 "relayq-flush with the spool read-only (the root unit's sandbox) exits 0"
smarthost_wait_mail mrootold 1 >/dev/null 2>&1
is "$(delivered mrootold)$(ls "$XDG_STATE_HOME/relayq/env" | wc -l)" 10 \
	"it delivered the old queue in place"

# ---- a child past its deadline ----
# A smarthost that accepts and never greets; each child would wait 300 s.
python3 -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(64)
print(s.getsockname()[1], flush=True); sys.stdout.close()
conns = []
while True:
    c, _ = s.accept(); conns.append(c)
' >"$N/silent.port" &
silent=$!
for _ in $(seq 50); do [ -s "$N/silent.port" ] && break; sleep 0.1; done
sed -e "s/^smarthost .*/smarthost [127.0.0.1]:$(cat "$N/silent.port")/" \
	-e 's/^spool_queue_timeout .*/spool_queue_timeout 3/' "$ETC/relayq.conf" >"$N/silent.conf"
send "$UID_W" "$UID_W" mslow1 -odq
send "$UID_B" "$UID_B" mslow2 -odq
start=$(date +%s)
timeout 120 "$FLUSH" --all-users -C "$N/silent.conf" >"$T/runlog" 2>&1
rc=$?
took=$(($(date +%s) - start))
kill "$silent" 2>/dev/null
wait "$silent" 2>/dev/null
is "$rc" 75 "children past their deadline: the run exits 75 (mail stays queued)"
[ "$took" -ge 6 ] && [ "$took" -lt 30 ] && ok "each child was stopped at its 3 s deadline (${took}s for the run)" ||
	not_ok "each child was stopped at its 3 s deadline" "took ${took}s"
is "$(grep -c "$SPOOL/\($UID_W\|$UID_B\|$UID_B\.[A-Za-z0-9]*\): the flush as uid [0-9]* took longer than 3s (spool_queue_timeout) and was killed" "$T/runlog")" 2 \
	"each killed child is logged, and the run went on with the next queue"
is "$(in_queue "$UID_W")$(in_queue "$UID_B")" 11 "their mail is still queued"
check "no child is left behind" sh -c "! pgrep -u $UID_W,$UID_B relayq-flush"
spool_run
for m in mslow1 mslow2; do smarthost_wait_mail "$m" 1 >/dev/null 2>&1; done
is "$(delivered mslow1)$(delivered mslow2)" 11 "the next run with the real smarthost delivers it"
