#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Build the test initramfs with the kernel's own gen_init_cpio (no root
# needed, device nodes included): a static busybox with its applets linked
# under /bin, scripts/guest/ as /init and /bin, and the installed kselftests
# under /kselftest.
#
# Usage: mkinitramfs.sh OUT.cpio.gz GEN_INIT_CPIO BUSYBOX KSELFTEST_DIR

set -euo pipefail

out=$1 gen=$2 busybox=$3 ksft=$4
guest=$(cd "$(dirname "$0")/guest" && pwd)

die() {
	echo "mkinitramfs: $*" >&2
	exit 1
}

[ -x "$gen" ] || die "$gen is missing (the kernel build makes it)"
[ -f "$busybox" ] || die "$busybox is missing; run 'make deps'"
[ -d "$ksft" ] || die "$ksft is missing (kselftests not installed)"

# The applet list comes from the host's busybox-static of the same
# Debian version: the target's binary may not run here.
applets=$(busybox --list) || die "host busybox is missing; run 'make deps'"

spec=$(mktemp)
trap 'rm -f "$spec" "$out.tmp"' EXIT
{
	for d in /bin /sbin /usr /usr/bin /usr/sbin /dev /proc /sys /tmp /root /etc; do
		echo "dir $d 0755 0 0"
	done
	echo "nod /dev/console 0600 0 0 c 5 1"
	echo "nod /dev/null 0666 0 0 c 1 3"
	echo "file /bin/busybox $busybox 0755 0 0"
	for a in $applets; do
		[ "$a" = busybox ] || echo "slink /bin/$a busybox 0777 0 0"
	done
	echo "file /init $guest/init 0755 0 0"
	for f in "$guest"/*; do
		[ "$(basename "$f")" = init ] ||
			echo "file /bin/$(basename "$f") $f 0755 0 0"
	done
	(cd "$ksft" && find . -mindepth 1 | sort) | while read -r p; do
		p=${p#./}
		if [ -d "$ksft/$p" ]; then
			echo "dir /kselftest/$p 0755 0 0"
		else
			echo "file /kselftest/$p $ksft/$p $(stat -c %a "$ksft/$p") 0 0"
		fi
	done
} > "$spec"
sed -i '0,/^nod/s//dir \/kselftest 0755 0 0\n&/' "$spec"

"$gen" "$spec" | gzip -1 > "$out.tmp"
mv "$out.tmp" "$out"
