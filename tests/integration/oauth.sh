#!/bin/bash
# oauth.sh — OAuth2 end to end: relayq-flush keeps its own tokens.  A test
# authorization server (tests/data/oauth/authserver) issues, rotates and
# revokes tokens; the bundled smarthost's Dovecot validates them with its
# oauth2 passdb against that server's introspection endpoint.  Checked: a
# message delivered with a cached access token; a token within the 60 s
# margin and an expired one refreshed before delivery; the rotated refresh
# token stored and used (the old one is dead at the server); a revoked
# grant reported as a configuration error that names the fix, the mail
# kept queued and never bounced; no token in any output, -v transcript,
# mailq or the queue.  The tokens come from `relayq oauth setup` (device
# authorization grant, RFC 8628), denied once, then approved; the
# authorization-code flow with PKCE is set up against the same server.
. "$(dirname "$0")/lib.sh"

grep -q '^#define HAVE_OAUTH 1' "$top_builddir/config.h" 2>/dev/null ||
	skip_all "built without OAuth2 support (configure --with-oauth)"
command -v faketime >/dev/null 2>&1 || skip_all "faketime is not installed (scripts/install-deps)"
command -v curl >/dev/null 2>&1 || skip_all "curl is not installed (scripts/install-deps)"

# The authorization servers, stopped on exit before lib.sh's cleanup.
. "$top_srcdir/tests/data/oauth/authserver.sh"
N=
trap 'authserver_stop; [ -n "$N" ] && [ "$t_failed" -eq 0 ] && rm -rf "$N"; t_exit' EXIT
AS_DIR=$T/authserver
authserver_start "$AS_DIR"
AS=$AS_URL

smarthost_start --oauth "$AS/introspect"
plan 99

RELAYQ=$top_builddir/src/relayq
FLUSH=$top_builddir/src/relayq-flush
BIN=$T/bin
mkdir -p "$BIN"
for n in sendmail mailq relayq; do ln -s "$RELAYQ" "$BIN/$n"; done
export PATH=$BIN:$PATH RELAYQ_NO_SYSLOG=1 RELAYQ_FLUSH=/bin/true
Q=$XDG_STATE_HOME/relayq
CONF=$XDG_CONFIG_HOME/relayq
TOKENS=$Q/oauth-token
OUT=$T/out
mkdir -p "$CONF" "$OUT"
chmod 700 "$CONF"

