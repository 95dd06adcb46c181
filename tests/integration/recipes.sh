#!/bin/bash
# recipes.sh — every provider recipe in README.md loads: each fenced block
# after "<!-- recipe NAME config -->" is a configuration that
# `relayq -C FILE check` accepts, with the smarthost, TLS mode and
# from_address the recipe's text promises; its authinfo block (if any) is
# read by the same check and names the recipe's smarthost and port.
. "$(dirname "$0")/lib.sh"

RELAYQ=$top_builddir/src/relayq
README=$top_srcdir/README.md
export RELAYQ_NO_SYSLOG=1 RELAYQ_FLUSH=/bin/true

# block NAME KIND: the fenced block after "<!-- recipe NAME KIND -->".
block() {
	awk -v tag="<!-- recipe $1 $2 -->" '
		$0 == tag { want = 1; next }
		want && /^```/ { if (inb) exit; inb = 1; next }
		inb { print }' "$README"
}
names=$(sed -n 's/^<!-- recipe \([a-z0-9-]*\) config -->$/\1/p' "$README")
n=$(printf '%s\n' "$names" | grep -c .)
plan $((2 + n * 4))

is "$n" 6 "README.md has six recipe configurations"
is "$(printf '%s\n' "$names" | grep -cE '^(gmail|microsoft365|fastmail|ses|mailgun)$')" 5 \
	"one for each of Gmail, Microsoft 365, Fastmail, Amazon SES, Mailgun"

for name in $names; do
	conf=$T/$name.conf
	block "$name" config >"$conf"
	if [ -n "$(block "$name" authinfo)" ]; then
		block "$name" authinfo >"$T/$name.authinfo"
		chmod 600 "$T/$name.authinfo"
		sed -i "s|^authinfo .*|authinfo $T/$name.authinfo|" "$conf"
	fi
	"$RELAYQ" -C "$conf" check >"$T/$name.out" 2>&1
	rc=$?
	is "$rc" 0 "$name: relayq -C FILE check accepts the recipe" || diag "$(cat "$T/$name.out")"
	host=$(sed -n 's/^smarthost \[\([^]]*\)\]:\([0-9]*\)$/\1/p' "$conf")
	port=$(sed -n 's/^smarthost \[\([^]]*\)\]:\([0-9]*\)$/\2/p' "$conf")
	mode=$(sed -n 's/^tls //p' "$conf")
	check "$name: the check reads smarthost $host port $port, TLS ${mode:-auto}" \
		grep -qF "smarthost: $host port $port, TLS ${mode:-auto}, no MX lookup" "$T/$name.out"
	check "$name: from_address sets the one sender the provider accepts" \
		grep -qE '^from_address [^@ ]+@[^@ ]+$' "$conf"
	if [ -f "$T/$name.authinfo" ]; then
		if grep -qF "authinfo: $T/$name.authinfo: 1 entries, permissions ok" "$T/$name.out" &&
		    grep -q "^AuthInfo:$host:$port " "$T/$name.authinfo"; then
			ok "$name: its authinfo line parses and names $host:$port"
		else
			not_ok "$name: its authinfo line parses and names $host:$port" "$(cat "$T/$name.out" "$T/$name.authinfo")"
		fi
	else
		check "$name: the credential comes from a command (auth_sources command)" \
			grep -q '^auth_sources command$' "$conf"
	fi
done
