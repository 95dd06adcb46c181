#!/bin/bash
# frontend-links.sh — the front end (src/relayq) links no code it does not
# use (issue 13): it parses smarthosts for `relayq check` but never
# resolves them, so neither the resolver (src/transport/resolver.c) nor smarthost
# resolution (src/transport/smarthost_resolve.c) may be in it; relayq-flush, which
# resolves, has both.  Reads the symbol tables with nm (binutils).
. "$(dirname "$0")/lib.sh"

command -v nm >/dev/null || bail_out "nm is missing (binutils)"
plan 3

RELAYQ=$top_builddir/src/relayq
FLUSH=$top_builddir/src/relayq-flush

syms() { nm "$1" | awk '$2 ~ /^[TtDdBbRr]$/ { print $3 }'; }

got=$(syms "$RELAYQ" | grep -E '^(resolver_|smarthost_resolve|smarthost_endpoints_)' | sort | tr '\n' ' ')
is "$got" "" "relayq links no resolver or smarthost resolution code"
check "relayq still parses smarthosts (relayq check)" \
	sh -c "nm '$RELAYQ' | grep -qw smarthost_parse"
check "relayq-flush has the resolver and smarthost_resolve" \
	sh -c "nm '$FLUSH' | grep -qw resolver_mx && nm '$FLUSH' | grep -qw smarthost_resolve"