# faketime preloads its library ahead of a sanitizer build's ASan runtime.
ft() { ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" faketime "$@"; }
admin() { curl -sS --fail -X POST "$AS/admin/$1" --data "$2"; }
stat_of() { curl -sS "$AS/admin/stats" | python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }
field() { sed -n "s/^$1 //p" "$TOKENS"; }
queued() { ls "$Q/env" 2>/dev/null | wc -l; }
maildir_count() { find "$MAILDIR_ROOT/$1/new" -type f 2>/dev/null | wc -l; }
send() { printf 'From: alice@example.test\nTo: %s@example.test\nSubject: %s\n\nbody\n' "$1" "$2" | sendmail -t -i; }
# Every token value the server ever gave us, to look for in the outputs.
SEEN=$T/seen-tokens
remember() { { field refresh_token; field access_token; } >>"$SEEN"; }

printf 'relayq-test-client-secret\n' >"$CONF/client-secret"
chmod 600 "$CONF/client-secret"
{
	echo "domain example.test"
	echo "smarthost [127.0.0.1]:$SUBMISSION_PORT"
	echo "tls_trust_file $CA_FILE"
	echo "auth_user $TEST_USER"
	echo "oauth_provider custom"
	echo "oauth_token_endpoint $AS/token"
	echo "oauth_device_endpoint $AS/device"
	echo "oauth_client_id relayq-test-client"
	echo "oauth_client_secret_file $CONF/client-secret"
	echo "oauth_scope smtp"
	echo 'on_failure printf "%s|%s|%s\n" "$RELAYQ_EVENT" "$RELAYQ_QUEUE_ID" "$RELAYQ_REASON" >>'"$T/onfail"
} >"$CONF/config"

# ---- relayq oauth setup: the device authorization grant ---------------------------
# setup_run STATE: runs relayq oauth setup, waits for the code it prints,
# approves or denies it at the server as the admin's browser would.
setup_run() {
	local out=$OUT/setup-$1 code i
	RELAYQ_FLUSH=$FLUSH relayq oauth setup >"$out" 2>&1 &
	local pid=$!
	for i in $(seq 300); do
		code=$(sed -n 's/.* enter the code \([0-9-]*\)$/\1/p' "$out")
		[ -n "$code" ] && break
		sleep 0.1
	done
	if [ -n "$code" ]; then
		admin "$1" "user_code=$code&user=$TEST_USER" >/dev/null
	else
		kill "$pid"
	fi
	wait "$pid"
}
# The first access token expires in 30 s: within the 60 s margin, so the
# first delivery must refresh it first.
admin set "lifetime=30" >/dev/null
send bob "queued before the setup"
relayq check >"$OUT/check-0" 2>&1
check "relayq check before the setup: no refresh token, run the setup" \
	grep -q "^oauth: no refresh token in $TOKENS; run relayq oauth setup" "$OUT/check-0"
setup_run deny
is "$?" 77 "setup denied: exit 77 (EX_NOPERM)"
check "setup denied: says so and what to do" grep -q 'not given (access_denied); run relayq oauth setup again' "$OUT/setup-deny"
check "setup denied: no token file" test ! -e "$TOKENS"
setup_run approve
is "$?" 0 "setup approved: exit 0"
check "setup printed the verification URL" grep -q "open $AS/device in any browser" "$OUT/setup-approve"
check "setup stored the tokens" grep -q "^Authorized: the tokens are stored in $TOKENS" "$OUT/setup-approve"
is "$(stat -c %a "$TOKENS" 2>/dev/null)" 600 "the token file is mode 600"
admin set "lifetime=3600" >/dev/null
R1=$(field refresh_token)
A1=$(field access_token)
printf '%s\n%s\n' "$R1" "$A1" >"$SEEN"

# ---- relayq oauth setup: the authorization-code flow with PKCE (paste-back) ------
# code_run EXTRA: runs the setup with another configuration (no device
# endpoint), "opens" the printed URL (user=alice plus EXTRA, in place of
# signing in) and pastes the address the browser is sent to.
CODECONF=$CONF/code.conf
CODETOKENS=$T/code-tokens
sed -e '/^oauth_device_endpoint/d' "$CONF/config" >"$CODECONF"
echo "oauth_auth_endpoint $AS/authorize" >>"$CODECONF"
echo "oauth_token_file $CODETOKENS" >>"$CODECONF"
code_run() {
	local out=$OUT/code-$1 fifo=$T/paste url i
	rm -f "$fifo"
	mkfifo "$fifo"
	RELAYQ_FLUSH=$FLUSH relayq -C "$CODECONF" oauth setup <"$fifo" >"$out" 2>&1 &
	local pid=$!
	exec 7>"$fifo"
	for i in $(seq 300); do
		url=$(grep "^$AS/authorize?" "$out")
		[ -n "$url" ] && break
		sleep 0.1
	done
	case $1 in
	garbage) echo "http://localhost:1/?nothing=here" >&7 ;;
	*) curl -sS -o /dev/null -w '%{redirect_url}\n' "$url&user=$TEST_USER$2" >&7 ;;
	esac
	exec 7>&-
	wait "$pid"
}
code_run deny "&deny=1"
is "$?" 77 "code flow denied: exit 77"
check "code flow denied: says so" grep -q 'not given (access_denied)' "$OUT/code-deny"
code_run garbage
is "$?" 65 "code flow, a pasted address without a code: exit 65"
code_run ok
is "$?" 0 "code flow: exit 0 (the server checked the S256 challenge)"
check "code flow: the URL carries the PKCE challenge and the redirect URI" \
	grep -q "code_challenge_method=S256.*access_type=offline" "$OUT/code-ok"
check "code flow: the tokens are stored" grep -q "^refresh_token rt" "$CODETOKENS"
is "$(stat -c %a "$CODETOKENS" 2>/dev/null)" 600 "code flow: the token file is mode 600"
{ sed -n 's/^refresh_token //p; s/^access_token //p' "$CODETOKENS"; } >>"$SEEN"

