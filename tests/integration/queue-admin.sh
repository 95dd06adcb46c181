#!/bin/bash
# queue-admin.sh — seeing and steering the queue with the real binaries:
# mailq / sendmail -bp / relayq queue (text, --json, --summary, show), and
# hold → a flush skips it → release → retry → delete, a message locked by
# a "flusher", unknown ids, a damaged envelope, 10,000 messages timed.
# relayq-flush is pointed at [127.0.0.1]:1, where nothing listens: every
# attempt fails at once, which is what counts attempts without a server.
# Run as root (as CI does), the listing is root's view of the machine: an
# owner column, and per-owner blocks after the summary's totals (the
# spool is an empty directory here, so root's queue is the only one);
# as another user, the plain view.  mailq-owners.sh covers several users.
. "$(dirname "$0")/lib.sh"

RELAYQ=$top_builddir/src/relayq
FLUSH=$top_builddir/src/relayq-flush
DATA=$top_srcdir/tests/data/mailq
BIN=$T/bin
mkdir -p "$BIN"
for n in sendmail mailq; do ln -s "$RELAYQ" "$BIN/$n"; done
export PATH=$BIN:$PATH RELAYQ_NO_SYSLOG=1
# Queueing must not start a flush: the script runs every flush itself.
export RELAYQ_FLUSH=/bin/true
command -v python3 >/dev/null || skip_all "python3 is needed to parse the JSON"
command -v flock >/dev/null || skip_all "flock(1) (util-linux) is needed"

plan 57

# Root's view: the owner column and the golden listing that has it.
if [ "$(id -u)" -eq 0 ]; then
	OC='root     '
	GOLDEN=$DATA/held-deferred-root.txt
else
	OC=
	GOLDEN=$DATA/held-deferred.txt
fi
# The summary's first block: the totals (for a user, all of it).
totals() { sed '/^$/,$d'; }

Q=$XDG_STATE_HOME/relayq
mkdir -p "$XDG_CONFIG_HOME/relayq"
mkdir -m 1733 "$T/spool"
printf 'domain example.test\nsmarthost [127.0.0.1]:1\nspool_dir %s\n' "$T/spool" >"$XDG_CONFIG_HOME/relayq/config"

attempts() { sed -n 's/^attempts //p' "$Q/env/$1" | grep . || echo 0; }
next_attempt() { sed -n 's/^next-attempt //p' "$Q/env/$1" | grep . || echo 0; }
# run CMD...: sets rc, out (stdout) and err (stderr).
run() {
	"$@" >"$T/out" 2>"$T/err"
	rc=$?
	out=$(cat "$T/out")
	err=$(cat "$T/err")
}
# The listing with what changes from run to run replaced: ids by A and B,
# sizes (checked apart) and arrival times.
normalize() {
	sed -E -e "s/$A/AAAAAAAAAA/g" -e "s/$B/BBBBBBBBBB/g" \
	    -e 's/^([A-Z]{10}.) *[0-9]+ [A-Z][a-z]{2} [A-Z][a-z]{2} [ 0-9]{2} [0-9:]{8}  /\1     SIZE DATE  /' \
	    -e 's/^-- [0-9]+ Kbytes/-- N Kbytes/'
}
size_col() { sed -n "s/^$1. *\([0-9]*\) .*/\1/p"; }

# ---- an empty queue ---------------------------------------------------------
run mailq
is "$rc:$out" "0:Mail queue is empty" "mailq: empty queue"
run "$RELAYQ" queue --json
is "$rc:$out" "0:" "queue --json: nothing for an empty queue"
run "$RELAYQ" queue --summary
is "$rc:$(printf '%s\n' "$out" | totals)" "0:$(printf 'messages: 0\nrecipients_pending: 0\nheld: 0\ndeferred: 0\nmaybe_delivered: 0\ndamaged: 0\noldest_age_seconds: 0')" \
	"queue --summary: all zero"

