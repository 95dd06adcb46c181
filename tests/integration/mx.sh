#!/bin/bash
# mx.sh — relayq-flush against a real DNS server: MX order and failover to
# the next MX, a name without MX falling back to its A record, NXDOMAIN
# keeping the mail queued, brackets making no MX query, failover between
# configured smarthosts, and which name TLS checks.
#
# Everything runs in private network, mount and pid namespaces: only `lo`
# exists, /etc/resolv.conf is a bind mount (visible to this namespace only)
# pointing at dnsmasq on 127.0.0.2:53, and the test smarthost (Postfix)
# listens on 127.0.0.1 inside the namespace.  Nothing reaches the host's
# resolver or network.  The script re-executes itself inside `unshare`.
#
# TLS: MX hosts here have their own names (mx1/mx2.example.test) while the
# test server's certificate is for localhost/127.0.0.1, and relayq checks
# the certificate against the MX host name (the name it connected to).  So
# the delivery tests pin the server certificate (tls_fingerprint), which
# makes the name irrelevant and keeps realistic MX names in the logs; two
# tests check the name itself: the CA-verified path fails for an MX named
# mx2.example.test and succeeds for an MX named localhost.

if [ -z "${RELAYQ_MX_INSIDE:-}" ]; then
	: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
	: "${top_builddir:=$top_srcdir}"
	export top_srcdir top_builddir
	why=
	PATH=$PATH:/usr/sbin:/sbin
	if [ "$(id -u)" -ne 0 ]; then
		why="the test smarthost (Postfix) and the namespaces need root"
	elif ! command -v unshare >/dev/null 2>&1; then
		why="unshare (util-linux) is not installed"
	elif ! command -v dnsmasq >/dev/null 2>&1; then
		why="dnsmasq is not installed (scripts/install-deps installs dnsmasq-base)"
	elif ! command -v ip >/dev/null 2>&1; then
		why="ip (iproute2) is not installed"
	elif ! unshare --net --mount --pid --fork --mount-proc true 2>/dev/null; then
		why="cannot create network/mount/pid namespaces here (unshare failed)"
	fi
	if [ -n "$why" ]; then
		. "$top_srcdir/tests/integration/lib.sh"
		skip_all "$why"
	fi
	# The namespace has no route out: unpack Postfix and Dovecot first.
	"$top_srcdir/tests/smarthost/fetch" >/dev/null 2>&1 || true
	RELAYQ_MX_INSIDE=1 PATH=$PATH exec unshare --net --mount --pid --fork --mount-proc \
		/bin/bash "$0" "$@"
	echo "Bail out! cannot exec unshare"
	exit 1
fi

. "$top_srcdir/tests/integration/lib.sh"

# ---- the namespace: lo, resolv.conf, dnsmasq ------------------------------
ip link set lo up || bail_out "cannot bring lo up in the namespace"
DNS=$T/dns
mkdir -p "$DNS"
printf 'nameserver 127.0.0.2\noptions timeout:1 attempts:1\n' >"$DNS/resolv.conf"
mount --bind "$DNS/resolv.conf" /etc/resolv.conf ||
	bail_out "cannot bind-mount a private /etc/resolv.conf"
QLOG=$DNS/queries.log
: >"$QLOG"
# The zone (example.test; everything else under test. is NXDOMAIN):
#   mail     MX 10 mx1, MX 20 mx2; A 127.0.0.1 (for the bracketed test)
#   mx1      A 127.0.0.3           (nothing listens there: refused)
#   mx2      A 127.0.0.1           (the test smarthost)
#   aonly    A 127.0.0.1, no MX
#   direct   MX 10 mx1 (dead); A 127.0.0.1: reachable only without MX
#   dead     A 127.0.0.3
#   local    MX 10 localhost (localhost comes from /etc/hosts)
dnsmasq --keep-in-foreground --no-resolv --no-hosts --bind-interfaces \
	--listen-address=127.0.0.2 --port=53 --local=/test/ --user=root \
	--pid-file="$DNS/dnsmasq.pid" --log-queries --log-facility="$QLOG" \
	--mx-host=mail.example.test,mx1.example.test,10 \
	--mx-host=mail.example.test,mx2.example.test,20 \
	--host-record=mail.example.test,127.0.0.1 \
	--host-record=mx1.example.test,127.0.0.3 \
	--host-record=mx2.example.test,127.0.0.1 \
	--host-record=aonly.example.test,127.0.0.1 \
	--mx-host=direct.example.test,mx1.example.test,10 \
	--host-record=direct.example.test,127.0.0.1 \
	--host-record=dead.example.test,127.0.0.3 \
	--mx-host=local.example.test,localhost,10 \
	2>"$DNS/dnsmasq.err" &