# ---- 1: refreshed within the margin, rotated, delivered -------------------------
# LD_DEBUG=files: the loader logs every library it maps, at start and by
# dlopen() (to $OUT/ld-1.PID), for the checks of libcurl and json-c below.
LD_DEBUG=files LD_DEBUG_OUTPUT=$OUT/ld-1 "$FLUSH" -v >"$OUT/1" 2>&1
is "$?" 0 "near expiry: relayq-flush exits 0"
is "$(queued)" 0 "near expiry: the message left the queue"
is "$(smarthost_wait_mail bob 1 | wc -l)" 1 "near expiry: bob received it"
is "$(stat_of refreshes)" 1 "near expiry: the access token was refreshed once"
R2=$(field refresh_token)
A2=$(field access_token)
remember
check "the rotated refresh token was stored" test -n "$R2" -a "$R2" != "$R1"
check "the new access token was stored" test -n "$A2" -a "$A2" != "$A1"
is "$(stat -c %a "$TOKENS")" 600 "the token file stays mode 600"
check "-v names the refresh, not the token" grep -q "OAuth2 access token refreshed at $AS/token" "$OUT/1"
check "-v: authenticated with an OAuth2 mechanism the server offers" \
	grep -Eq "authenticated to .* with (OAUTHBEARER|XOAUTH2)" "$OUT/1"
serial=$(printf '%s' "$A2" | sed -n 's/^at\([0-9]*\)\..*/\1/p')
check "Dovecot accepted the refreshed token (serial $serial) and no other" \
	sh -c "curl -sS '$AS/admin/stats' | grep -q '\"active_serials\": \[$serial\]'"

check "the refresh loaded libcurl-gnutls and json-c on demand" \
	sh -c "grep -q 'file=libcurl-gnutls.so.4 .*dynamically loaded by' '$OUT'/ld-1.* &&
	    grep -q 'file=libjson-c.so.5 .*dynamically loaded by' '$OUT'/ld-1.*"

# ---- 1b: without OAuth2 configured, libcurl and json-c are never loaded -----------
# (issue 11: linked, they cost every delivery run about 3 MiB and 20
# libraries).  The same smarthost, TEST_USER's password from an authinfo file.
PLAIN=$T/plain
mkdir -p "$PLAIN"
chmod 700 "$PLAIN"
{
	echo "domain example.test"
	echo "smarthost [127.0.0.1]:$SUBMISSION_PORT"
	echo "tls_trust_file $CA_FILE"
	echo "authinfo $PLAIN/authinfo"
} >"$PLAIN/config"
printf 'AuthInfo:127.0.0.1 "U:%s" "P:%s"\n' "$TEST_USER" "$TEST_PASSWORD" >"$PLAIN/authinfo"
chmod 600 "$PLAIN/authinfo"
printf 'From: alice@example.test\nTo: heidi@example.test\nSubject: no oauth\n\nbody\n' |
	sendmail -C "$PLAIN/config" -t -i
LD_DEBUG=files LD_DEBUG_OUTPUT=$OUT/ld-plain "$FLUSH" -C "$PLAIN/config" -v >"$OUT/plain" 2>&1
is "$?" 0 "no OAuth2 configured: relayq-flush exits 0"
is "$(smarthost_wait_mail heidi 1 | wc -l)" 1 "no OAuth2 configured: heidi received it (password)"
check "no OAuth2 configured: the loader's log lists the libraries (GnuTLS)" \
	sh -c "grep -q 'file=libgnutls.so' '$OUT'/ld-plain.*"
check "no OAuth2 configured: neither libcurl nor json-c was loaded" \
	sh -c "! grep -Eq 'file=lib(curl|json-c)' '$OUT'/ld-plain.*"
is "$(stat_of refreshes)" 1 "no OAuth2 configured: no token request"

relayq check >"$OUT/check-1" 2>&1
check "relayq check: the token file is present and private" \
	grep -q "^oauth: $TOKENS: refresh token present, permissions ok" "$OUT/check-1"
check "relayq check: when the access token expires and the last refresh" \
	sh -c "grep -Eq '^oauth: access token expires in [0-9]+ s' '$OUT/check-1' &&
	    grep -Eq '^oauth: last refresh [0-9]+ s ago' '$OUT/check-1'"

# ---- 2: a valid cached token is used as it is ------------------------------------
send carol "cached token"
LD_DEBUG=files LD_DEBUG_OUTPUT=$OUT/ld-2 "$FLUSH" -v >"$OUT/2" 2>&1
is "$?" 0 "cached: relayq-flush exits 0"
is "$(smarthost_wait_mail carol 1 | wc -l)" 1 "cached: carol received it"
is "$(stat_of refreshes)" 1 "cached: no refresh for a token valid for an hour"
is "$(field access_token)" "$A2" "cached: the token file is unchanged"
check "-v says the token came from the file and when it expires" \
	grep -Eq "OAuth2 access token from $TOKENS \(expires in [0-9]+ s\)" "$OUT/2"
