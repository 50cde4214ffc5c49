#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Install every Debian package dcma's build and tests need, and the arm64
# busybox for the arm64 initramfs.  Quick when nothing is missing, so that
# "make run" and "make check" can call it every time.
#
# Usage: deps.sh BUILD_DIR [fresh]
#
# With "fresh", only what "make fresh-check" needs on the host: Debian's
# mmdebstrap, which builds the pristine root the other packages are then
# installed into.

set -euo pipefail

build=$1
group=${2:-}

packages=(
	# kernel build
	gcc make bc bison flex libssl-dev libelf-dev cpio xz-utils kmod perl
	python3 ccache linux-source-6.12 linux-source-6.1
	# the tree's integration patches, the kselftest install, the checkout
	patch rsync git
	# arm64 cross build and the arm64 userspace of the test guest
	gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu libc6-dev-arm64-cross
	# guests
	qemu-system-arm qemu-system-x86 device-tree-compiler busybox-static
	# checks: sparse, device-tree schemas, libFuzzer and the sanitizers,
	# checkpatch's SPDX check of the patch series
	sparse dt-schema clang libclang-rt-14-dev python3-ply python3-git
	# the benchmark: instruction counts and the latency plot
	valgrind python3-matplotlib
)
# The programs the build and the tests call that a minimal Debian lacks,
# checked after the install so that a missing one is named as missing.
programs=(patch rsync git make gcc perl python3 ccache cpio xz bc flex bison
	qemu-system-aarch64 qemu-system-x86_64 dtc busybox sparse clang valgrind
	aarch64-linux-gnu-gcc dt-doc-validate)

if [ "$group" = fresh ]; then
	packages=(mmdebstrap)
	programs=(mmdebstrap)
elif [ -n "$group" ]; then
	echo "deps: unknown group '$group' (only 'fresh')" >&2
	exit 2
fi

die() {
	echo "deps: $*" >&2
	exit 1
}

[ "$(id -u)" = 0 ] && sudo= || sudo=sudo
apt_updated=

apt_update() {
	[ -n "$apt_updated" ] && return
	echo "deps: apt-get update"
	$sudo apt-get update -qq || die "apt-get update failed; check the network and /etc/apt/sources.list"
	apt_updated=1
}

missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
		missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	apt_update
	echo "deps: installing ${missing[*]}"
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq \
		--no-install-recommends "${missing[@]}" >/dev/null ||
		die "apt-get install ${missing[*]} failed"
fi
for c in "${programs[@]}"; do
	command -v "$c" >/dev/null ||
		die "$c is still missing after installing the packages; scripts/deps.sh must name its package"
done
[ "$group" = fresh ] && exit 0

# The static busybox for arm64 guests: unpacked from Debian's arm64
# package, never installed on the host.
bb=$build/busybox-arm64/bin/busybox
host_bb=$(dpkg-query -W -f='${Version}' busybox-static)
if [ ! -x "$bb" ] || [ "$(cat "$build/busybox-arm64/.version" 2>/dev/null)" != "$host_bb" ]; then
	if ! dpkg --print-foreign-architectures | grep -qx arm64; then
		$sudo dpkg --add-architecture arm64
		apt_updated=
	fi
	apt_update
	tmp=$(mktemp -d)
	trap 'rm -rf "$tmp"' EXIT
	(cd "$tmp" && apt-get download -qq "busybox-static:arm64=$host_bb" 2>/dev/null) ||
		die "cannot download busybox-static:arm64 $host_bb"
	rm -rf "$build/busybox-arm64"
	mkdir -p "$build"
	dpkg-deb -x "$tmp"/busybox-static_*_arm64.deb "$build/busybox-arm64"
	echo "$host_bb" > "$build/busybox-arm64/.version"
	echo "deps: unpacked busybox-static:arm64 $host_bb"
fi
