#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Lay out one of the kernel trees dcma is built in:
#  1. extract Debian's linux-source-KVER into BUILD_DIR/linux (once per
#     package version; a tree of another version is replaced, never
#     patched);
#  2. link the project's files into it, so that an edit rebuilds
#     incrementally and a file removed from the project leaves no link;
#  3. apply scripts/patches/KVER/*.patch idempotently: an applied patch is
#     skipped, a patch that changed since it was applied is reverted in its
#     old form and applied in its new one, and every step is dry-run first
#     so that nothing is ever left half-applied.
#
# Usage: prepare-tree.sh BUILD_DIR KVER
#
# KVER is a tree dcma supports: one with a folder in scripts/patches/.

set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
want_major=${2:?usage: prepare-tree.sh BUILD_DIR KVER}
patches=$top/scripts/patches/$want_major
pkg=linux-source-$want_major

die() {
	echo "prepare-tree: $*" >&2
	exit 1
}

if [ ! -d "$patches" ]; then
	echo "prepare-tree: KVER=$want_major is not a tree dcma supports; use one of: $(cd "$top/scripts/patches" && ls -d -- */ | tr -d / | sort -rV | paste -sd' ')" >&2
	exit 2
fi
build=$(mkdir -p "$1" && cd "$1" && pwd)
tree=$build/linux
applied=$tree/.dcma-applied

# A missing program is named as missing, not taken for a broken patch.
for c in tar xz patch; do
	command -v "$c" >/dev/null || die "$c is missing; run 'make deps'"
done

# --- 1. the source package and its version ---------------------------------
version=$(dpkg-query -W -f='${Version}' "$pkg" 2>/dev/null) ||
	die "package $pkg is not installed; run 'make deps'"
tarball=/usr/src/$pkg.tar.xz
[ -f "$tarball" ] || die "$tarball is missing; reinstall $pkg ('make deps')"
case $version in
$want_major.*) ;;
*) die "$pkg is version $version, dcma needs $want_major.x; reinstall it ('make deps')" ;;
esac

if [ ! -f "$tree/.dcma-version" ] || [ "$(cat "$tree/.dcma-version")" != "$version" ]; then
	echo "prepare-tree: extracting $pkg $version"
	rm -rf "$tree" "$build/linux.tmp"
	mkdir -p "$build/linux.tmp"
	tar -C "$build/linux.tmp" -xf "$tarball"
	src=$build/linux.tmp/$pkg
	mk_version=$(sed -n 's/^VERSION = //p;s/^PATCHLEVEL = //p' "$src/Makefile" | paste -sd.)
	[ "$mk_version" = "$want_major" ] ||
		die "$tarball holds Linux $mk_version, dcma needs $want_major; reinstall $pkg ('make deps')"
	echo "$version" > "$src/.dcma-version"
	mv "$src" "$tree"
	rmdir "$build/linux.tmp"
fi

# --- 2. the overlay ----------------------------------------------------------
# Each project file gets a symlink at its kernel-tree path.  Links into the
# project that no longer resolve are dropped first.
overlay_dirs="kernel/dma include/linux Documentation samples/dcma tools/testing/selftests/dcma"
for d in $overlay_dirs; do
	[ -d "$tree/$d" ] || continue
	find "$tree/$d" -type l -lname "$top/*" ! -exec test -e {} \; -delete
done

link() {	# link SRC-IN-PROJECT DST-IN-TREE
	mkdir -p "$(dirname "$tree/$2")"
	if [ "$(readlink "$tree/$2" 2>/dev/null)" != "$top/$1" ]; then
		[ -e "$tree/$2" ] && [ ! -L "$tree/$2" ] &&
			die "$2 exists in the kernel tree; the overlay only adds files"
		ln -sfn "$top/$1" "$tree/$2"
	fi
}

for d in kernel include Documentation; do
	[ -d "$top/$d" ] || continue
	for f in $(cd "$top" && find "$d" -type f); do
		link "$f" "$f"
	done
done
link Kconfig kernel/dma/dcma/Kconfig
# the tests' edu DMA engine driver, a sample in the tree
for f in $(cd "$top/selftests/edu" && find . -type f); do
	link "selftests/edu/${f#./}" "samples/dcma/${f#./}"
done
if [ -d "$top/selftests/dcma" ]; then
	for f in $(cd "$top/selftests" && find dcma -type f); do
		link "selftests/$f" "tools/testing/selftests/$f"
	done
fi

# --- 3. the integration patches ---------------------------------------------
mkdir -p "$applied"
pdry() { patch -d "$tree" -p1 -f -s -F0 --dry-run "$@" >/dev/null 2>&1; }
papply() { patch -d "$tree" -p1 -f -s -F0 --no-backup-if-mismatch "$@" >/dev/null; }

# The applied patches that still match the tree's patches, in order,
# stay; everything applied after the first mismatch is reverted, newest
# first, and the rest of the tree's patches is applied on top.
have=$(cd "$applied" && ls -- *.patch 2>/dev/null || true)
want=$(cd "$patches" && ls -- *.patch 2>/dev/null || true)
keep=0
set -- $want
for name in $have; do
	[ "${1:-}" = "$name" ] && cmp -s "$applied/$name" "$patches/$name" || break
	keep=$((keep + 1))
	shift
done
todo="$*"

for name in $(echo "$have" | tail -n +$((keep + 1)) | sort -r); do
	pdry -R -i "$applied/$name" ||
		die "cannot revert the applied $name; run 'make clean-tree' for a fresh tree"
	papply -R -i "$applied/$name"
	rm -f "$applied/$name"
	echo "prepare-tree: reverted old $name"
done

done_now=""
for name in $todo; do
	if ! pdry -i "$patches/$name"; then
		for undo in $done_now; do
			papply -R -i "$applied/$undo" && rm -f "$applied/$undo"
		done
		die "scripts/patches/$want_major/$name does not apply to $pkg $version; the tree is left without it (fix the patch)"
	fi
	papply -i "$patches/$name"
	cp "$patches/$name" "$applied/$name"
	done_now="$name $done_now"
	echo "prepare-tree: applied $name"
done
