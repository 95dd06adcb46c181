# common.sh — sourced by tests/integration/callers*.sh after lib.sh and
# smarthost_start: a `sendmail` symlink to the built relayq in $BIN, a
# user config that relays through the test smarthost with alice's
# password, the real background flush, and helpers to read Maildirs.

RELAYQ=$top_builddir/src/relayq
CALLERS_DATA=$top_srcdir/tests/data/callers
BIN=$T/bin
mkdir -p "$BIN"
for n in sendmail mailq; do ln -s "$RELAYQ" "$BIN/$n"; done
# The front end starts the real relayq-flush after queueing, detached, as
# for any caller; this wrapper only keeps its -v transcript in $T/flush.log
# (shown when a test fails).
printf '#!/bin/sh\necho "== $(date +%%T.%%N) relayq-flush $*" >>%s\nexec %s -v "$@" >>%s 2>&1\n' \
	"$T/flush.log" "$top_builddir/src/relayq-flush" "$T/flush.log" >"$BIN/relayq-flush"
chmod 755 "$BIN/relayq-flush"
export RELAYQ_FLUSH=$BIN/relayq-flush RELAYQ_NO_SYSLOG=1 PATH=$BIN:$PATH
Q=$XDG_STATE_HOME/relayq
CONF=$XDG_CONFIG_HOME/relayq
mkdir -p "$CONF"
cat >"$CONF/config" <<EOF
domain example.test
smarthost [127.0.0.1]:$SUBMISSION_PORT
tls_trust_file $CA_FILE
authinfo $CONF/authinfo
EOF
printf 'AuthInfo:127.0.0.1:%s "U:%s" "P:%s"\n' "$SUBMISSION_PORT" "$TEST_USER" "$TEST_PASSWORD" >"$CONF/authinfo"
chmod 600 "$CONF/authinfo"

queued() { ls "$Q/env" 2>/dev/null | wc -l; }
maildir_count() { find "$MAILDIR_ROOT/$1/new" -type f 2>/dev/null | wc -l; }
# first_mail USER [TIMEOUT]: path of USER's first delivered message (or "").
first_mail() { smarthost_wait_mail "$1" 1 "${2:-20}" 2>/dev/null | head -n 1; }
# wait_queue_empty [SECONDS]: until the background flush has emptied the queue.
wait_queue_empty() {
	local n=$((${1:-20} * 10))
	while [ "$n" -gt 0 ]; do
		[ "$(queued)" -eq 0 ] && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}
# The delivered copy without the lines the smarthost and relayq prepend
# (Return-Path, X-Original-To, Delivered-To, the Received blocks).
delivered_body() {
	awk 'BEGIN{skip=1} skip && /^(Return-Path|X-Original-To|Delivered-To):/ {next}
	     skip && /^Received: / {inrecv=1; next}
	     inrecv && /^[ \t]/ {next}
	     {inrecv=0; skip=0; print}' "$1"
}
# msg FILE WHAT [ARG]: one fact about a delivered message (see msgcheck.py).
msg() { python3 "$CALLERS_DATA/msgcheck.py" "$@"; }
# total GLOB: messages delivered to all Maildirs matching GLOB.
total() { find "$MAILDIR_ROOT"/$1/new -type f 2>/dev/null | wc -l; }
# wait_total GLOB N [SECONDS]: until total GLOB reaches N.
wait_total() {
	local n=$((${3:-20} * 10))
	while [ "$n" -gt 0 ]; do
		[ "$(total "$1")" -ge "$2" ] && return 0
		sleep 0.1
		n=$((n - 1))
	done
	return 1
}
# elapsed START: seconds since START (a `date +%s.%N` value).
elapsed() { awk -v s="$1" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }'; }