check "cached: no token request, so neither libcurl nor json-c was loaded" \
	sh -c "grep -q 'file=libgnutls.so' '$OUT'/ld-2.* && ! grep -Eq 'file=lib(curl|json-c)' '$OUT'/ld-2.*"

# ---- 3: expired two hours later: refreshed with the rotated token -----------------
send dave "expired token"
ft -f +2h "$FLUSH" -v >"$OUT/3" 2>&1
is "$?" 0 "expired: relayq-flush exits 0"
is "$(smarthost_wait_mail dave 1 | wc -l)" 1 "expired: dave received it"
is "$(stat_of refreshes)" 2 "expired: refreshed once more, with the stored rotated token"
R3=$(field refresh_token)
remember
check "expired: the next rotated refresh token was stored" test -n "$R3" -a "$R3" != "$R2"
check "the first refresh token is dead at the server (rotation is real)" \
	sh -c "curl -sS -X POST '$AS/token' --data 'grant_type=refresh_token&client_id=relayq-test-client&client_secret=relayq-test-client-secret' --data-urlencode 'refresh_token=$R1' | grep -q invalid_grant"

# ---- 3b: a cached token the server refuses (535): refreshed, tried again --------
admin expire "user=$TEST_USER" >/dev/null
send frank "token refused early"
ft -f +2h "$FLUSH" -v >"$OUT/3b" 2>&1
is "$?" 0 "refused early: relayq-flush exits 0"
is "$(smarthost_wait_mail frank 1 | wc -l)" 1 "refused early: frank received it"
is "$(stat_of refreshes)" 3 "refused early: refreshed after the 535"
check "refused early: -v says why it refreshed" grep -q "refused the cached OAuth2 access token; refreshing it" "$OUT/3b"
remember

# ---- 3c: relayq check tries a refresh (relayq-flush --oauth-check) ---------------
before=$(stat_of refreshes)
Rb=$(field refresh_token)
RELAYQ_FLUSH=$FLUSH relayq check >"$OUT/check-r" 2>&1
is "$?" 0 "relayq check with a valid grant: exit 0"
check "relayq check: the trial refresh succeeded and the rotated refresh token was stored" \
	grep -Eq "^oauth: trial refresh at $AS/token: ok, the new access token expires in [0-9]+ s; the rotated refresh token is stored in $TOKENS\$" "$OUT/check-r"
is "$(stat_of refreshes)" "$((before + 1))" "relayq check: one token request"
Rc=$(field refresh_token)
remember
check "relayq check: the token file holds the new refresh token" test -n "$Rc" -a "$Rc" != "$Rb"
check "relayq check: the refresh token it rotated away is dead at the server" \
	sh -c "curl -sS -X POST '$AS/token' --data 'grant_type=refresh_token&client_id=relayq-test-client&client_secret=relayq-test-client-secret' --data-urlencode 'refresh_token=$Rb' | grep -q invalid_grant"
is "$(stat -c %a "$TOKENS")" 600 "relayq check: the token file stays mode 600"
# The stored tokens are the ones the next delivery uses, without a refresh.
send judy "after relayq check"
"$FLUSH" -v >"$OUT/3c" 2>&1
is "$?" 0 "after relayq check: relayq-flush exits 0"
is "$(smarthost_wait_mail judy 1 | wc -l)" 1 "after relayq check: judy received it with the stored access token"
is "$(stat_of refreshes)" "$((before + 1))" "after relayq check: the delivery needed no refresh"
# relayq check --connect finds the token where a delivery does (the queue's
# oauth-token, no oauth_token_file).
RELAYQ_FLUSH=$FLUSH relayq check --connect >"$OUT/check-c" 2>&1
is "$?" 0 "relayq check --connect with the default token file: exit 0"
check "relayq check --connect: AUTH with the token from the queue's token file" \
	grep -Eq "^AUTH: ok: (OAUTHBEARER|XOAUTH2) with OAuth2 access token from $TOKENS " "$OUT/check-c"
