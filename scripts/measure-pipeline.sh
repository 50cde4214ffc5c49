#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Measure the pipeline's speed figures quoted in Documentation/dcma/
# testing.rst from nothing: scripts/fresh-check.sh builds a pristine
# Debian 12 root, runs the README's "make run" and "make check" there
# (packages, tree, kernels and an empty ccache included), then
# "make check ARCH=arm64" after a one-line change to FILE.
# Prints fresh-check's Markdown table, the total from an empty root to the
# clean check's verdict, and the verdict line.  Takes the machine for
# about 40 minutes.
#
# Usage: measure-pipeline.sh [FILE-TO-TOUCH]

set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
touch_file=${1:-kernel/dma/dcma/region.c}
out=$(mktemp)
trap 'rm -f "$out"' EXIT

t0=$(date +%s)
rc=0
"$top/scripts/fresh-check.sh" "$top/build" --touch "$touch_file" | tee "$out" || rc=$?

# the steps up to the clean check: root, make run, make check
secs() { awk -F'|' -v n="$1" '$2 ~ n { split($3, a, " "); print a[1] * 60 + a[3] }' "$out"; }
total=$(( $(secs "pristine root") + $(secs "make run") + $(secs "make check .both") ))
echo
printf 'From an empty root to the clean make check'"'"'s verdict, packages included: %d min %02d s\n' \
	$((total / 60)) $((total % 60))
printf '(wall clock of the whole script: %d min)\n' $(( ($(date +%s) - t0) / 60 ))
tail -n 1 "$out"
exit $rc
