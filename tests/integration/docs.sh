#!/bin/bash
# docs.sh — the manual pages and the code agree: every configuration key
# with its real default in relayq.conf(5), every flag and option in
# relayq(8), every long option in relayq-flush(8) (tests/docs/docs_match.py).
. "$(dirname "$0")/lib.sh"
exec python3 "$top_srcdir/tests/docs/docs_match.py" "$top_srcdir"