# A token the server refuses for this login (auth_user is not the mailbox
# that authorized relayq): refreshed and tried again, then AUTH fails with
# the OAuth2 fix, not the password one.
sed -e "s/^auth_user .*/auth_user mallory/" "$CONF/config" >"$CONF/wronguser.conf"
RELAYQ_FLUSH=$FLUSH relayq -C "$CONF/wronguser.conf" check --connect >"$OUT/check-wu" 2>&1
is "$?" 77 "relayq check --connect, token refused for this login: exit 77 (AUTH)"
check "relayq check --connect, token refused: AUTH FAILED with the OAuth2 fix" \
	sh -c "grep -q '^AUTH: FAILED' '$OUT/check-wu' &&
	    grep -q '^  fix: the server refused the OAuth2 access token: check that auth_user' '$OUT/check-wu'"
remember
# A refresh waits for another one in progress (the token file's lock): held
# here, the trial refresh must still be waiting when timeout ends it.
if command -v flock >/dev/null 2>&1; then
	before=$(stat_of refreshes)
	flock "$TOKENS.lock" timeout 5 "$FLUSH" --oauth-check >"$OUT/locked" 2>&1
	is "$?" 124 "--oauth-check waits while another refresh holds $TOKENS.lock"
	is "$(stat_of refreshes)" "$before" "--oauth-check made no token request under another's lock"
else
	skip "lock check 1" "flock is missing"; skip "lock check 2" "flock is missing"
fi
# The client secret as a systemd credential (CREDENTIALS_DIRECTORY), in
# place of oauth_client_secret_file.
CREDCONF=$CONF/cred.conf
sed -e '/^oauth_client_secret_file/d' "$CONF/config" >"$CREDCONF"
mkdir -p "$T/creds"
cp "$CONF/client-secret" "$T/creds/relayq-oauth-client-secret"
chmod 600 "$T/creds/relayq-oauth-client-secret"
env -u CREDENTIALS_DIRECTORY "$FLUSH" -C "$CREDCONF" --oauth-check >"$OUT/nocred" 2>&1
is "$?" 78 "without the client secret the provider refuses the client: exit 78"
check "without the client secret: the check names the client settings" \
	grep -q "^oauth: trial refresh FAILED: .*refused the client (invalid_client).*client secret" "$OUT/nocred"
check "without the client secret: the fix says where a client secret comes from" \
	grep -q "^  fix: no client secret was found here: .*oauth_client_secret_file.*exists only inside the unit" "$OUT/nocred"
CREDENTIALS_DIRECTORY=$T/creds "$FLUSH" -C "$CREDCONF" --oauth-check >"$OUT/cred" 2>&1
is "$?" 0 "the client secret from CREDENTIALS_DIRECTORY: the refresh succeeds"
check "the client secret from CREDENTIALS_DIRECTORY: ok line" grep -q "^oauth: trial refresh at $AS/token: ok" "$OUT/cred"
remember

# ---- 3d: an https token endpoint signed by a CA of one's own: oauth_ca_file -------
# The same test server with TLS (the smarthost's certificate for 127.0.0.1,
# signed by the test CA that the system does not trust).
AS2_DIR=$T/authserver-tls
authserver_start "$AS2_DIR" --tls "$(dirname "$CA_FILE")/server.pem"
AS2=$AS_URL
grant=$(curl -sS --fail --cacert "$CA_FILE" -X POST "$AS2/admin/grant" --data "user=$TEST_USER") ||
	bail_out "no grant from the https test authorization server"
TLSTOKENS=$T/tls-tokens
printf '%s' "$grant" | python3 -c 'import json,sys; g=json.load(sys.stdin); print("version 1\nrefresh_token %s" % g["refresh_token"])' >"$TLSTOKENS"
chmod 600 "$TLSTOKENS"
sed -n 's/^refresh_token //p' "$TLSTOKENS" >>"$SEEN"
TLSCONF=$CONF/tls.conf
sed -e '/^oauth_device_endpoint/d' -e "s|^oauth_token_endpoint .*|oauth_token_endpoint $AS2/token|" "$CONF/config" >"$TLSCONF"
echo "oauth_token_file $TLSTOKENS" >>"$TLSCONF"
"$FLUSH" -C "$TLSCONF" --oauth-check >"$OUT/tls-untrusted" 2>&1
is "$?" 78 "https endpoint with a CA the system does not trust: exit 78 (configuration)"
check "https endpoint, CA not trusted: the check names oauth_ca_file" \
	grep -q "^oauth: trial refresh FAILED: the certificate of the OAuth2 endpoint $AS2/token cannot be verified .*set oauth_ca_file" "$OUT/tls-untrusted"
