#!/bin/bash
# mailq-owners.sh — root sees and manages the machine's mail (issue 9,
# item 4) with real users: a user made with useradd -m, a system user
# without a home, a uid without a passwd entry and root each queue a
# message (the smarthost is down: [127.0.0.1]:1); root's mailq lists all
# four with owners, --json and --summary carry uid and user, the summary
# as Prometheus and OpenMetrics text parses with the reference parser;
# each user sees only their own; root holds, releases, retries, shows and
# deletes other users' messages; a FIFO and a symlink planted in a user's
# queue are neither followed nor block root.
#
# The users run with HOME unusable so that, under the queue rule of this
# tree, their mail goes to the spool whether or not they have a home.
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || skip_all "real users need root"
for c in setpriv useradd userdel timeout; do
	command -v "$c" >/dev/null 2>&1 || skip_all "$c is missing"
done
plan 36

export RELAYQ_NO_SYSLOG=1 RELAYQ_FLUSH=/bin/true
unset JOURNAL_STREAM

# What the users run or read lives in a 755 directory under /tmp.
N=$(mktemp -d /tmp/relayq-mailq.XXXXXX) || bail_out "cannot create a directory under /tmp"
chmod 755 "$N"
UA=rqmq-a$$
US=rqmq-s$$
UN=64996
# retry CMD...: useradd and userdel fail at once when another test holds
# the lock on /etc/passwd (make -j check).
retry() {
	local i
	for i in 1 2 3 4 5 6 7 8 9 10; do
		"$@" 2>"$T/retry.err" && return 0
		grep -q 'lock' "$T/retry.err" || { cat "$T/retry.err" >&2; return 1; }
		sleep 1
	done
	return 1
}
cleanup() {
	retry userdel -r "$UA" >/dev/null 2>&1
	retry userdel "$US" >/dev/null 2>&1
	[ "$t_failed" -eq 0 ] && rm -rf "$N"
}
trap 'cleanup; t_exit' EXIT
getent passwd "$UN" >/dev/null && bail_out "uid $UN exists here; the test needs a free uid"
retry useradd -m -s /bin/sh "$UA" || bail_out "useradd -m $UA failed"
retry useradd -r -M -d /nonexistent -s /usr/sbin/nologin "$US" || bail_out "useradd -r $US failed"
IA=$(id -u "$UA") GA=$(id -g "$UA")
IS=$(id -u "$US") GS=$(id -g "$US")

cp "$top_builddir/src/relayq" "$N/relayq" && chmod 755 "$N/relayq"
ln -s relayq "$N/mailq"
SPOOL=$N/spool
mkdir -m 1733 "$SPOOL"
CONF=$N/conf
printf 'domain example.test\nsmarthost [127.0.0.1]:1\nspool_dir %s\n' "$SPOOL" >"$CONF"
chmod 644 "$CONF"

# as UID GID CMD...: runs CMD as that user, HOME unusable, no XDG.
as() {
	local u=$1 g=$2
	shift 2
	timeout 30 env -u XDG_STATE_HOME -u XDG_CONFIG_HOME -u XDG_RUNTIME_DIR HOME=/nonexistent \
		setpriv --reuid="$u" --regid="$g" --clear-groups "$@"
}
# run CMD...: sets rc, out, err (with a 30 s limit: nothing may hang;
# "as" has its own).
run() {
	if [ "$1" = as ]; then "$@"; else timeout 30 "$@"; fi >"$T/out" 2>"$T/err"
	rc=$?
	out=$(cat "$T/out")
	err=$(cat "$T/err")
}
queue_msg() {   # UID GID RCPT
	printf 'Subject: from %s\n\nbody\n' "$1" |
		as "$1" "$2" "$N/relayq" sendmail -C "$CONF" -odq -i "$3"
}
only_id() { ls "$SPOOL/$1/env"; }
# The owner column (field 7) of message $1 in the listing $out.
owner_of() { printf '%s\n' "$out" | awk -v id="$1" '$1 == id || $1 == id "!" { print $7 }'; }

