# common.sh — shared by the test smarthost scripts (sourced, not run).
# Knows where the unpacked packages live and how to run their binaries from
# the build tree without installing them.

# Source directory of these scripts and the build tree they work in.
sh_srcdir=$(cd "$(dirname "$0")" && pwd)
: "${top_builddir:=$(cd "$sh_srcdir/../.." && pwd)}"

# Where `fetch` unpacks postfix and dovecot-core (shared by all instances).
: "${SMARTHOST_PKGS:=$top_builddir/tests/work/pkgs}"

sh_die() {
	echo "smarthost: $*" >&2
	exit 1
}

sh_skip() {
	echo "smarthost: SKIP: $*" >&2
	exit 77
}

# sh_need_root: Postfix's master must start as root.
sh_need_root() {
	[ "$(id -u)" -eq 0 ] ||
		sh_skip "the test smarthost (Postfix) needs root to start; run the tests as root (CI does)"
}

# sh_pkg_env: set R (unpacked root) and the library path for both packages.
sh_pkg_env() {
	# An instance remembers the packages it was started from.
	[ -n "${I:-}" ] && [ -f "$I/pkgs" ] && SMARTHOST_PKGS=$(cat "$I/pkgs")
	R=$SMARTHOST_PKGS/root
	[ -f "$SMARTHOST_PKGS/.complete" ] ||
		sh_die "packages not unpacked in $SMARTHOST_PKGS; run tests/smarthost/fetch first"
	PF_LIBS=$R/usr/lib/postfix
	DV_LIBS=$R/usr/lib/dovecot:$R/usr/lib/dovecot/modules/old-stats
	LD_LIBRARY_PATH=$PF_LIBS:$DV_LIBS
	export LD_LIBRARY_PATH
}

# sh_instance DIR: absolute instance directory (must exist).
sh_instance() {
	[ -n "${1:-}" ] || sh_die "usage: $(basename "$0") DIR"
	[ -d "$1" ] || sh_die "$1: no such instance directory"
	(cd "$1" && pwd)
}

# sh_rundir: set S, the directory the servers of instance I run in (I, or
# a directory under /tmp when I is unsuitable; see start).
sh_rundir() {
	S=$I
	[ -f "$I/rundir" ] && S=$(cat "$I/rundir")
	return 0
}

# sh_postfix ARGS...: run the unpacked postfix command on this instance.
sh_postfix() {
	"$R/usr/sbin/postfix" -c "$S/postfix/etc" "$@"
}

# sh_banner PORT MODE TAG: 0 when a 220 greeting naming TAG (this instance's
# tag, so that another instance on a reused port does not count) arrives on
# 127.0.0.1:PORT; MODE is plain or tls (implicit TLS).
sh_banner() {
	local greeting
	if [ "$2" = tls ]; then
		greeting=$(echo QUIT | timeout 5 openssl s_client -quiet -connect "127.0.0.1:$1" \
			-verify_quiet 2>/dev/null | head -n 1)
	else
		greeting=$(timeout 5 bash -c 'exec 3<>/dev/tcp/127.0.0.1/$1 && read -r l <&3 &&
			printf "QUIT\r\n" >&3 && printf "%s\n" "$l"' _ "$1" 2>/dev/null)
	fi
	case $greeting in
	"220 "*" $3"*) return 0 ;;
	esac
	return 1
}

# sh_wait_until SECONDS CMD...: poll CMD every 0.1 s until it succeeds.
sh_wait_until() {
	sh_w_n=$(($1 * 10))
	shift
	while [ "$sh_w_n" -gt 0 ]; do
		"$@" && return 0
		sleep 0.1
		sh_w_n=$((sh_w_n - 1))
	done
	return 1
}

# sh_state PID: the process state letter (R, S, Z, ...), empty if gone.
sh_state() {
	sed -n 's/^[0-9]* (.*) \([A-Z]\) .*/\1/p' "/proc/$1/stat" 2>/dev/null
}

# sh_gone PID: 0 when the process has exited (a zombie that nobody reaps,
# as under a container's init, counts as exited).
sh_gone() {
	case $(sh_state "$1") in
	'' | Z | X) return 0 ;;
	esac
	return 1
}