echo "oauth_ca_file $CA_FILE" >>"$TLSCONF"
"$FLUSH" -C "$TLSCONF" --oauth-check >"$OUT/tls-ca" 2>&1
is "$?" 0 "oauth_ca_file names the test CA: the refresh over https succeeds"
check "oauth_ca_file: the ok line names the https endpoint" grep -q "^oauth: trial refresh at $AS2/token: ok" "$OUT/tls-ca"
is "$(curl -sS --cacert "$CA_FILE" "$AS2/admin/stats" | python3 -c "import json,sys; print(json.load(sys.stdin)['refreshes'])")" 1 \
	"oauth_ca_file: the https server counted one refresh"
sed -n 's/^refresh_token //p; s/^access_token //p' "$TLSTOKENS" >>"$SEEN"

# ---- 4: a revoked grant: configuration error, mail kept --------------------------
admin revoke "user=$TEST_USER" >/dev/null
# relayq check finds out before the next delivery: it says so, names the
# fix, exits 78 and leaves the refusal for the delivery to mark (on_failure
# fires once, from there).
RELAYQ_FLUSH=$FLUSH relayq check >"$OUT/check-revoked" 2>&1
is "$?" 78 "revoked: relayq check exits EX_CONFIG (78)"
check "revoked: relayq check says the refresh was refused and names the fix" \
	grep -q "^oauth: trial refresh FAILED: the OAuth2 refresh token was refused by $AS/token (invalid_grant.*run \"relayq oauth setup\" again" "$OUT/check-revoked"
check "revoked: relayq check did not mark the refusal (the delivery does)" sh -c "! grep -q '^refused' '$TOKENS'"
send erin "after the revocation"
cp "$TOKENS" "$T/tokens-before"
ft -f +4h "$FLUSH" -v >"$OUT/4" 2>&1
is "$?" 78 "revoked: relayq-flush exits EX_CONFIG (78)"
is "$(queued)" 1 "revoked: the message stays queued"
check "revoked: the error says invalid_grant and names the fix" \
	grep -q 'invalid_grant.*run "relayq oauth setup" again' "$OUT/4"
mailq >"$OUT/mailq" 2>&1
check "revoked: mailq shows the reason" grep -q 'relayq oauth setup' "$OUT/mailq"
ft -f +5h "$FLUSH" >"$OUT/5" 2>&1
is "$(queued)" 1 "revoked: a second run keeps it queued too"
is "$(maildir_count alice)" 0 "revoked: no bounce was sent"
check "revoked: the tokens were kept, the refusal marked" \
	sh -c "[ \"\$(grep -v '^refused ' '$TOKENS')\" = \"\$(cat '$T/tokens-before')\" ] &&
	    grep -q '^refused [0-9]' '$TOKENS'"
is "$(grep -c '^config|' "$T/onfail" 2>/dev/null)" 1 "revoked: on_failure ran once (event config) for two runs"
check "revoked: on_failure's reason names invalid_grant and the fix" \
	grep -q '^config||.*invalid_grant.*relayq oauth setup' "$T/onfail"
relayq check >"$OUT/check-2" 2>&1
check "revoked: relayq check says the refresh token was refused" \
	grep -q "^oauth: the provider refused the refresh token .* run relayq oauth setup again" "$OUT/check-2"
is "$(maildir_count erin)" 0 "revoked: nothing was delivered without a token"

