#!/bin/bash
# oauth-spool.sh — OAuth2 where mail goes through the system spool (issue
# 11): the system configuration (at $(sysconfdir)/relayq.conf, bind-mounted
# in a private mount namespace as machine.sh does) sets OAuth2 with root's
# token file (oauth_token_file), which root's relayq-flush --all-users
# reads.  Checked, as an admin expects it: root's `relayq check` shows that
# file's state and refreshes it (the rotated refresh token stored there);
# root's `relayq check --connect` authenticates with it; a spool user
# (nobody) is told that root's run keeps the token, tries no refresh and
# cannot touch root's file; without oauth_token_file, root's check says
# that --all-users needs it (exit 78) and --connect fails at AUTH with the
# same message.  No token in any output.

# A private mount namespace, so that the test configuration can sit where
# the build looks for the system one; entered before lib.sh makes $T.
if [ "$(id -u)" -eq 0 ] && [ -z "${RELAYQ_MACHINE_NS:-}" ] &&
	command -v unshare >/dev/null 2>&1; then
	RELAYQ_MACHINE_NS=1 exec unshare -m --propagation private "$0" "$@"
fi
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || skip_all "the spool and a second user need root"
[ -n "${RELAYQ_MACHINE_NS:-}" ] || skip_all "unshare (util-linux) is missing"
grep -q '^#define HAVE_OAUTH 1' "$top_builddir/config.h" 2>/dev/null ||
	skip_all "built without OAuth2 support (configure --with-oauth)"
for c in setpriv curl python3; do
	command -v "$c" >/dev/null 2>&1 || skip_all "$c is missing"
done
mkvar() { sed -n "s/^$1 = //p" "$top_builddir/Makefile"; }
prefix=$(mkvar prefix)
# shellcheck disable=SC2034
exec_prefix=$(eval echo "$(mkvar exec_prefix)")
SYSCONFDIR=$(eval echo "$(mkvar sysconfdir)")
[ -d "$SYSCONFDIR" ] || skip_all "$SYSCONFDIR (the configured sysconfdir) does not exist"

. "$top_srcdir/tests/data/oauth/authserver.sh"
N=
trap 'authserver_stop; [ -n "$N" ] && [ "$t_failed" -eq 0 ] && rm -rf "$N"; t_exit' EXIT
AS_DIR=$T/authserver
authserver_start "$AS_DIR"
AS=$AS_URL

smarthost_start --oauth "$AS/introspect"
plan 18

RELAYQ=$top_builddir/src/relayq
FLUSH=$top_builddir/src/relayq-flush
export RELAYQ_NO_SYSLOG=1 RELAYQ_FLUSH=$FLUSH
unset JOURNAL_STREAM
OUT=$T/out
mkdir -p "$OUT"
stat_of() { curl -sS "$AS/admin/stats" | python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }
# as_nobody CMD...: the spool user, without root's environment.
as_nobody() {
	env -u XDG_STATE_HOME -u XDG_CONFIG_HOME -u XDG_DATA_HOME -u XDG_CACHE_HOME \
		-u XDG_RUNTIME_DIR HOME=/nonexistent \
		setpriv --reuid=65534 --regid="$(id -g 65534)" --clear-groups "$@"
}

N=$(mktemp -d /tmp/relayq-oauthspool.XXXXXX) || bail_out "cannot create a directory under /tmp"
chmod 755 "$N"
mkdir -m 1733 "$N/spool"
mkdir -m 700 "$N/state"
cp "$CA_FILE" "$N/ca.pem" && chmod 644 "$N/ca.pem"
ETC=$N/etc
mkdir -m 755 "$ETC"
printf 'relayq-test-client-secret\n' >"$ETC/client-secret"
chmod 600 "$ETC/client-secret"
TOKENS=$N/state/oauth-token
write_conf() {
	{
		echo "domain example.test"
		echo "smarthost [127.0.0.1]:$SUBMISSION_PORT"
		echo "tls_trust_file $N/ca.pem"
		echo "spool_dir $N/spool"
		echo "auth_user $TEST_USER"
		echo "oauth_provider custom"
		echo "oauth_token_endpoint $AS/token"
		echo "oauth_client_id relayq-test-client"
		echo "oauth_client_secret_file $ETC/client-secret"
		echo "oauth_scope smtp"
		printf '%s\n' "$@"
	} >"$ETC/relayq.conf"
	chmod 644 "$ETC/relayq.conf"
}
write_conf "oauth_token_file $TOKENS"
mount --bind "$ETC" "$SYSCONFDIR" || bail_out "cannot bind $ETC over $SYSCONFDIR"
# Root's tokens, as relayq oauth setup (as root) would have stored them.
grant=$(curl -sS --fail -X POST "$AS/admin/grant" --data "user=$TEST_USER") ||
	bail_out "no grant from the authorization server"