# ---- two messages: A (two recipients), B (one) ---------------------------------
printf 'Subject: first\n\nbody A\n' | sendmail -odq -f alice@example.test bob@example.org carol@example.org
printf 'Subject: second\n\nbody B\n' | sendmail -odq -f alice@example.test dave@example.org
A=$(ls "$Q/env" | sed -n 1p)
B=$(ls "$Q/env" | sed -n 2p)
is "$(ls "$Q/env" | wc -l)" 2 "two messages queued with sendmail -odq"

run "$RELAYQ" queue hold "$A"
is "$rc:$out:$err" "0:$A: held:" "hold A: exit 0, echoed"
run mailq
case $out in *"$A!"*) ok "mailq marks the held message with '!'" ;; *) not_ok "mailq marks the held message with '!'" "$out" ;; esac
case $out in *"$B!"*) not_ok "the other message is not marked" "$out" ;; *) ok "the other message is not marked" ;; esac

# ---- a flush: the held message is not even tried -------------------------------
run "$FLUSH"
is "$rc" 75 "relayq-flush: nothing can be sent to [127.0.0.1]:1 (exit 75)"
is "$(attempts "$A")" 0 "held A: not tried (attempts 0)"
is "$(attempts "$B")" 1 "B: tried once (attempts 1)"
# As a flusher leaves it when the connection drops after the final dot.
sed -i -e '/^flags /d' -e 's/^sender .*/&\nflags maybe-delivered/' "$Q/env/$B"

run mailq
is "$rc" 0 "mailq exits 0"
is "$(printf '%s\n' "$out" | normalize)" "$(cat "$GOLDEN")" \
	"mailq listing (golden, ids/dates/sizes normalised): held mark, maybe-delivered line, reason line, total"
is "$(printf '%s\n' "$out" | size_col "$A")" "$(stat -c %s "$Q/new/$A")" "mailq: A's size is its file's"
is "$(printf '%s\n' "$out" | size_col "$B")" "$(stat -c %s "$Q/new/$B")" "mailq: B's size is its file's"
kb=$(( ($(stat -c %s "$Q/new/$A") + $(stat -c %s "$Q/new/$B") + 1023) / 1024 ))
is "$(printf '%s\n' "$out" | tail -n 1)" "-- $kb Kbytes in 2 Requests." "mailq: total line"
run sendmail -bp
is "$rc:$(printf '%s\n' "$out" | normalize)" "0:$(cat "$GOLDEN")" "sendmail -bp lists the same"

# ---- JSON --------------------------------------------------------------------------
run "$RELAYQ" queue --json
is "$rc" 0 "queue --json exits 0"
printf '%s\n' "$out" >"$T/list.json"
check "queue --json: one valid object per line with the expected values" python3 -c '
import json, sys, datetime
a, b = sys.argv[2], sys.argv[3]
rows = [json.loads(l) for l in open(sys.argv[1])]
assert [r["id"] for r in rows] == [a, b], rows
ra, rb = rows
assert ra["held"] is True and rb["held"] is False
assert ra["attempts"] == 0 and rb["attempts"] == 1
assert ra["maybe_delivered"] is False and rb["maybe_delivered"] is True
assert ra["sender"] == "alice@example.test"
assert [x["address"] for x in ra["recipients"]] == ["bob@example.org", "carol@example.org"]
assert all(x["state"] == "pending" and x["last_reply"] is None for x in ra["recipients"])
assert ra["last_error"] is None and ra["next_attempt"] is None
assert rb["last_error"].startswith("cannot connect to 127.0.0.1"), rb["last_error"]
assert rb["recipients"][0]["last_reply"] == rb["last_error"]
assert rb["next_attempt_epoch"] > rb["arrival_epoch"]
for r in rows:
    t = datetime.datetime.fromtimestamp(r["arrival_epoch"], datetime.timezone.utc)
    assert r["arrival"] == t.strftime("%Y-%m-%dT%H:%M:%SZ"), r["arrival"]
    assert r["size"] > 0
' "$T/list.json" "$A" "$B"

# ---- summary --------------------------------------------------------------------------
run "$RELAYQ" queue --summary
is "$rc:$(printf '%s\n' "$out" | totals | sed '$d')" "0:$(printf 'messages: 2\nrecipients_pending: 3\nheld: 1\ndeferred: 1\nmaybe_delivered: 1\ndamaged: 0')" \
	"queue --summary: exact counts"
