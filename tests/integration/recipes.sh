#!/bin/bash
# recipes.sh — every provider recipe in README.md loads: each fenced block
# after "<!-- recipe NAME config -->" is a configuration that
# `relayq -C FILE check` accepts, with the smarthost, TLS mode and
# from_address the recipe's text promises; its authinfo block (if any) is
# read by the same check and names the recipe's smarthost and port.  An
# OAuth2 recipe (oauth_provider) is checked with a stand-in token file in
# place of its oauth_token_file: the check reads it as relayq-flush would,
# and the keys the OAuth2 steps rely on are there (the trial refresh, which
# would go to the provider, is not run: RELAYQ_FLUSH=/bin/true).
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

is "$n" 7 "README.md has seven recipe configurations"
is "$(printf '%s\n' "$names" | grep -cE '^(gmail|gmail-oauth|microsoft365|microsoft365-oauth|fastmail|ses|mailgun)$')" 7 \
	"one for each of Gmail and Microsoft 365 (password, OAuth2), Fastmail, Amazon SES, Mailgun"

for name in $names; do
	conf=$T/$name.conf
	block "$name" config >"$conf"
	if [ -n "$(block "$name" authinfo)" ]; then
		block "$name" authinfo >"$T/$name.authinfo"
		chmod 600 "$T/$name.authinfo"
		sed -i "s|^authinfo .*|authinfo $T/$name.authinfo|" "$conf"
	fi
	if grep -q '^oauth_provider ' "$conf"; then
		printf 'version 1\nrefresh_token rt-stand-in\n' >"$T/$name.tokens"
		chmod 600 "$T/$name.tokens"
		sed -i "s|^oauth_token_file .*|oauth_token_file $T/$name.tokens|" "$conf"
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
	elif grep -q '^oauth_provider ' "$conf"; then
		# google: the code flow (no device endpoint); microsoft: the
		# device flow, both endpoints of one tenant.
		prov=$(sed -n 's/^oauth_provider //p' "$conf")
		tenant_ok=yes
		if [ "$prov" = microsoft ]; then
			t1=$(sed -n 's|^oauth_token_endpoint https://login.microsoftonline.com/\([^/]*\)/oauth2/v2.0/token$|\1|p' "$conf")
			t2=$(sed -n 's|^oauth_device_endpoint https://login.microsoftonline.com/\([^/]*\)/oauth2/v2.0/devicecode$|\1|p' "$conf")
			[ -n "$t1" ] && [ "$t1" = "$t2" ] || tenant_ok=no
		elif grep -q '^oauth_device_endpoint' "$conf"; then
			tenant_ok=no
		fi
		if grep -qF "oauth: $T/$name.tokens: refresh token present, permissions ok" "$T/$name.out" &&
		    grep -qE '^auth_user [^@ ]+@[^@ ]+$' "$conf" && grep -q '^oauth_client_id ' "$conf" &&
		    [ "$tenant_ok" = yes ] && [ -s "$T/$name.tokens" ] &&
		    block "$name" config | grep -q '^oauth_token_file /var/lib/relayq/oauth-token$'; then
			ok "$name: OAuth2 ($prov): auth_user, client id, the spool's token file; relayq check reads it"
		else
			not_ok "$name: OAuth2 ($prov): auth_user, client id, the spool's token file; relayq check reads it" "$(cat "$T/$name.out")"
		fi
	else
		check "$name: the credential comes from a command (auth_sources command)" \
			grep -q '^auth_sources command$' "$conf"
	fi
done
