# lib.sh — sourced by every integration script (tests/integration/*.sh).
#
# TAP output:   plan N | ok DESC | not_ok DESC [DIAG...] | check DESC CMD...
#               is GOT WANT DESC | skip DESC REASON | skip_all REASON
#               bail_out REASON | diag TEXT... | done_testing
#               t_todo=REASON: the following results are TAP TODO (a known
#               failure: reported, not counted; automake says XFAIL, or
#               XPASS once it passes); t_todo= ends it
# Isolation:    every script runs under its own temporary HOME and XDG
#               directories in $T (kept when a test failed, removed otherwise).
# Smarthost:    smarthost_start [--discard] starts a private test smarthost,
#               sources its env (SUBMISSION_PORT, CA_FILE, TEST_USER, ...)
#               and stops it on exit, whatever happens; smarthost_stop stops
#               it earlier.  No root: skip_all (the smarthost needs root).
#
# top_srcdir and top_builddir come from `make check`; when a script is run
# by hand they default to the tree the script sits in.

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
export top_srcdir top_builddir

t_name=$(basename "$0" .sh)
t_n=0
t_failed=0
t_planned=
t_smarthost=
t_todo=

# ---- TAP ----
plan() {
	t_planned=$1
	echo "1..$1"
}

ok() {
	t_n=$((t_n + 1))
	echo "ok $t_n - $1${t_todo:+ # TODO $t_todo}"
}

not_ok() {
	t_n=$((t_n + 1))
	if [ -n "$t_todo" ]; then
		echo "not ok $t_n - $1 # TODO $t_todo"
	else
		t_failed=$((t_failed + 1))
		echo "not ok $t_n - $1"
	fi
	shift
	[ $# -gt 0 ] && diag "$@"
	return 0
}

diag() {
	printf '%s\n' "$@" | sed 's/^/# /'
}

# check DESC CMD...: ok when CMD succeeds; its output goes to the diagnostics
# only when it fails.
check() {
	local desc=$1 out
	shift
	if out=$("$@" 2>&1); then
		ok "$desc"
	else
		not_ok "$desc" "command failed (exit $?): $*" "$out"
	fi
}

# is GOT WANT DESC: exact string comparison.
is() {
	if [ "$1" = "$2" ]; then
		ok "$3"
	else
		not_ok "$3" "got:  '$1'" "want: '$2'"
	fi
}

skip() {
	t_n=$((t_n + 1))
	echo "ok $t_n - $1 # SKIP $2"
}

skip_all() {
	echo "1..0 # SKIP $1"
	t_planned=0
	exit 0
}

bail_out() {
	echo "Bail out! $1"
	t_failed=$((t_failed + 1))
	exit 1
}

done_testing() {
	[ -z "$t_planned" ] && echo "1..$t_n"
	t_planned=${t_planned:-$t_n}
}

# ---- a private HOME and XDG tree per script ----
mkdir -p "$top_builddir/tests/work"
T=$(mktemp -d "$top_builddir/tests/work/$t_name.XXXXXX") || bail_out "cannot create a temporary directory"
T=$(cd "$T" && pwd)
export HOME=$T/home
export XDG_CONFIG_HOME=$HOME/.config XDG_STATE_HOME=$HOME/.local/state
export XDG_DATA_HOME=$HOME/.local/share XDG_CACHE_HOME=$HOME/.cache
export XDG_RUNTIME_DIR=$T/run
mkdir -p "$XDG_CONFIG_HOME" "$XDG_STATE_HOME" "$XDG_DATA_HOME" "$XDG_CACHE_HOME"
mkdir -m 700 "$XDG_RUNTIME_DIR"
unset MAIL_CONFIG

t_exit() {
	local rc=$?
	smarthost_stop
	if [ -n "$t_planned" ] && [ "$t_n" -ne "$t_planned" ] && [ "$t_planned" -ne 0 ]; then
		echo "# planned $t_planned tests but ran $t_n"
		rc=1
	fi
	[ "$t_failed" -gt 0 ] && rc=1
	if [ "$rc" -eq 0 ]; then
		rm -rf "$T"
	else
		echo "# kept $T for inspection"
	fi
	exit "$rc"
}
trap t_exit EXIT
trap 'exit 130' INT TERM

# ---- the test smarthost ----
SMARTHOST_SCRIPTS=$top_srcdir/tests/smarthost

# smarthost_start [--discard] [--server exim [--max-per-connection N]]: start
# an instance (Postfix, or Exim) under tests/work, source its env.  Skips
# the whole script (not CI: CI runs as root) when not root.  One
# instance at a time: an earlier one is stopped first.
smarthost_start() {
	local out rc
	[ "$(id -u)" -eq 0 ] || skip_all "the test smarthost (Postfix) needs root"
	smarthost_stop
	t_smarthost=$(mktemp -d "$top_builddir/tests/work/smarthost.XXXXXX") ||
		bail_out "cannot create a smarthost directory"
	out=$("$SMARTHOST_SCRIPTS/start" "$t_smarthost" "$@" 2>&1)
	rc=$?
	case $rc in
	0) ;;
	77) t_smarthost_cleanup; skip_all "test smarthost unavailable: $out" ;;
	*) diag "$out"; bail_out "test smarthost did not start (exit $rc), see $t_smarthost" ;;
	esac
	# shellcheck disable=SC1091
	. "$t_smarthost/env"
}

