# authserver.sh — sourced by the OAuth2 integration tests (after lib.sh).
#
# authserver_start DIR [--tls PEM]: starts the test authorization server
# (tests/data/oauth/authserver) with its state and log in DIR, waits until
# it listens and sets AS_URL (http://127.0.0.1:PORT, https with --tls).
# authserver_stop: stops every one started (call it from the EXIT trap,
# set before the first start).
AS_PIDS=
authserver_start() {
	local dir=$1 scheme=http
	shift
	[ "${1:-}" = --tls ] && scheme=https
	mkdir -p "$dir"
	python3 "$top_srcdir/tests/data/oauth/authserver" "$dir" "$@" 2>"$dir/log" &
	AS_PIDS="$AS_PIDS $!"
	for _ in $(seq 100); do [ -s "$dir/port" ] && break; sleep 0.1; done
	[ -s "$dir/port" ] || bail_out "the test authorization server did not start: $(cat "$dir/log")"
	AS_URL=$scheme://127.0.0.1:$(cat "$dir/port")
}
authserver_stop() {
	[ -n "$AS_PIDS" ] || return 0
	# shellcheck disable=SC2086
	kill $AS_PIDS 2>/dev/null
	# shellcheck disable=SC2086
	wait $AS_PIDS 2>/dev/null
	AS_PIDS=
}