# sh_instance_pids DIR: live processes whose command line or environment
# names this instance (Postfix daemons carry MAIL_CONFIG, Dovecot and Exim
# their -c/-C configuration file).
sh_instance_pids() {
	local p pid pids=
	for p in /proc/[0-9]*; do
		pid=${p#/proc/}
		[ "$pid" = "$$" ] && continue
		sh_gone "$pid" && continue
		if { tr '\0' '\n' <"$p/cmdline" | grep -qxF -e "$1/postfix/etc" \
			-e "$1/dovecot/dovecot.conf" -e "$1/exim/exim.conf" ||
			tr '\0' '\n' <"$p/environ" | grep -qxF "MAIL_CONFIG=$1/postfix/etc"; } 2>/dev/null
		then
			pids="$pids $pid"
		fi
	done
	echo $pids
}

# sh_silent PORT MODE TAG: 0 when the instance tagged TAG no longer greets.
sh_silent() {
	! sh_banner "$@"
}

# ---- shared by start (Postfix) and exim (Exim) ----

# sh_free_ports N: N distinct free loopback ports (held open together while
# they are chosen).
sh_free_ports() {
	python3 -c '
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))' "$1"
}

# sh_make_certs DIR: the test CA, the server certificate (localhost,
# 127.0.0.1, ::1) and the negative-test ones (wrongname: a name other than
# localhost from the same CA; untrusted: localhost from another CA), each
# as NAME.key, NAME.crt and NAME.pem (key and certificate), keys mode 600.
sh_make_certs() {
	(
	set -e
	mkdir -p "$1"
	cd "$1"
	key() { openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null; }
	ca() { # NAME CN
		key "$1.key"
		openssl req -new -x509 -key "$1.key" -out "$1.crt" -days 3650 -subj "/O=relayq tests/CN=$2" \
			-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign \
			2>/dev/null
	}
	leaf() { # NAME CA SAN
		key "$1.key"
		openssl req -new -key "$1.key" -subj "/O=relayq tests/CN=${3%%,*}" -out "$1.csr" 2>/dev/null
		printf '%s\n' "basicConstraints=critical,CA:FALSE" \
			"keyUsage=critical,digitalSignature" "extendedKeyUsage=serverAuth" \
			"subjectAltName=$4" "authorityKeyIdentifier=keyid" "subjectKeyIdentifier=hash" >"$1.ext"
		openssl x509 -req -in "$1.csr" -CA "$2.crt" -CAkey "$2.key" -CAcreateserial \
			-days 3650 -extfile "$1.ext" -out "$1.crt" 2>/dev/null
		cat "$1.key" "$1.crt" >"$1.pem"
		chmod 600 "$1.key" "$1.pem"
		rm -f "$1.csr" "$1.ext"
	}
	ca ca "relayq test CA"
	ca untrusted-ca "relayq untrusted CA"
	leaf server ca localhost "DNS:localhost,IP:127.0.0.1,IP:::1"
	leaf wrongname ca wrong.example.test "DNS:wrong.example.test"
	leaf untrusted untrusted-ca localhost "DNS:localhost,IP:127.0.0.1,IP:::1"
	) || sh_die "could not make the test certificates in $1 (openssl)"
}

# sh_fpr CERT [pubkey]: SHA-256 of the DER certificate (AB:CD:...), or of
# its SubjectPublicKeyInfo (hex).
sh_fpr() {
	if [ "${2:-}" = pubkey ]; then
		openssl x509 -in "$1" -pubkey -noout | openssl pkey -pubin -outform DER |
			openssl dgst -sha256 | sed 's/.*= //'
	else
		openssl x509 -in "$1" -noout -fingerprint -sha256 | sed 's/.*=//'
	fi
}

# sh_tls_env TLSDIR: the env lines naming the CA and the server certificate.
sh_tls_env() {
	cat <<-ENV
	CA_FILE='$1/ca.crt'
	CA_SHA256=$(sh_fpr "$1/ca.crt")
	SERVER_CERT='$1/server.crt'
	SERVER_CERT_SHA256=$(sh_fpr "$1/server.crt")
	SERVER_PUBKEY_SHA256=$(sh_fpr "$1/server.crt" pubkey)
	UNTRUSTED_CA_FILE='$1/untrusted-ca.crt'
	ENV
}

# The test users, the same for every server.
TEST_USER=alice
TEST_PASSWORD=wonderland-42
TEST_USER2=bob
TEST_PASSWORD2='b0b says "hi" \ there'

# sh_reachable DIR USER...: every USER may enter DIR.
sh_reachable() {
	local d=$1 u
	shift
	for u in "$@"; do
		setpriv --reuid="$u" --regid="$u" --clear-groups test -x "$d/." || return 1
	done
}

# sh_server: the server of instance I (postfix, or exim for `start --server exim`).
sh_server() {
	if [ -f "$I/server" ]; then cat "$I/server"; else echo postfix; fi
}