# smarthost_stop: stop the instance (idempotent); remove it unless a test failed.
smarthost_stop() {
	[ -n "$t_smarthost" ] || return 0
	"$SMARTHOST_SCRIPTS/stop" "$t_smarthost" || echo "# smarthost stop reported stray processes"
	[ "$t_failed" -eq 0 ] && t_smarthost_cleanup
	t_smarthost=
}

t_smarthost_cleanup() {
	rm -rf "$t_smarthost"
	t_smarthost=
}

# smarthost_ctl stop|start|...: take the smarthost's server down or bring it
# back (tests/smarthost/README.md lists the other commands).
smarthost_ctl() {
	"$SMARTHOST_SCRIPTS/ctl" "$SMARTHOST_DIR" "$@"
}

# smarthost_wait_mail USER N [TIMEOUT]: paths of USER's first N messages.
smarthost_wait_mail() {
	"$SMARTHOST_SCRIPTS/wait-mail" "$SMARTHOST_DIR" "$@"
}

# smarthost_wait_idle: until the smarthost has delivered everything it
# accepted (20 s at most; says not ok and goes on after that).  Use it
# before asserting that a message did not arrive.
smarthost_wait_idle() {
	smarthost_ctl idle >/dev/null 2>&1 ||
		bail_out "the smarthost still has mail in flight after 20 s"
}

# ---- relayq against the test smarthost ----
# flushers: how many processes run this build's relayq-flush ($FLUSH) now.
flushers() {
	local p n=0 want
	want=$(readlink -f "$FLUSH")
	for p in /proc/[0-9]*; do
		[ "$(readlink "$p/exe" 2>/dev/null)" = "$want" ] && n=$((n + 1))
	done
	echo "$n"
}
# wait_no_flusher: until no relayq-flush of this build runs (the background
# flushes sendmail detached are done), 20 s at most.
wait_no_flusher() {
	local i
	for ((i = 0; i < 200; i++)); do
		[ "$(flushers)" -eq 0 ] && return 0
		sleep 0.1
	done
	diag "relayq-flush still runs after 20 s"
}

# relayq_setup [NAME...]: RELAYQ and FLUSH (the built programs), BIN (a
# directory first in PATH whose sendmail, mailq and NAMEs, e.g. hoststat,
# are relayq), Q (the queue) and CONF (the configuration directory);
# submissions start no flush (RELAYQ_FLUSH=/bin/true), nothing goes to
# syslog.
relayq_setup() {
	local n
	RELAYQ=$top_builddir/src/relayq
	FLUSH=$top_builddir/src/relayq-flush
	BIN=$T/bin
	mkdir -p "$BIN"
	for n in sendmail mailq "$@"; do ln -sf "$RELAYQ" "$BIN/$n"; done
	export PATH=$BIN:$PATH RELAYQ_NO_SYSLOG=1 RELAYQ_FLUSH=/bin/true
	Q=$XDG_STATE_HOME/relayq
	CONF=$XDG_CONFIG_HOME/relayq
	mkdir -p "$CONF"
}

# relayq_configure PORT [LINE...]: the test smarthost on PORT, TEST_USER's
# password in an authinfo file, then the LINEs; the smarthost's CA as
# tls_trust_file unless a LINE sets tls_trust_file, tls_fingerprint or
# tls_verify.
relayq_configure() {
	local port=$1
	shift
	{
		echo "domain example.test"
		echo "smarthost [127.0.0.1]:$port"
		echo "authinfo $CONF/authinfo"
		printf '%s\n' "$@"
	} >"$CONF/config"
	grep -q '^tls_trust_file\|^tls_fingerprint\|^tls_verify' "$CONF/config" ||
		echo "tls_trust_file $CA_FILE" >>"$CONF/config"
	relayq_authinfo "$TEST_PASSWORD"
}

# relayq_authinfo PASSWORD [FILE]: TEST_USER with PASSWORD for 127.0.0.1
# in FILE (default CONF/authinfo), mode 0600.
relayq_authinfo() {
	local f=${2:-$CONF/authinfo}
	printf 'AuthInfo:127.0.0.1 "U:%s" "P:%s"\n' "$TEST_USER" "$1" >"$f"
	chmod 600 "$f"
}

# queued: messages in the queue; clear_queue: empty it; maildir_count USER:
# messages in USER's Maildir at the smarthost.
queued() { ls "$Q/env" 2>/dev/null | wc -l; }
clear_queue() { rm -f "$Q"/env/* "$Q"/new/* "$Q"/tmp/*; }
maildir_count() { find "$MAILDIR_ROOT/$1/new" -type f 2>/dev/null | wc -l; }
