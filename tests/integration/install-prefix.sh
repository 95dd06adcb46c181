#!/bin/bash
# install-prefix.sh — `./configure --prefix=$HOME/.local && make install`
# works without root and writes nothing outside the prefix (issue 12).
#
# A throwaway user (created here, removed by the trap) configures a clean
# copy of the sources with a private prefix, builds and installs it.  Then:
# make install exits 0 (as non-root, any write to /lib/systemd, /etc,
# /var/spool, /usr/local fails), the files are where the prefix says (the
# systemd units under PREFIX/lib/systemd, the spool under localstatedir with
# mode 1733), the installed units name the installed program and spool,
# and no file of that user exists anywhere on the machine outside its build
# directory (find / -xdev -user UID; a file the user writes to /tmp on
# purpose shows that the listing sees such a file).  make uninstall leaves no
# file behind.  Needs root (to create the user); about 40 s (a full build).
. "$(dirname "$0")/lib.sh"

[ "$(id -u)" -eq 0 ] || skip_all "needs root to create a throwaway user"
for c in useradd userdel setpriv find; do
	command -v "$c" >/dev/null 2>&1 || skip_all "$c is missing (passwd, util-linux, findutils)"
done

plan 12

U=relayq-inst$$
W=
cleanup_user() {
	userdel "$U" >/dev/null 2>&1
	[ -n "$W" ] && rm -rf "$W"
}
trap 'cleanup_user; t_exit' EXIT
useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$U" ||
	bail_out "useradd $U failed"
uid=$(id -u "$U")
gid=$(id -g "$U")

# A clean source tree the user owns: the sources without build products
# (an in-tree build is cleaned with make distclean, as the user).
W=$(mktemp -d /tmp/relayq-prefix.XXXXXX) || bail_out "cannot create a directory under /tmp"
chmod 755 "$W"
tar -C "$top_srcdir" --exclude=./tests/work --exclude=./.git --exclude=./build-san --exclude=./build-analyze \
	--exclude='./relayq-[0-9]*' --exclude=./_build --exclude=./debian/.debhelper \
	--exclude=./autom4te.cache -cf - . | (mkdir "$W/src" && tar -C "$W/src" -xf -) ||
	bail_out "cannot copy $top_srcdir to $W/src"
mkdir "$W/home"
chown -R "$uid:$gid" "$W/src" "$W/home"
chmod -R u+w "$W/src"
P=$W/home/.local

# as_user CMD: run CMD (a shell line) as the user, in $W/src, with a clean
# environment (make check's MAKEFLAGS must not leak into the inner make).
as_user() {
	setpriv --reuid="$uid" --regid="$gid" --clear-groups -- \
		env -i PATH=/usr/local/bin:/usr/bin:/bin HOME="$W/home" LC_ALL=C \
		sh -c "cd '$W/src' && $1" 2>&1
}

# A marker older than everything the user makes (mtime of the build).
out=$(as_user "if [ -f Makefile ]; then make distclean >/dev/null; fi &&
	./configure --prefix='$P' >configure.out && make -j2 >make.out && make install >install.out")
rc=$?
is "$rc" 0 "as uid $uid: configure --prefix=\$HOME/.local, make and make install exit 0"
[ "$rc" -eq 0 ] || diag "$out" "$(tail -n 30 "$W/src/install.out" "$W/src/make.out" 2>/dev/null)"

is "$(grep -E 'where to install the (system|user) units' "$W/src/configure.out")" \
	'checking where to install the system units... ${prefix}/lib/systemd/system
checking where to install the user units... ${prefix}/lib/systemd/user' \
	"configure puts the units under the prefix by default"

missing=
for f in bin/relayq bin/relayq-flush share/man/man8/relayq.8 share/man/man8/relayq-flush.8 \
    share/man/man5/relayq.conf.5 share/locale/de/LC_MESSAGES/relayq.mo \
    lib/systemd/system/relayq-flush.service lib/systemd/system/relayq-flush.timer \
    lib/systemd/system/relayq-flush-spool.service lib/systemd/system/relayq-flush-spool.timer \
    lib/systemd/system/relayq-flush-spool.path \
    lib/systemd/user/relayq-flush.service lib/systemd/user/relayq-flush.timer; do
	[ -f "$P/$f" ] || missing="$missing $f"
done
is "$missing" "" "programs, man pages, catalog and all seven units are under the prefix"

is "$(stat -c '%a %u' "$P/var/spool/relayq" 2>&1)" "1733 $uid" \
	"the spool is PREFIX/var/spool/relayq (localstatedir), mode 1733"

is "$(grep -h '^ExecStart=' "$P/lib/systemd/system/relayq-flush-spool.service" \
	"$P/lib/systemd/user/relayq-flush.service" 2>&1)" \
	"ExecStart=$P/bin/relayq-flush --all-users
ExecStart=$P/bin/relayq-flush" "the installed units run the installed relayq-flush"
is "$(grep -h '^PathChanged=' "$P/lib/systemd/system/relayq-flush-spool.path" 2>&1)" \
	"PathChanged=$P/var/spool/relayq/trigger" "the installed path unit watches the installed spool"

# The installed programs use the prefix's configuration and spool: with no
# configuration file the front end names PREFIX/etc/relayq.conf.
out=$(as_user "'$P/bin/relayq' check")
case $out in
*"$P/etc/relayq.conf"*) ok "the installed relayq reads PREFIX/etc/relayq.conf (sysconfdir)" ;;
*) not_ok "the installed relayq reads PREFIX/etc/relayq.conf (sysconfdir)" "$out" ;;
esac

# outside: every file of the user on the machine outside $W.
outside() {
	find / /dev/shm -xdev \( -path "$W" -o -path /proc \) -prune -o -user "$uid" -print 2>/dev/null
}
as_user "touch /tmp/relayq-prefix-control.$$" >/dev/null
is "$(outside)" "/tmp/relayq-prefix-control.$$" \
	"control: the listing finds a file the user wrote outside the prefix"
rm -f "/tmp/relayq-prefix-control.$$"
is "$(outside)" "" "make install wrote no file outside the build directory and the prefix"

# Negative control: the same make install with the old default (the system
# unit directory) fails for this user, i.e. the test would catch it.
out=$(as_user "make install systemdsystemunitdir=/lib/systemd/system")
rc=$?
if [ "$rc" -ne 0 ]; then
	ok "control: installing the units to /lib/systemd/system fails as non-root (exit $rc)"
else
	not_ok "control: installing the units to /lib/systemd/system fails as non-root" "$out"
fi

out=$(as_user "make uninstall >uninstall.out")
is "$?" 0 "make uninstall as the user exits 0"
is "$(find "$P" ! -type d 2>&1)" "" "make uninstall leaves no file under the prefix"

done_testing