# ---- 1-4: everyone queues ----
queue_msg "$IA" "$GA" a@example.test; is "$?" 0 "$UA (useradd -m) queues (exit 0)"
queue_msg "$IS" "$GS" s@example.test; is "$?" 0 "$US (system user) queues (exit 0)"
queue_msg "$UN" "$UN" n@example.test; is "$?" 0 "uid $UN (no passwd entry) queues (exit 0)"
printf 'Subject: root\n\nbody\n' | "$N/relayq" sendmail -C "$CONF" -odq -i r@example.test
is "$?" 0 "root queues (exit 0)"
MA=$(only_id "$IA") MS=$(only_id "$IS") MN=$(only_id "$UN")
MR=$(ls "$XDG_STATE_HOME/relayq/env")

# ---- 5-9: root's listing ----
run "$N/mailq" -C "$CONF"
is "$rc:$(printf '%s\n' "$out" | tail -n 1 | sed 's/[0-9]* Kbytes/N Kbytes/')" "0:-- N Kbytes in 4 Requests." \
	"root's mailq lists the four messages"
is "$(printf '%s\n' "$out" | head -n 1)" "-Queue ID-  --Size-- ----Arrival Time---- -Owner-- -Sender/Recipient-------" \
	"root's listing has the owner column"
is "$(owner_of "$MA") $(owner_of "$MS") $(owner_of "$MN") $(owner_of "$MR")" "$UA $US $UN root" \
	"each message carries its owner (name, or the uid without a passwd entry)"
is "$err" "" "nothing on stderr"
run "$N/relayq" -C "$CONF" queue --json
printf '%s\n' "$out" >"$T/all.json"
check "--json: uid and user for every message" python3 -c '
import json, sys
rows = {r["id"]: r for r in map(json.loads, open(sys.argv[1]))}
want = {sys.argv[2]: (int(sys.argv[3]), sys.argv[4]), sys.argv[5]: (int(sys.argv[6]), sys.argv[7]),
        sys.argv[8]: (int(sys.argv[9]), None), sys.argv[10]: (0, "root")}
got = {k: (r["uid"], r["user"]) for k, r in rows.items()}
assert got == want, (got, want)
' "$T/all.json" "$MA" "$IA" "$UA" "$MS" "$IS" "$US" "$MN" "$UN" "$MR"

# ---- 10-14: summaries ----
run "$N/relayq" -C "$CONF" queue --summary
is "$rc:$(printf '%s\n' "$out" | sed -n '1p;/^uid: /p;/^user: /p' | tr '\n' ' ')" \
	"0:messages: 4 uid: 0 user: root uid: $IS user: $US uid: $IA user: $UA uid: $UN user: $UN " \
	"--summary: the totals, then one block per owner (uid and user)"
run "$N/relayq" -C "$CONF" queue --summary --format=json
printf '%s\n' "$out" >"$T/sum.json"
check "--summary --format=json: totals and owners" python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
assert s["messages"] == 4 and s["skipped_spool_entries"] == 0, s
o = {x["uid"]: (x["user"], x["messages"], x["readable"]) for x in s["owners"]}
assert o == {0: ("root", 1, True), int(sys.argv[2]): (sys.argv[3], 1, True),
             int(sys.argv[4]): (sys.argv[5], 1, True), int(sys.argv[6]): (None, 1, True)}, o
' "$T/sum.json" "$IA" "$UA" "$IS" "$US" "$UN"
PY=/usr/bin/python3
if $PY -c 'import prometheus_client' 2>/dev/null; then
	run "$N/relayq" -C "$CONF" queue --summary --format=prometheus
	printf '%s\n' "$out" >"$T/prom.txt"
	check "--format=prometheus parses (prometheus_client) with the right values" $PY -c '
