# builddir.sh — sourced by scripts/sanitize-check and scripts/analyze: make
# BUILDDIR a configured VPATH build of this source tree.
#
#   builddir_setup NAME BUILDDIR CONFIGURE-ARGS...
#
# builddir_wrap, when set, is a command configure runs under (scan-build).
# Sets top (the source tree), build (BUILDDIR, absolute) and src (the tree
# configure runs from) and leaves the shell in BUILDDIR.  Configures again
# when the arguments differ from the last time.  When the source tree is
# itself configured (an in-tree ./configure, as scripts/test-all does),
# automake refuses a second, VPATH configuration of it; the sources are
# then copied (git ls-files: tracked and new files, not ignored ones) to
# BUILDDIR/.src and built from there.  Exits with a message on failure.

builddir_say() { echo "$builddir_name: $*"; }
builddir_die() { echo "$builddir_name: $*" >&2; exit 1; }

builddir_setup() {
	builddir_name=$1
	build=$2
	shift 2
	top=$(cd "$(dirname "$0")/.." && pwd)
	mkdir -p "$build" || builddir_die "cannot create $build"
	build=$(cd "$build" && pwd)
	src=$top
	local fresh=no rel
	if [ -f "$top/config.status" ]; then
		command -v git >/dev/null 2>&1 && git -C "$top" rev-parse --git-dir >/dev/null 2>&1 ||
			builddir_die "$top is configured in place and is no git checkout: run 'make distclean' there first"
		src=$build/.src
		rel=${build#"$top"/}
		builddir_say "$top is configured in place: building from a copy in $src"
		rm -rf "$src" && mkdir -p "$src" || builddir_die "cannot create $src"
		(cd "$top" && git ls-files -z --cached --others --exclude-standard |
			grep -zv "^$rel/" | xargs -0 cp --parents -t "$src") ||
			builddir_die "cannot copy the sources to $src"
		fresh=yes
	fi
	if [ ! -x "$src/configure" ] || [ "$src/configure.ac" -nt "$src/configure" ]; then
		builddir_say "autogen.sh in $src"
		(cd "$src" && ./autogen.sh) >"$build/autogen.log" 2>&1 ||
			builddir_die "autogen.sh failed, see $build/autogen.log"
	fi
	cd "$build" || exit 1
	if [ $fresh = yes ] || [ ! -f Makefile ] ||
	    [ "$(cat .configure-args 2>/dev/null)" != "${builddir_wrap:-} $*" ]; then
		builddir_say "${builddir_wrap:+$builddir_wrap }configure $* in $build"
		rm -f .configure-args
		${builddir_wrap:-} "$src/configure" "$@" >configure.out 2>&1 ||
			builddir_die "configure failed, see $build/configure.out and $build/config.log"
		echo "${builddir_wrap:-} $*" >.configure-args
	fi
}
