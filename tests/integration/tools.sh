#!/bin/bash
# tools.sh — the external tools the test suite uses are installed and work.
#
# Runs first (scripts/test-all runs it before building, and `make check`
# lists it first) so that a missing install step in scripts/install-deps
# fails here, by name, instead of as a dozen confusing failures later
# (swaks without Net::SSLeay once failed 17 smarthost tests on a fresh
# machine).  Each check runs the tool the way the suite does.
. "$(dirname "$0")/lib.sh"

plan 28

check "swaks supports TLS (needs libnet-ssleay-perl)" \
	sh -c 'swaks --support 2>&1 | grep -q "^=== TLS supported"'
check "swaks supports AUTH (plain, login, cram-md5)" \
	sh -c 'swaks --support 2>&1 | grep -q "^=== Basic AUTH supported" &&
	    swaks --support 2>&1 | grep -q "^=== AUTH CRAM-MD5 supported"'
check "openssl makes a key and a self-signed certificate" \
	sh -c 'd=$(mktemp -d) && openssl req -x509 -newkey rsa:2048 -nodes -subj /CN=t \
	    -days 1 -keyout "$d/k" -out "$d/c" >/dev/null 2>&1; rc=$?; rm -rf "$d"; exit $rc'
check "gnutls-cli is installed" gnutls-cli --version
check "python3 has smtplib, ssl and email" \
	python3 -c 'import smtplib, ssl, email.policy, hashlib, subprocess, signal, shlex'
check "Debian's python3 has prometheus_client (python3-prometheus-client)" \
	/usr/bin/python3 -c 'from prometheus_client.openmetrics import parser'
check "php-cli runs and has mail()" php -r 'exit(function_exists("mail") ? 0 : 1);'
check "strace can inject a fault" \
	sh -c 'strace -f -e inject=fsync:error=EIO -o /dev/null true'
check "faketime shifts the clock" \
	sh -c '[ "$(faketime "2001-01-01 00:00:00" date -u +%Y)" = 2001 ]'
check "dbus-run-session, gnome-keyring-daemon, secret-tool, gdbus present" \
	sh -c 'command -v dbus-run-session && command -v gnome-keyring-daemon &&
	    command -v secret-tool && command -v gdbus'
check "dnsmasq is installed" dnsmasq --version
check "ip and unshare (network namespaces)" \
	sh -c 'command -v ip && command -v unshare'
if [ "$(id -u)" -eq 0 ]; then
	check "unshare: a private PID and mount namespace, PID 1's stderr writable (logtarget.sh)" \
		unshare --mount --pid --fork --mount-proc sh -c \
		'echo x >/proc/1/fd/2 && mount -t tmpfs none /run' 2>/dev/null
else
	skip "unshare: a private PID and mount namespace" "needs root, as logtarget.sh"
fi
check "setpriv and runuser (run as another user)" \
	sh -c 'command -v setpriv && command -v runuser'
check "useradd and userdel" sh -c 'command -v useradd && command -v userdel'
check "systemd-analyze verify runs" systemd-analyze --version
check "timeout and flock" sh -c 'command -v timeout && command -v flock'
check "nm (binutils: what the front end links, frontend-links.sh)" nm --version
check "apt-get download and dpkg -x (test smarthost, bsd-mailx)" \
	sh -c 'command -v apt-get && command -v dpkg'
check "curl posts a form (tests/integration/oauth.sh)" curl --version
check "libcurl (GnuTLS) and json-c development files (configure --with-oauth)" \
	sh -c 'pkg-config --exists libcurl json-c && curl-config --ssl-backends | grep -q GnuTLS'
check "dpkg-buildpackage and debhelper (make deb) are installed" \
	sh -c 'command -v dpkg-buildpackage && command -v dh &&
	    dpkg-query -W -f="\${Status}" build-essential | grep -q "install ok installed"'
check "lintian is installed" lintian --version
check "mmdebstrap is installed (scripts/deb-test)" mmdebstrap --version
check "valgrind is installed" valgrind --version
check "clang-format-14 is installed (scripts/check-format)" clang-format-14 --version
check "/usr/bin/time is installed" test -x /usr/bin/time
check "clang builds a libFuzzer target with ASan+UBSan (libclang-rt-14-dev)" \
	sh -c 'd=$(mktemp -d) && printf "%s\n" "#include <stdint.h>" "#include <stddef.h>" \
	    "int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }" \
	    >"$d/f.c" && clang -fsanitize=fuzzer,address,undefined -o "$d/f" "$d/f.c"; rc=$?; rm -rf "$d"; exit $rc'

done_testing
