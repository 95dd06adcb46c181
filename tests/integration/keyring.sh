#!/bin/sh
# keyring.sh — the Secret Service source against a real gnome-keyring in a
# private D-Bus session (no desktop): items stored with secret-tool under
# secret-tool's schema and msmtp's are found by tests/unit/check_secret,
# without a session the lookup says so, and relayq-flush does not load
# libsecret before it is needed.  Prints TAP.
set -u
: "${top_builddir:=.}"
prog="$top_builddir/tests/unit/check_secret"

for tool in dbus-run-session gnome-keyring-daemon secret-tool gdbus; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		echo "1..0 # SKIP $tool is not installed (scripts/install-deps installs it)"
		exit 0
	fi
done
[ -x "$prog" ] || { echo "Bail out! $prog is not built"; exit 1; }
if ! grep -q '^#define HAVE_LIBSECRET 1' "$top_builddir/config.h" 2>/dev/null; then
	echo "1..0 # SKIP built without libsecret"
	exit 0
fi

echo "1..4"
tmp=$(mktemp -d /tmp/relayq-keyring.XXXXXX)
trap 'rm -rf "$tmp"' EXIT INT TERM

# 1: inside a session, with items stored by secret-tool.
HOME=$tmp XDG_RUNTIME_DIR=$tmp XDG_DATA_HOME=$tmp/data RELAYQ_TEST_KEYRING=1 \
	dbus-run-session -- sh -c '
	echo -n pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null &&
	gdbus wait --session --timeout 10 org.freedesktop.secrets &&
	printf alice-pw | secret-tool store --label=relayq host smtp.example.com service smtp user alice &&
	printf "bob pw with spaces" | secret-tool store --label=msmtp \
		xdg:schema de.marlam.msmtp.password host msmtp.example.com service smtp user bob &&
	printf other | secret-tool store --label=imap host smtp.example.com service imap user alice &&
	"$0"' "$prog" </dev/null >"$tmp/in.log" 2>&1
rc=$?
if [ $rc -eq 0 ] && grep -q "Checks: 10, Failures: 0, Errors: 0" "$tmp/in.log"; then
	echo "ok 1 - keyring items from secret-tool and msmtp's schema are found"
else
	echo "not ok 1 - keyring lookups inside a D-Bus session (exit $rc)"
	sed 's/^/# /' "$tmp/in.log"
fi

# 2: the msmtp item really carries msmtp's schema name (the lookup ignores it).
HOME=$tmp XDG_RUNTIME_DIR=$tmp XDG_DATA_HOME=$tmp/data dbus-run-session -- sh -c '
	echo -n pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null &&
	gdbus wait --session --timeout 10 org.freedesktop.secrets &&
	printf x | secret-tool store --label=m xdg:schema de.marlam.msmtp.password \
		host h service smtp user u &&
	secret-tool search --all host h 2>&1' </dev/null >"$tmp/schema.log" 2>&1
if grep -q "^schema = de.marlam.msmtp.password" "$tmp/schema.log"; then
	echo "ok 2 - secret-tool stores items under msmtp's schema name"
else
	echo "not ok 2 - storing under msmtp's schema"
	sed 's/^/# /' "$tmp/schema.log"
fi

# 3: no session at all (cron): the message names the other sources.
env -u DBUS_SESSION_BUS_ADDRESS HOME=$tmp XDG_RUNTIME_DIR=/nonexistent \
	"$prog" </dev/null >"$tmp/out.log" 2>&1
if [ $? -eq 0 ] && grep -q "Checks: 5, Failures: 0, Errors: 0" "$tmp/out.log"; then
	echo "ok 3 - without D-Bus the lookup says so and names the other sources"
else
	echo "not ok 3 - lookup without a D-Bus session"
	sed 's/^/# /' "$tmp/out.log"
fi

# 4: relayq-flush does not link libsecret or GLib (they are loaded only
# when the keyring is consulted; issue 10): the loader's own list, as ldd.
LD_TRACE_LOADED_OBJECTS=1 "$top_builddir/src/relayq-flush" >"$tmp/libs" 2>&1
if grep -q 'libgnutls' "$tmp/libs" && ! grep -Eq 'libsecret|libglib|libgobject|libgio' "$tmp/libs"; then
	echo "ok 4 - relayq-flush loads neither libsecret nor GLib at start"
else
	echo "not ok 4 - relayq-flush's libraries at start"
	sed 's/^/# /' "$tmp/libs"
fi