import sys
from prometheus_client.parser import text_string_to_metric_families
fams = {f.name: f for f in text_string_to_metric_families(open(sys.argv[1]).read())}
assert all(f.type == "gauge" and f.documentation for f in fams.values()), fams
m = {(s.labels["user"], s.labels["uid"]): s.value for s in fams["relayq_queue_messages"].samples}
assert m == {("root", "0"): 1, (sys.argv[2], sys.argv[3]): 1, (sys.argv[4], sys.argv[5]): 1,
             (sys.argv[6], sys.argv[6]): 1}, m
for f in ("relayq_queue_deferred_messages", "relayq_queue_held_messages",
          "relayq_queue_oldest_message_age_seconds", "relayq_queue_readable"):
    assert len(fams[f].samples) == 4, f
assert fams["relayq_spool_skipped_entries"].samples[0].value == 0
' "$T/prom.txt" "$UA" "$IA" "$US" "$IS" "$UN"
	run "$N/relayq" -C "$CONF" queue --summary --format=openmetrics
	printf '%s\n' "$out" >"$T/om.txt"
	check "--format=openmetrics parses with the strict OpenMetrics parser, ends # EOF" $PY -c '
import sys
from prometheus_client.openmetrics.parser import text_string_to_metric_families
t = open(sys.argv[1]).read()
assert t.endswith("# EOF\n")
fams = {f.name: f for f in text_string_to_metric_families(t)}
assert len(fams["relayq_queue_messages"].samples) == 4, fams
' "$T/om.txt"
else
	skip "--format=prometheus parses" "python3-prometheus-client is missing (scripts/install-deps)"
	skip "--format=openmetrics parses" "python3-prometheus-client is missing (scripts/install-deps)"
fi
run "$N/relayq" -C "$CONF" queue --format=prometheus
is "$rc" 64 "--format=prometheus without --summary: usage error"

# ---- 15-18: a user sees only their own ----
run as "$IA" "$GA" "$N/mailq" -C "$CONF"
is "$rc:$(printf '%s\n' "$out" | grep -c '^[0-9A-V]\{10\}')" "0:1" "$UA's mailq lists one message"
is "$(printf '%s\n' "$out" | sed -n '1p;$p' | tr '\n' '|')" \
	"-Queue ID-  --Size-- ----Arrival Time---- -Sender/Recipient-------|-- 1 Kbytes in 1 Request.|" \
	"$UA's listing: no owner column, as before"
run as "$IS" "$GS" "$N/relayq" -C "$CONF" queue --json
is "$rc:$(printf '%s\n' "$out" | python3 -c 'import json,sys; print([json.loads(l)["id"] for l in sys.stdin])')" \
	"0:['$MS']" "$US's --json: only its own message"
run as "$IA" "$GA" "$N/relayq" -C "$CONF" queue delete "$MS"
is "$rc:$(only_id "$IS")" "66:$MS" "$UA cannot delete $US's message (66), it stays"

# ---- 19-27: root manages other users' messages ----
run "$N/relayq" -C "$CONF" queue hold "$MA"
is "$rc:$out" "0:$MA: held (queue of $UA)" "root holds $UA's message"
is "$(grep -c '^flags held' "$SPOOL/$IA/env/$MA"):$(stat -c %U "$SPOOL/$IA/env/$MA")" "1:$UA" \
	"the envelope is held and still belongs to $UA"
run "$N/mailq" -C "$CONF"
case $out in *"$MA!"*) ok "root's mailq marks it held" ;; *) not_ok "root's mailq marks it held" "$out" ;; esac
run "$N/relayq" -C "$CONF" queue release "$MA"
is "$rc:$out:$(grep -c '^flags held' "$SPOOL/$IA/env/$MA")" "0:$MA: released (queue of $UA):0" \
	"root releases it"