age=$(printf '%s\n' "$out" | totals | sed -n 's/^oldest_age_seconds: //p')
if [ -n "$age" ] && [ "$age" -ge 0 ] && [ "$age" -lt 300 ]; then ok "queue --summary: oldest age $age s"; else not_ok "queue --summary: oldest age" "$out"; fi
run sendmail -bP
is "$rc:$(printf '%s\n' "$out" | head -n 1)" "0:messages: 2" "sendmail -bP prints the summary"

# ---- show ------------------------------------------------------------------------------------
run "$RELAYQ" queue show "$A"
is "$rc" 0 "queue show A exits 0"
is "$(printf '%s\n' "$out" | grep -E '^(Queue ID|Status|Sender|Attempts|Recipient|    State):')" \
	"$(printf 'Queue ID: %s\nStatus: held (not delivered until released)\nSender: <alice@example.test>\nAttempts: 0\nRecipient: <bob@example.org>\n    State: pending\nRecipient: <carol@example.org>\n    State: pending' "$A")" \
	"queue show: envelope fields"
is "$(printf '%s\n' "$out" | grep -c '^Subject: first$'):$(printf '%s\n' "$out" | grep -c 'body A')" "1:0" \
	"queue show: the header section, not the body"
run "$RELAYQ" queue show --json "$B"
printf '%s\n' "$out" >"$T/show.json"
check "queue show --json: the object plus its headers" python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
assert r["id"] == sys.argv[2] and r["attempts"] == 1
assert "Subject: second\n" in r["headers"] and "body B" not in r["headers"]
' "$T/show.json" "$B"
run "$RELAYQ" queue show 0000000000
is "$rc:$err" "66:relayq: 0000000000: no such message in the queue (list the queue with mailq)" \
	"queue show of an unknown id: exit 66, named"

# ---- a message being delivered: refused, the others still done ---------------------------
nb=$(next_attempt "$B")
run flock -x "$Q/new/$B" "$RELAYQ" queue retry "$B" "$A"
is "$rc" 75 "retry while a flusher holds B: exit 75 (EX_TEMPFAIL)"
is "$err" "relayq: $B is being delivered right now; try again in a moment" "locked: clear message naming B"
is "$out" "$A: due now, but held: release it to send it" "locked: A still processed, told it is held"
is "$(next_attempt "$B")" "$nb" "locked: B unchanged"

run "$RELAYQ" queue hold 0000000000 "$A"
is "$rc" 66 "hold of an unknown id: exit 66 (EX_NOINPUT)"
is "$err:$out" "relayq: 0000000000: no such message in the queue (list the queue with mailq):$A: held (it already was)" \
	"unknown id named; A still processed"
run "$RELAYQ" queue hold
is "$rc" 64 "hold without ids or --all: usage error"

# ---- release → the next flush tries it ---------------------------------------------------------
run "$RELAYQ" -v queue release "$A"
is "$rc:$out" "0:$A: released" "release A: exit 0, echoed"
is "$err" "relayq: $A: released by the queue owner's request (uid $(id -u))" "release A: logged (stderr copy of the syslog line with -v)"
run mailq
case $out in *"$A!"*) not_ok "mailq: the '!' is gone" "$out" ;; *) ok "mailq: the '!' is gone" ;; esac
run "$FLUSH"
is "$rc:$(attempts "$A"):$(attempts "$B")" "75:1:1" "flush after release: A tried, B not due yet"

# ---- retry → due now ---------------------------------------------------------------------------------
before=$(date +%s)
run "$RELAYQ" queue retry "$B"
is "$rc:$out" "0:$B: due now" "retry B: exit 0, echoed"
nb=$(next_attempt "$B")
if [ "$nb" -ge "$before" ] && [ "$nb" -le "$(date +%s)" ]; then ok "retry: next attempt is now"; else not_ok "retry: next attempt is now" "$nb"; fi
run "$FLUSH"
is "$rc:$(attempts "$A"):$(attempts "$B")" "75:1:2" "flush after retry: B tried again, A not due"

