#!/bin/bash
# children.sh — a program relayq starts holds its three standard
# descriptors and none of the caller's others (src/lib/spawn.c, issue 13),
# however it is started: the background flush (detached), the interactive
# flush (-odi) and `relayq check --connect`'s relayq-flush --probe.  The
# caller leaves descriptor 7 open (not close-on-exec, as a caller's pipe
# or lock is); RELAYQ_FLUSH is a script whose `ls /proc/self/fd` lists
# the descriptors it inherited (plus ls's own directory).  No network.
. "$(dirname "$0")/lib.sh"

plan 6

relayq_setup
echo "domain example.test" >"$CONF/config"
cat >"$T/flush" <<'S'
#!/bin/sh
ls /proc/self/fd >"$FDS.tmp" 2>&1
mv "$FDS.tmp" "$FDS"
S
chmod +x "$T/flush"
export RELAYQ_FLUSH=$T/flush

# wait_for FILE: until it exists (a bound against hangs only).
wait_for() {
	for _ in $(seq 100); do [ -e "$1" ] && return 0; sleep 0.1; done
	return 1
}

# fds FILE: the listed descriptors on one line, or "none".
fds() { [ -e "$1" ] && sort -n "$1" | tr '\n' ' ' || echo none; }

# started HOW FILE: the program ran, had 0 1 2, and not the caller's 7.
started() {
	local how=$1 f=$2 got
	got=$(fds "$f")
	if [ "$got" = none ]; then
		not_ok "$how: the program ran" "no list in $f"
	else
		ok "$how: the program ran"
	fi
	if grep -qx 0 "$f" 2>/dev/null && grep -qx 1 "$f" && grep -qx 2 "$f" &&
	    ! grep -qx 7 "$f"; then
		ok "$how: it holds 0 1 2 and not the caller's descriptor 7"
	else
		not_ok "$how: it holds 0 1 2 and not the caller's descriptor 7" \
		    "descriptors: $got"
	fi
}

exec 7>"$T/callers-fd"

printf 'Subject: x\n\nbody\n' | FDS=$T/fds.background sendmail -i x@example.org
wait_for "$T/fds.background"
started "background flush" "$T/fds.background"
clear_queue

printf 'Subject: x\n\nbody\n' | FDS=$T/fds.interactive sendmail -odi -i x@example.org
started "interactive flush (-odi)" "$T/fds.interactive"
clear_queue

FDS=$T/fds.probe "$RELAYQ" check --connect >"$T/check.out" 2>&1
started "relayq check --connect" "$T/fds.probe"

exec 7>&-