run "$N/relayq" -C "$CONF" queue retry "$MN"
is "$rc:$out" "0:$MN: due now (queue of $UN)" "root makes uid $UN's message due now"
run "$N/relayq" -C "$CONF" queue show "$MS"
is "$rc:$(printf '%s\n' "$out" | grep -c "^Queued by: $US (uid $IS)")" "0:1" "root shows $US's message"
run "$N/relayq" -C "$CONF" queue delete "$MN" "$MR" 0000000000
is "$rc:$out" "66:$MN: deleted (queue of $UN)
$MR: deleted" "root deletes uid $UN's and its own message; an unknown id: 66"
is "$err" "relayq: 0000000000: no such message in the queue (list the queue with mailq)" \
	"the unknown id is named"
is "$(ls "$SPOOL/$UN/env" "$SPOOL/$UN/new" | grep -c "$MN")" 0 "uid $UN's message is gone"

# ---- 28-36: hostile entries in a user's queue ----
as "$IA" "$GA" mkfifo "$SPOOL/$IA/env/0000000001"
as "$IA" "$GA" ln -s /etc/shadow "$SPOOL/$IA/env/0000000002"
shadow_before=$(stat -c '%Y %s' /etc/shadow)
t0=$(date +%s)
run "$N/mailq" -C "$CONF"
t1=$(date +%s)
is "$rc" 0 "root's mailq with a FIFO and a symlink in $UA's queue: exit 0"
if [ $((t1 - t0)) -lt 5 ]; then ok "it does not block ($((t1 - t0)) s)"; else not_ok "it does not block" "$((t1 - t0)) s"; fi
case $out in *"0000000001  $UA"*"(damaged envelope: $SPOOL/$IA/env/0000000001 is not a regular file (a FIFO, device or socket put into the queue); skipped (its owner can remove it))"*)
	ok "the FIFO is listed as damaged, named" ;; *) not_ok "the FIFO is listed as damaged, named" "$out" ;; esac
case $out in *"0000000002  $UA"*"(damaged envelope: $SPOOL/$IA/env/0000000002 is a symbolic link, not a queue file; skipped (its owner can remove it))"*)
	ok "the symlink is not followed" ;; *) not_ok "the symlink is not followed" "$out" ;; esac
case $out in *'root:'*|*'$6$'*|*'$y$'*) not_ok "nothing of /etc/shadow is shown" "$out" ;; *) ok "nothing of /etc/shadow is shown" ;; esac
# A FIFO in place of the body of $UA's message: the action neither hangs nor acts.
mv "$SPOOL/$IA/new/$MA" "$N/body.saved"
as "$IA" "$GA" mkfifo "$SPOOL/$IA/new/$MA"
t0=$(date +%s)
run "$N/relayq" -C "$CONF" queue hold "$MA"
t1=$(date +%s)
is "$rc:$err" "65:relayq: $SPOOL/$IA/new/$MA is not a regular file (a FIFO, device or socket put into the queue); skipped (its owner can remove it)" \
	"hold with a FIFO as the body: refused, named (exit 65)"
if [ $((t1 - t0)) -lt 5 ]; then ok "the hold does not block ($((t1 - t0)) s)"; else not_ok "the hold does not block" "$((t1 - t0)) s"; fi
is "$(grep -c '^flags held' "$SPOOL/$IA/env/$MA"):$(stat -c '%Y %s' /etc/shadow)" "0:$shadow_before" \
	"nothing was changed, /etc/shadow untouched"
# A spool entry that is not a queue: root is told whose mail is stranded.
mkdir -m 700 "$SPOOL/4321" && chown "$IA" "$SPOOL/4321"
run "$N/relayq" -C "$CONF" queue --summary
is "$(printf '%s\n' "$err" | grep -c "warning: $SPOOL: 1 entry is not a queue and skipped: $SPOOL/4321 is owned by uid $IA, not uid 4321")" 1 \
	"a squatted spool entry is reported on stderr"