DNSMASQ_PID=$!
mx_cleanup() {
	kill "$DNSMASQ_PID" 2>/dev/null && wait "$DNSMASQ_PID" 2>/dev/null
}
mx_rc=0
trap 'mx_rc=$?; mx_cleanup; (exit $mx_rc); t_exit' EXIT

dns_up() { [ "$(getent hosts mx2.example.test 2>/dev/null | awk '{ print $1 }')" = 127.0.0.1 ]; }
n=50
until dns_up; do
	n=$((n - 1))
	[ "$n" -gt 0 ] || bail_out "dnsmasq did not answer: $(cat "$DNS/dnsmasq.err")"
	sleep 0.1
done

smarthost_start

plan 56

# Queue with -odq only; relayq-flush is run here, by hand.
relayq_setup
AUTHINFO=$CONF/authinfo
P=$SUBMISSION_PORT
PIN="tls_fingerprint $SERVER_CERT_SHA256"

# configure SMARTHOSTS [LINE...]: the config, and an authinfo line for
# every configured host name (authinfo matches the configured name, not
# the MX host).
configure() {
	local sh=$1 h
	shift
	{
		echo "domain example.test"
		echo "smarthost $sh"
		echo "connect_timeout 5"
		echo "authinfo $AUTHINFO"
		[ $# -gt 0 ] && printf '%s\n' "$@"
	} >"$CONF/config"
	: >"$AUTHINFO"
	chmod 600 "$AUTHINFO"
	for h in $(printf '%s\n' "$sh" | tr ', ' '\n\n' | sed -E 's/^\[?([^]:]+)\]?:.*/\1/'); do
		printf 'AuthInfo:%s:%s "U:%s" "P:%s"\n' "$h" "$P" "$TEST_USER" "$TEST_PASSWORD" >>"$AUTHINFO"
	done
}

# send SUBJECT: queue a message to bob (no flush).
send() {
	printf 'Subject: %s\nTo: bob@example.test\n\n%s body\n' "$1" "$1" | sendmail -t -odq
}
# flush [ARGS]: relayq-flush -v; its output in $OUT, exit code in $RC.
OUT=$T/flush.out
flush() {
	"$FLUSH" -v "$@" >"$OUT" 2>&1
	RC=$?
}
# The endpoints tried by the last flush, in order: the log's "connect to
# HOST[ADDR]:PORT: status=deferred" lines and -v's "connected to".
attempts() {
	sed -n -E -e 's/^relayq-flush: connected to ([^ ]+)$/\1 connected/p' \
		-e 's/^relayq-flush: connect to ([^ ]+\[[^]]+\]:[0-9]+): status=deferred .*/\1 failed/p' "$OUT" |
		tr '\n' '|'
}
queued() { ls "$Q/env" 2>/dev/null | wc -l; }
only_env() { cat "$Q/env/$(ls "$Q/env" | head -n 1)"; }
env_field() { only_env | sed -n "s/^$1 //p"; }
# delivered N SUBJECT: bob's Maildir holds N messages, the newest is SUBJECT.
BOB=0
delivered() {
	local files
	files=$(smarthost_wait_mail bob "$1" 20 2>&1) || { echo "only: $files"; return; }
	[ "$(printf '%s\n' "$files" | wc -l)" -eq "$1" ] || { echo "too many: $files"; return; }
	sed -n 's/^Subject: //p' "$(printf '%s\n' "$files" | tail -n 1)"
}
# DNS queries (type and name, AAAA left out: its order against A is the
# resolver's business) since the last dns_mark; a sentinel query makes
# sure dnsmasq has written everything before it to its log.
MARK=0
SENTINEL=0
dns_mark() { MARK=$(wc -l <"$QLOG"); }
dns_queries() {
	local n=50
	SENTINEL=$((SENTINEL + 1))
	getent hosts "sentinel-$SENTINEL.example.test" >/dev/null
	until grep -q "query\[[A-Z]*\] sentinel-$SENTINEL\.example\.test " "$QLOG"; do
		n=$((n - 1))
		[ "$n" -gt 0 ] || break
		sleep 0.1
	done
	tail -n +"$((MARK + 1))" "$QLOG" | grep -v sentinel |
		sed -n -E 's/.*query\[(MX|A)\] ([^ ]+) from .*/\1 \2/p' | tr '\n' '|'
}

# ---- MX with two preferences, the better one dead --------------------------
configure "mail.example.test:$P" "$PIN"
send "mx-pref"
is "$?" 0 "mx: sendmail -odq queues the message"
dns_mark
flush
is "$RC" 0 "mx: relayq-flush exits 0"
is "$(attempts)" "mx1.example.test[127.0.0.3]:$P failed|mx2.example.test[127.0.0.1]:$P connected|" \
	"mx: preference 10 (dead) tried first, then preference 20"
is "$(grep -c "^relayq-flush: connect to mx1\.example\.test\[127\.0\.0\.3\]:$P: status=deferred (4\.4\.1 cannot connect to mx1\.example\.test\[127\.0\.0\.3\]:$P: connection refused" "$OUT")" 1 \
	"mx: the log names the refused MX host, its address and the cause"
is "$(grep -c "^relayq-flush: [A-Z0-9]*: to=<bob@example\.test>, relay=mx2\.example\.test\[127\.0\.0\.1\]:$P, delay=[0-9.]*, status=sent (250 2\.0\.0 Ok: queued as " "$OUT")" 1 \
	"mx: the log says sent through mx2.example.test"
is "$(grep -c "TLS with mx2\.example\.test\[127\.0\.0\.1\]:$P: .* pinned$" "$OUT")" 1 \
	"mx: TLS to the MX host, certificate accepted by its pinned fingerprint"
BOB=$((BOB + 1))
is "$(delivered $BOB)" "mx-pref" "mx: the message is in bob's Maildir"
is "$(queued)" 0 "mx: the queue is empty"
is "$(dns_queries)" "MX mail.example.test|A mx1.example.test|A mx2.example.test|" \
	"mx: one MX query, then the MX hosts' addresses in preference order"

# ---- a name without MX: its A record ----------------------------------------
configure "aonly.example.test:$P" "$PIN"
send "a-only"
dns_mark
flush
is "$RC" 0 "no MX: relayq-flush exits 0"
is "$(attempts)" "aonly.example.test[127.0.0.1]:$P connected|" "no MX: the name's own address is used"
BOB=$((BOB + 1))
is "$(delivered $BOB)" "a-only" "no MX: delivered"
is "$(queued)" 0 "no MX: the queue is empty"
is "$(dns_queries)" "MX aonly.example.test|A aonly.example.test|" "no MX: MX asked first (empty answer), then A"

# ---- NXDOMAIN: a configuration problem; the mail stays queued --------------
configure "nosuch.example.test:$P" "$PIN"
send "nxdomain"
dns_mark
flush
is "$RC" 78 "NXDOMAIN: relayq-flush exits 78 (EX_CONFIG: the configured smarthost does not exist), mail kept"
is "$(grep -c 'no such host: nosuch\.example\.test' "$OUT")" 2 \
	"NXDOMAIN: the log and the delivery status name the host"
is "$(grep -c '^relayq-flush: 1 due, 0 sent, 1 deferred, 0 bounced' "$OUT")" 1 "NXDOMAIN: summary: deferred, not bounced"
is "$(queued)" 1 "NXDOMAIN: the message stays queued, and no bounce was queued"
is "$(only_env | grep -c '^rcpt-state pending$')" 1 "NXDOMAIN: the recipient is still pending"
case $(env_field last-error) in
*"no such host: nosuch.example.test"*) ok "NXDOMAIN: the envelope's last error names the host" ;;
*) not_ok "NXDOMAIN: the envelope's last error names the host" "$(only_env)" ;;
esac
is "$(env_field attempts)" 1 "NXDOMAIN: one attempt recorded"
if [ "$(env_field next-attempt)" -gt "$(date +%s)" ]; then
	ok "NXDOMAIN: a retry is scheduled"
else
	not_ok "NXDOMAIN: a retry is scheduled" "$(only_env)"
fi
is "$(dns_queries)" "MX nosuch.example.test|" "NXDOMAIN: no address lookup after the MX answer said the name does not exist"
configure "mail.example.test:$P" "$PIN"
flush --force
is "$RC" 0 "NXDOMAIN: once the smarthost is fixed, relayq-flush --force exits 0"
BOB=$((BOB + 1))
is "$(delivered $BOB)" "nxdomain" "NXDOMAIN: the kept message is delivered after the fix"
is "$(queued)" 0 "NXDOMAIN: the queue is empty after the fix"

# ---- brackets: no MX query ------------------------------------------------
# direct.example.test has an MX (mx1, dead) and an A record (the server).
configure "direct.example.test:$P" "$PIN"
send "bracketed"
dns_mark
flush
is "$RC" 75 "unbracketed direct.example.test: its only MX is dead: exit 75"
is "$(attempts)" "mx1.example.test[127.0.0.3]:$P failed|" \
	"unbracketed: the MX is used and the name's own A record is not (RFC 5321 5.1)"
is "$(queued)" 1 "unbracketed: the message stays queued"
is "$(dns_queries)" "MX direct.example.test|A mx1.example.test|" "unbracketed: MX query, then the MX host"
configure "[direct.example.test]:$P" "$PIN"
dns_mark
flush --force
is "$RC" 0 "[direct.example.test]: relayq-flush exits 0"
is "$(attempts)" "direct.example.test[127.0.0.1]:$P connected|" "[direct.example.test]: its own address, the MX ignored"
BOB=$((BOB + 1))
is "$(delivered $BOB)" "bracketed" "[direct.example.test]: delivered"
is "$(queued)" 0 "[direct.example.test]: the queue is empty"
is "$(dns_queries)" "A direct.example.test|" "[direct.example.test]: no MX query at all, one A query"
is "$(tail -n +"$((MARK + 1))" "$QLOG" | grep -c 'query\[MX\]')" 0 "[direct.example.test]: dnsmasq saw zero MX queries"

# ---- two smarthosts, the first unreachable -------------------------------
configure "[dead.example.test]:$P, mail.example.test:$P" "$PIN"
send "failover"
dns_mark
flush
is "$RC" 0 "two smarthosts: relayq-flush exits 0"
is "$(attempts)" "dead.example.test[127.0.0.3]:$P failed|mx1.example.test[127.0.0.3]:$P failed|mx2.example.test[127.0.0.1]:$P connected|" \
	"two smarthosts: the first, then the second's MX hosts in order"
is "$(grep -c "^relayq-flush: password from authinfo $AUTHINFO line 2$" "$OUT")" 1 \
	"two smarthosts: credentials of the second smarthost's configured name"
BOB=$((BOB + 1))
is "$(delivered $BOB)" "failover" "two smarthosts: delivered through the second"
is "$(queued)" 0 "two smarthosts: the queue is empty"
is "$(dns_queries)" "A dead.example.test|MX mail.example.test|A mx1.example.test|A mx2.example.test|" \
	"two smarthosts: resolved in configured order, no MX for the bracketed one"

# The first one does not even resolve.
configure "nosuch.example.test:$P, aonly.example.test:$P" "$PIN"
send "failover-nx"
flush
is "$RC" 0 "first smarthost NXDOMAIN: relayq-flush exits 0"
is "$(grep -c "^relayq-flush: smarthost nosuch\.example\.test:$P skipped: no such host: nosuch\.example\.test$" "$OUT")" 1 \
	"first smarthost NXDOMAIN: a warning names it as skipped"
is "$(attempts)" "aonly.example.test[127.0.0.1]:$P connected|" "first smarthost NXDOMAIN: the second one is used"
BOB=$((BOB + 1))
is "$(delivered $BOB)" "failover-nx" "first smarthost NXDOMAIN: delivered"

# Both unreachable: kept, deferred.
configure "[dead.example.test]:$P, direct.example.test:$P" "$PIN"
send "both-dead"
flush
is "$RC" 75 "both smarthosts unreachable: exit 75"
is "$(attempts)" "dead.example.test[127.0.0.3]:$P failed|mx1.example.test[127.0.0.3]:$P failed|" \
	"both smarthosts unreachable: each endpoint tried once, in order"
is "$(queued)" 1 "both smarthosts unreachable: the message stays queued"

# ---- which name TLS checks: the MX host's ------------------------------------
# No pin, the test CA: mx2.example.test does not match the certificate
# (localhost, 127.0.0.1), so nothing is sent and the error names mx2.
configure "mail.example.test:$P" "tls_trust_file $CA_FILE"
flush --force
is "$RC" 75 "CA only, MX host mx2.example.test: the certificate does not match: exit 75"
is "$(grep -c "^relayq-flush: connect to mx2\.example\.test\[127\.0\.0\.1\]:$P: status=deferred .*mx2\.example\.test" "$OUT")" 1 \
	"CA only: the TLS error names the MX host mx2.example.test"
is "$(queued)" 1 "CA only, wrong name: still queued"
# local.example.test has MX 10 localhost: the name the certificate holds.
configure "local.example.test:$P" "tls_trust_file $CA_FILE" "ip_family ipv4"
flush --force
is "$RC" 0 "CA only, MX host localhost: exits 0"
is "$(grep -c "^relayq-flush: TLS with localhost\[127\.0\.0\.1\]:$P: .* verified$" "$OUT")" 1 \
	"CA only, MX host localhost: the certificate is verified against the MX host name"
BOB=$((BOB + 1))
is "$(delivered $BOB)" "both-dead" "CA only, MX host localhost: delivered"
is "$(queued)" 0 "CA only, MX host localhost: the queue is empty"