printf '%s' "$grant" | python3 -c 'import json,sys; g=json.load(sys.stdin); print("version 1\nrefresh_token %s\naccess_token %s\nexpires 1" % (g["refresh_token"], g["access_token"]))' >"$TOKENS"
chmod 600 "$TOKENS"
SEEN=$T/seen-tokens
sed -n 's/^refresh_token //p; s/^access_token //p' "$TOKENS" >"$SEEN"
R0=$(sed -n 's/^refresh_token //p' "$TOKENS")

# ---- root: the token file of the spool run, refreshed by relayq check -------------
"$RELAYQ" check >"$OUT/root" 2>&1
is "$?" 0 "root's relayq check: exit 0"
check "root's relayq check: the spool route" grep -q "^route: spool queue $N/spool/0, delivered by root's relayq-flush --all-users" "$OUT/root"
check "root's relayq check: the state of oauth_token_file" grep -q "^oauth: $TOKENS: refresh token present, permissions ok" "$OUT/root"
check "root's relayq check: a trial refresh, the rotated refresh token stored in oauth_token_file" \
	grep -Eq "^oauth: trial refresh at $AS/token: ok, the new access token expires in [0-9]+ s; the rotated refresh token is stored in $TOKENS\$" "$OUT/root"
is "$(stat_of refreshes)" 1 "root's relayq check: one token request"
R1=$(sed -n 's/^refresh_token //p' "$TOKENS")
check "root's relayq check: oauth_token_file holds the new refresh token" test -n "$R1" -a "$R1" != "$R0"
sed -n 's/^refresh_token //p; s/^access_token //p' "$TOKENS" >>"$SEEN"
"$RELAYQ" check --connect >"$OUT/root-c" 2>&1
is "$?" 0 "root's relayq check --connect: exit 0"
check "root's relayq check --connect: AUTH with the token from oauth_token_file" \
	grep -Eq "^AUTH: ok: (OAUTHBEARER|XOAUTH2) with OAuth2 access token from $TOKENS " "$OUT/root-c"

# ---- a spool user: root's token, nothing to try ------------------------------------
cp "$TOKENS" "$T/tokens-before"
before=$(stat_of refreshes)
as_nobody "$RELAYQ" check >"$OUT/nobody" 2>&1
check "a spool user's relayq check: says that root's run keeps the token" \
	grep -q "^oauth: root's relayq-flush --all-users keeps and refreshes the OAuth2 token; run relayq check as root" "$OUT/nobody"
check "a spool user's relayq check: no trial refresh" sh -c "! grep -q 'trial refresh' '$OUT/nobody'"
as_nobody "$FLUSH" --oauth-check >"$OUT/nobody-oc" 2>&1
is "$?" 0 "a spool user's relayq-flush --oauth-check: exit 0 (skipped)"
check "a spool user's relayq-flush --oauth-check: says why it skipped" \
	grep -q "^oauth: trial refresh skipped: root's relayq-flush --all-users refreshes the OAuth2 token for the spool; run relayq check as root" "$OUT/nobody-oc"
as_nobody "$RELAYQ" check --connect >"$OUT/nobody-c" 2>&1
check "a spool user's relayq check --connect: says that only root can use the token, also as AUTH's fix" \
	sh -c "grep -q \"^oauth: root's relayq-flush --all-users reads and refreshes the OAuth2 token (oauth_token_file), which uid 65534 cannot: run relayq check --connect as root\" '$OUT/nobody-c' &&
	    grep -q \"^  fix: only root's relayq-flush --all-users can use the OAuth2 token\" '$OUT/nobody-c'"
check "a spool user: root's token file untouched, no token request" \
	sh -c "cmp -s '$TOKENS' '$T/tokens-before' && [ \"\$(curl -sS '$AS/admin/stats' | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"refreshes\"])')\" = $before ]"

# ---- root without oauth_token_file: --all-users could not deliver ------------------
write_conf
"$RELAYQ" check >"$OUT/root-nofile" 2>&1
is "$?" 78 "root's relayq check without oauth_token_file: exit 78"
check "root's relayq check without oauth_token_file: says that --all-users needs it" \
	grep -q "^oauth: relayq-flush --all-users needs oauth_token_file in the system configuration" "$OUT/root-nofile"
"$RELAYQ" check --connect >"$OUT/root-nofile-c" 2>&1
check "root's relayq check --connect without oauth_token_file: AUTH FAILED, naming oauth_token_file" \
	grep -q "^AUTH: FAILED: .*relayq-flush --all-users needs oauth_token_file" "$OUT/root-nofile-c"

leaks=$(grep -rlF -f "$SEEN" "$OUT" "$N/spool" "$AS_DIR/log" 2>/dev/null)
is "$leaks" "" "no token in any output, the spool or the server log"
