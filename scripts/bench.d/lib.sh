# lib.sh — timing helpers for scripts/bench (sourced, also inside the
# shellcheck shell=bash
# nullmailer mount namespace).  Times are integer microseconds from bash's
# EPOCHREALTIME (no fork per reading).

bench_now() {
	local t=$EPOCHREALTIME
	echo "${t/[.,]/}"
}

# bench_median NUM...: the median (mean of the middle two for an even count).
bench_median() {
	printf '%s\n' "$@" | sort -g | awk '{ v[NR] = $1 }
		END { if (NR == 0) { print "nan"; exit }
		      if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

# bench_min NUM... / bench_max NUM...
bench_min() { printf '%s\n' "$@" | sort -g | head -n 1; }
bench_max() { printf '%s\n' "$@" | sort -g | tail -n 1; }

# bench_enqueue_each K MSG CMD...: run CMD <MSG K times, one at a time;
# print the median wall time of one run (µs).  Fails if any run fails.
bench_enqueue_each() {
	local k=$1 msg=$2 i t0 t1 ts=()
	shift 2
	for ((i = 0; i < k; i++)); do
		t0=$(bench_now)
		"$@" <"$msg" || return 1
		t1=$(bench_now)
		ts+=($((t1 - t0)))
	done
	bench_median "${ts[@]}"
}

# bench_enqueue_burst COUNT MSG CMD...: run CMD <MSG COUNT times in a row;
# print the total wall time (µs).  Fails if any run fails.
bench_enqueue_burst() {
	local n=$1 msg=$2 i t0 t1
	shift 2
	t0=$(bench_now)
	for ((i = 0; i < n; i++)); do
		"$@" <"$msg" || return 1
	done
	t1=$(bench_now)
	echo $((t1 - t0))
}

# bench_time CMD...: run CMD; set BENCH_US to its wall time (µs) and
# return its exit status.
bench_time() {
	local t0 t1 rc
	t0=$(bench_now)
	"$@"
	rc=$?
	t1=$(bench_now)
	# shellcheck disable=SC2034 # read by the caller
	BENCH_US=$((t1 - t0))
	return $rc
}
