#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The README's two commands on a fresh Debian 12 machine: build a pristine
# bookworm root with Debian's mmdebstrap (minbase, plus make and git, which
# a user needs to fetch the project and to type "make"), from the Debian
# apt sources this host uses, clone the committed checkout into it and run
# "make run" and then "make check" there, in a chroot with /proc, /sys and
# /dev mounted, with an empty ccache.  Nothing the host has installed is
# visible inside, so a package that "make deps" does not install fails
# here even when this machine has it.
#
# With --touch FILE, the root of the last complete run is used again: one
# line is appended to FILE (a path in the checkout) and "make check
# ARCH=arm64 KVER=6.12" (one arch, one tree) runs there, the incremental
# figure of
# scripts/measure-pipeline.sh.
#
# Prints the wall time of each step and ends with the verdict line of the
# last "make check".  The exit status is 0 only when every step passed.
# The root and the logs are kept in BUILD_DIR/fresh until the next full
# run, which starts again from nothing.
#
# Usage: fresh-check.sh BUILD_DIR [--touch FILE]

set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
build=$(mkdir -p "$1" && cd "$1" && pwd)
shift
touch_file=
if [ "${1:-}" = --touch ]; then
	touch_file=${2:?--touch needs a file}
	shift 2
fi
[ $# -eq 0 ] || { echo "usage: fresh-check.sh BUILD_DIR [--touch FILE]" >&2; exit 2; }

work=$build/fresh
root=$work/root
logs=$work/logs
need_gib=30

die() {
	echo "fresh-check: $*" >&2
	exit 1
}

[ "$(id -u)" = 0 ] || die "must run as root (mmdebstrap and chroot)"
command -v mmdebstrap >/dev/null ||
	die "mmdebstrap is missing; run 'scripts/deps.sh $build fresh'"
[ -z "$touch_file" ] || [ -f "$top/$touch_file" ] ||
	die "--touch $touch_file: no such file in the checkout"

# Every mount below the root, deepest first.
unmount_all() {
	local m
	[ -d "$root" ] || return 0
	for m in $(findmnt -rn -o TARGET | grep -F "$root" | sort -r); do
		umount -l "$m" 2>/dev/null || true
	done
}

# A previous run, finished or killed, leaves at most a root and its
# mounts: unmount, check, then remove within this file system only.
cleanup_old() {
	unmount_all
	if findmnt -rn -o TARGET | grep -qF "$root"; then
		die "cannot unmount $(findmnt -rn -o TARGET | grep -F "$root" | head -n 1); unmount it by hand"
	fi
	rm -rf --one-file-system "$work"
}

trap unmount_all EXIT
trap 'exit 130' INT TERM
if [ -n "$touch_file" ]; then
	[ -f "$work/complete" ] ||
		die "--touch needs the root of a complete run; run 'make fresh-check' first"
	unmount_all
else
	cleanup_old
fi
mkdir -p "$logs"

avail=$(df -P --block-size=1G "$work" | awk 'NR == 2 { print $4 }')
[ "$avail" -ge "$need_gib" ] ||
	[ -n "$touch_file" ] ||
	die "$work has $avail GiB free; a fresh root with two kernel builds needs $need_gib GiB"

now() { date +%s; }
mins() { awk -v s="$1" 'BEGIN { printf "%d min %02d s", s / 60, s % 60 }'; }
steps=()
step_done() {	# step_done NAME START
	steps+=("$1|$(mins $(($(now) - $2)))")
	echo "fresh-check: $1 took $(mins $(($(now) - $2)))"
}
report() {
	echo
	echo "| step | wall time |"
	echo "| --- | --- |"
	local s
	for s in "${steps[@]}"; do
		echo "| ${s%%|*} | ${s#*|} |"
	done
}

if [ -z "$touch_file" ]; then
	# --- the root ------------------------------------------------------------
	# The host's Debian sources (deb822 or one-line) and the apt settings it
	# needs to reach them; nothing else of the host's apt configuration.
	mirrors=()
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
		[ -s "$f" ] && grep -qE '^[^#]*(debian|bookworm)' "$f" && mirrors+=("$f")
	done
	[ ${#mirrors[@]} -gt 0 ] || die "no Debian apt sources on this host to build the root from"
	aptopts=()
	for f in /etc/apt/apt.conf.d/*; do
		[ -f "$f" ] && grep -q '^Acquire::' "$f" && aptopts+=(--aptopt="$f")
	done

	echo "fresh-check: building a pristine Debian 12 root in $root (log: $logs/root.log)"
	t=$(now)
	if ! mmdebstrap --variant=minbase --include=make,git,ca-certificates \
		"${aptopts[@]}" bookworm "$root" "${mirrors[@]}" > "$logs/root.log" 2>&1; then
		cause=$(grep -m 1 '^E: ' "$logs/root.log" || tail -n 1 "$logs/root.log")
		die "mmdebstrap could not build the root (${cause#E: }); check the network to the package archive and the free space in $work (log: $logs/root.log)"
	fi
	step_done "pristine root (mmdebstrap minbase + make, git)" "$t"

	# the committed checkout, as a user would clone it
	git clone -q "$top" "$root/root/dcma" || die "cannot clone $top into the root"
	[ -z "$(git -C "$top" status --porcelain --untracked-files=no)" ] ||
		echo "fresh-check: note: uncommitted changes in $top are not part of the clone"
	cp -L /etc/resolv.conf "$root/etc/resolv.conf"
fi

mount -t proc proc "$root/proc"
mount -t sysfs sys "$root/sys"
mount --rbind /dev "$root/dev"
mount --make-rslave "$root/dev"

# in_root STEP LOG COMMAND: run COMMAND in the checkout inside the root
rc=0
in_root() {
	local name=$1 log=$2 t
	shift 2
	echo "fresh-check: $name (log: $logs/$log)"
	t=$(now)
	if ! env -i HOME=/root TERM=dumb PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
		chroot "$root" /bin/bash -c "cd /root/dcma && $*" > "$logs/$log" 2>&1; then
		rc=1
		echo "fresh-check: $name failed; the end of its log:" >&2
		tail -n 15 "$logs/$log" >&2
	fi
	step_done "$name" "$t"
}

verdict() { grep -E '^[0-9]+ passed, [0-9]+ failed' "$logs/$1" | tail -n 1; }

if [ -z "$touch_file" ]; then
	in_root "make run (packages, tree, arm64 kernel, demo boot)" run.log make run
	in_root "make check (both trees, both arches)" check.log make check
	final=$(verdict check.log)
	[ $rc -ne 0 ] || touch "$work/complete"
else
	echo "/* fresh-check: a one-line change */" >> "$root/root/dcma/$touch_file"
	in_root "make check ARCH=arm64 KVER=6.12 after a one-line change to $touch_file" incr.log \
		make check ARCH=arm64 KVER=6.12
	final=$(verdict incr.log)
fi

report
echo
echo "Measured $(date -u +%Y-%m-%d) at commit $(git -C "$root/root/dcma" rev-parse --short HEAD)" \
	"on $(nproc) cores, $(free -g | awk '/Mem:/ { print $2 }') GiB; logs in $logs"
[ -n "$final" ] || { final="0 passed, 1 failed"; echo "fresh-check: make check printed no verdict" >&2; rc=1; }
echo "$final"
case $final in *" 0 failed"*) ;; *) rc=1 ;; esac
exit $rc
