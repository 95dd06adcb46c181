#!/bin/sh
# selftest.sh — the sanitizer run fails a test on a report (run only in a
# build configured with --enable-sanitizers; mk/sanitizer.am).  Runs
# tests/sanitizer/run, as make check does, over tests/sanitizer/bad with a
# leak, a heap overflow and signed overflow: each one's process exits 23 and
# the test fails with the report in its log; an ASan report fails the test
# also when it comes from a detached child whose exit code nobody sees.
# Prints TAP.
. "$(dirname "$0")/../integration/lib.sh"

# The last argument names the report directory (make check passes the
# test's path there); bad ignores it.
RUN="sh $top_srcdir/tests/sanitizer/run"
BAD=$top_builddir/tests/sanitizer/bad
REPORTS=$top_builddir/tests/work/sanitizer
[ -x "$BAD" ] || bail_out "$BAD is not built"
plan 12

# A fault straight in the test's own process: exit 23, and the wrapper fails
# the plain test with the report in its output.  ASan's reports (leak,
# overflow) are files the wrapper finds; UBSan's go to stderr whatever
# log_path says (with gcc, libasan's __sanitizer_set_report_path interposes
# libubsan's), so a UBSan report fails a test by its exit code 23.
for fault in leak overflow ub; do
	out=$($RUN "$BAD" "$fault" "selftest-$fault" 2>&1)
	rc=$?
	case $fault in
	leak) want="LeakSanitizer: detected memory leaks"; end="FAIL: 1 sanitizer report(s)"; code=1 ;;
	overflow) want="AddressSanitizer: heap-buffer-overflow"; end="FAIL: 1 sanitizer report(s)"; code=1 ;;
	ub) want="runtime error: signed integer overflow"; end=; code=23 ;;
	esac
	is "$rc" "$code" "$fault: the wrapper fails the test (exit $code)"
	case $out in
	*"$want"*"$end"*) ok "$fault: the report is in the test's log" ;;
	*) not_ok "$fault: the report is in the test's log" "$out" ;;
	esac
done

# The process itself exits 23 (ASAN_OPTIONS/UBSAN_OPTIONS of make check);
# its report goes to $T, not to this test's own report directory.
ASAN_OPTIONS="$ASAN_OPTIONS:log_path=$T/direct" "$BAD" overflow >/dev/null 2>&1
is "$?" 23 "a heap overflow stops the process with exit code 23"
UBSAN_OPTIONS="$UBSAN_OPTIONS:log_path=$T/direct" "$BAD" ub >/dev/null 2>&1
is "$?" 23 "signed overflow stops the process with exit code 23"

# A TAP script whose detached child leaks: every result was ok, but the
# wrapper appends "Bail out!" and the test fails.
printf '%s\n' 'echo 1..1' "(\"$BAD\" leak >/dev/null 2>&1 &)" 'sleep 1' 'echo ok 1 - fine' \
	>"$T/detached.sh"
out=$($RUN --tap sh "$T/detached.sh" 2>&1)
is "$?" 1 "a detached child's leak fails a TAP script that passed"
case $out in
*"ok 1 - fine"*"Bail out! 1 sanitizer report(s)"*) ok "the TAP output ends with Bail out!" ;;
*) not_ok "the TAP output ends with Bail out!" "$out" ;;
esac

# A clean run passes and leaves no report directory.
out=$($RUN "$BAD" ok "selftest-ok" 2>&1)
is "$?" 0 "a clean program passes"
if [ -e "$REPORTS/selftest-ok" ]; then
	not_ok "a clean run leaves no report directory"
else
	ok "a clean run leaves no report directory"
fi
rm -rf "$REPORTS/selftest-leak" "$REPORTS/selftest-overflow" "$REPORTS/selftest-ub" \
	"$REPORTS/detached.sh"
done_testing
