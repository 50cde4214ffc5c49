#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Measure the pipeline's speed figures quoted in selftests/TESTING.md from
# nothing: scripts/fresh-check.sh builds a pristine Debian 12 root and runs
# the README's "make run" and "make check" there (packages, tree, kernels
# and an empty ccache included), then, in the same root, "make check
# ARCH=arm64 KVER=6.12" after a one-line change to FILE.  Prints both runs' tables,
# the total from an empty root to the clean check's verdict, and each
# run's verdict line.  Takes the machine for about an hour with two trees.
#
# Usage: measure-pipeline.sh [FILE-TO-TOUCH]

set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
touch_file=${1:-kernel/dma/dcma/region.c}
full=$(mktemp) incr=$(mktemp)
trap 'rm -f "$full" "$incr"' EXIT

rc=0
"$top/scripts/fresh-check.sh" "$top/build" | tee "$full" || rc=$?
[ $rc -eq 0 ] && { "$top/scripts/fresh-check.sh" "$top/build" --touch "$touch_file" |
	tee "$incr" || rc=$?; }

# minutes and seconds of the row whose step matches $2 in file $1
secs() { awk -F'|' -v n="$2" '$2 ~ n { split($3, a, " "); print a[1] * 60 + a[3] }' "$1"; }
total=$(( $(secs "$full" "pristine root") + $(secs "$full" "make run") +
	  $(secs "$full" "make check .both") ))
echo
echo "From an empty root to the clean make check's verdict, packages included:" \
	"$((total / 60)) min $(printf %02d $((total % 60))) s"
echo "clean: $(tail -n 1 "$full")"
[ ! -s "$incr" ] || echo "one-line change: $(tail -n 1 "$incr")"
exit $rc