# ---- 4b: root's --all-users run: one refresh, the token for every child ----------
if command -v setpriv >/dev/null 2>&1; then
	N=$(mktemp -d /tmp/relayq-oauth.XXXXXX) || bail_out "cannot create a directory under /tmp"
	chmod 755 "$N"
	cp "$RELAYQ" "$N/sendmail" && chmod 755 "$N/sendmail"
	mkdir -m 1733 "$N/spool"
	cp "$CA_FILE" "$N/ca.pem" && chmod 644 "$N/ca.pem"
	printf 'domain example.test\nspool_dir %s\n' "$N/spool" >"$N/userconf"
	chmod 644 "$N/userconf"
	{
		echo "domain example.test"
		echo "smarthost [127.0.0.1]:$SUBMISSION_PORT"
		echo "tls_trust_file $N/ca.pem"
		echo "spool_dir $N/spool"
		echo "auth_user $TEST_USER"
		echo "oauth_provider custom"
		echo "oauth_token_endpoint $AS/token"
		echo "oauth_client_id relayq-test-client"
		echo "oauth_client_secret_file $CONF/client-secret"
		echo "oauth_token_file $N/root-tokens"
	} >"$N/sysconf"
	chmod 600 "$N/sysconf"
	grant=$(admin grant "user=$TEST_USER&lifetime=30") || bail_out "no grant from the authorization server"
	printf '%s' "$grant" | python3 -c 'import json,sys; g=json.load(sys.stdin); print("version 1\nrefresh_token %s\naccess_token %s\nexpires 1" % (g["refresh_token"], g["access_token"]))' >"$N/root-tokens"
	chmod 600 "$N/root-tokens"
	sed -n 's/^refresh_token //p; s/^access_token //p' "$N/root-tokens" >>"$SEEN"
	before=$(stat_of refreshes)
	printf 'Subject: spool\n\nfrom nobody\n' | env -u XDG_STATE_HOME -u XDG_CONFIG_HOME HOME=/nonexistent \
		setpriv --reuid=65534 --regid="$(id -g 65534)" --clear-groups \
		"$N/sendmail" -C "$N/userconf" -odq -i grace@example.test 2>"$OUT/au-queue"
	"$FLUSH" --all-users -C "$N/sysconf" -v >"$OUT/au" 2>&1
	is "$?" 0 "--all-users: exit 0"
	is "$(smarthost_wait_mail grace 1 | wc -l)" 1 "--all-users: the spool user's message was delivered with the token"
	is "$(stat_of refreshes)" "$((before + 1))" "--all-users: root refreshed once, before the children"
	check "--all-users: root's token file holds the rotated refresh token" \
		sh -c "! grep -qxF \"refresh_token \$(printf '%s' '$grant' | python3 -c 'import json,sys; print(json.load(sys.stdin)[\"refresh_token\"])')\" '$N/root-tokens'"
	sed -n 's/^refresh_token //p; s/^access_token //p' "$N/root-tokens" >>"$SEEN"
	is "$(find "$N/spool" -name 'oauth-token*' | wc -l)" 0 "--all-users: no token file in the spool user's queue"
	# The server refuses root's cached access token early (535): the
	# child's failure makes root refresh once and flush that queue again.
	admin expire "user=$TEST_USER" >/dev/null
	printf 'Subject: spool 535\n\nfrom nobody\n' | env -u XDG_STATE_HOME -u XDG_CONFIG_HOME HOME=/nonexistent \
		setpriv --reuid=65534 --regid="$(id -g 65534)" --clear-groups \
		"$N/sendmail" -C "$N/userconf" -odq -i ivan@example.test 2>>"$OUT/au-queue"
	before=$(stat_of refreshes)
	"$FLUSH" --all-users -C "$N/sysconf" -v >"$OUT/au-535" 2>&1
	is "$?" 0 "--all-users, token refused early: exit 0"
	is "$(smarthost_wait_mail ivan 1 | wc -l)" 1 "--all-users, token refused early: delivered after the refresh"
	is "$(stat_of refreshes)" "$((before + 1))" "--all-users, token refused early: root refreshed once"
	check "--all-users, token refused early: the log says why the queue was flushed again" \
		grep -q "refused the OAuth2 access token; refreshed it, flushing uid 65534 again" "$OUT/au-535"
	sed -n 's/^refresh_token //p; s/^access_token //p' "$N/root-tokens" >>"$SEEN"
else
	for i in 1 2 3 4 5 6 7 8 9; do skip "--all-users check $i" "setpriv is missing"; done
fi

# ---- 5: no token anywhere it should not be ----------------------------------------
check "the leak check below finds a token where there is one" grep -qF -f "$SEEN" "$TOKENS" "$T/tokens-before"
leaks=$(grep -rlF -f "$SEEN" "$OUT" "$T/onfail" ${N:+"$N/spool"} "$Q/env" "$Q/new" "$Q/hoststat" "$AS_DIR/log" "$AS2_DIR/log" 2>/dev/null)
is "$leaks" "" "no token in any output, -v transcript, mailq, queue file or server log"
leaks=$(grep -rlF -f "$SEEN" "$POSTFIX_LOG" "$DOVECOT_LOG" 2>/dev/null)
is "$leaks" "" "no token in the smarthost's logs"