# ---- --all ----------------------------------------------------------------------------------------------
run "$RELAYQ" queue hold --all
is "$rc:$out" "0:$(printf '%s: held\n%s: held' "$A" "$B")" "hold --all: both, in arrival order"
run "$RELAYQ" queue retry --all
run "$FLUSH" --force
is "$(attempts "$A"):$(attempts "$B")" "1:2" "flush --force: held messages still not tried"
run "$RELAYQ" queue release --all
is "$rc:$(grep -c '^flags.*held' "$Q/env/$A" "$Q/env/$B" | tr '\n' ' ')" "0:$Q/env/$A:0 $Q/env/$B:0 " "release --all: no held flag left"

# ---- damaged envelope ----------------------------------------------------------------------------------
C=0000000000
printf 'relayq-envelope 1\nid %s\n' "$C" >"$Q/env/$C"
printf 'Subject: torn\n\n' >"$Q/new/$C"
run mailq
case $out in *"$C  $OC(damaged envelope: refusing damaged envelope $Q/env/$C: truncated (no end line))"*) ok "mailq lists a damaged envelope as such" ;; *) not_ok "mailq lists a damaged envelope as such" "$out" ;; esac
run "$RELAYQ" queue --summary
is "$(printf '%s\n' "$out" | totals | sed -n 's/^\(messages\|damaged\): //p' | tr '\n' ' ')" "2 1 " "summary: 2 messages, 1 damaged"
run "$RELAYQ" queue --json
is "$(printf '%s\n' "$out" | python3 -c 'import json,sys; print([json.loads(l).get("damaged", False) for l in sys.stdin])')" \
	"[True, False, False]" "--json: the damaged one first (id order), flagged"
run "$RELAYQ" queue hold "$C"
is "$rc" 65 "hold of a damaged envelope: exit 65 (EX_DATAERR)"
run "$RELAYQ" queue delete "$C"
is "$rc:$out" "0:$C: deleted" "delete of a damaged envelope works"
is "$(ls "$Q/env" "$Q/new" | grep -c "$C")" 0 "damaged message gone (envelope and body)"

# ---- delete ----------------------------------------------------------------------------------------------------
run "$RELAYQ" queue delete "$A"
is "$rc:$out" "0:$A: deleted" "delete A"
is "$(ls "$Q/env" "$Q/new" | grep -c "$A")" 0 "A gone (envelope and body)"
run "$RELAYQ" queue delete --all
is "$rc:$out" "0:$B: deleted" "delete --all"
run mailq
is "$rc:$out" "0:Mail queue is empty" "mailq: empty again"
run "$RELAYQ" queue delete "$B"
is "$rc" 66 "delete of a deleted message: exit 66"

# ---- 10,000 messages -----------------------------------------------------------------------------------------
python3 - "$Q" <<'PY'
import os, sys
q = sys.argv[1]
alpha = "0123456789ABCDEFGHIJKLMNOPQRSTUV"
for i in range(10000):
    v, s = (1606039200 + i) << 15, ""
    for _ in range(10):
        s = alpha[v & 31] + s
        v >>= 5
    with open(os.path.join(q, "env", s), "w") as f:
        f.write("relayq-envelope 1\nid %s\ncreated %d\nsize 2048\nsender alice@example.test\n"
                "rcpt bob@example.org\nrcpt-state pending\nend\n" % (s, 1606039200 + i))
PY
t0=$(date +%s%N)
run mailq
t1=$(date +%s%N)
ms=$(( (t1 - t0) / 1000000 ))
is "$rc:$(printf '%s\n' "$out" | tail -n 1)" "0:-- 20000 Kbytes in 10000 Requests." "mailq: 10,000 messages listed"
diag "mailq listed 10,000 messages in $ms ms"
t0=$(date +%s%N)
run "$RELAYQ" queue --json
t1=$(date +%s%N)
is "$(printf '%s\n' "$out" | wc -l)" 10000 "queue --json: 10,000 lines"
diag "queue --json listed 10,000 messages in $(( (t1 - t0) / 1000000 )) ms"
if [ "$ms" -lt 5000 ]; then ok "10,000 messages list in under 5 s (measured: $ms ms)"; else not_ok "10,000 messages list in under 5 s" "$ms ms"; fi
