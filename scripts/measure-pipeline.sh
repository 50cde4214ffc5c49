#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Measure the pipeline's speed figures quoted in README.md:
#  1. the Debian packages, reinstalled (downloaded and unpacked again);
#  2. a clean "make check" of both arches in a fresh clone with an empty
#     ccache;
#  3. "make check ARCH=arm64" after a one-line change to a file in
#     kernel/dma/dcma/.
# Prints a Markdown table.  Takes the machine for half an hour or more.
#
# Usage: measure-pipeline.sh [FILE-TO-TOUCH]

set -euo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
touch_file=${1:-kernel/dma/dcma/region.c}
work=$(mktemp -d /tmp/dcma-measure.XXXXXX)
git clone -q "$top" "$work/dcma"
export CCACHE_DIR=$work/ccache

now() { date +%s; }
mins() { awk -v s="$1" 'BEGIN { printf "%d min %02d s", s / 60, s % 60 }'; }

verdict() { grep -E '^[0-9]+ passed, [0-9]+ failed' "$1" | tail -n 1; }

pkgs=$(sed -n '/^packages=(/,/^)/p' "$top/scripts/deps.sh" | grep -v '^\s*#' |
	sed 's/packages=(//;s/)//' | tr -s ' \t\n' ' ')
t0=$(now)
DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --reinstall $pkgs >/dev/null
t1=$(now)
make -C "$work/dcma" check > "$work/clean.log" 2>&1 || true
t2=$(now)
echo "/* measure-pipeline: $(date) */" >> "$work/dcma/$touch_file"
make -C "$work/dcma" check ARCH=arm64 > "$work/incr.log" 2>&1 || true
t3=$(now)

echo "| step | time | verdict |"
echo "| --- | --- | --- |"
echo "| Debian packages reinstalled (\`apt-get install --reinstall\`, apt's download cache kept) | $(mins $((t1 - t0))) | |"
echo "| clean \`make check\`, both arches, empty ccache | $(mins $((t2 - t1))) | $(verdict "$work/clean.log") |"
echo "| packages + clean \`make check\` | $(mins $((t2 - t0))) | |"
echo "| \`make check ARCH=arm64\` after a one-line change to \`$touch_file\` | $(mins $((t3 - t2))) | $(verdict "$work/incr.log") |"
echo
echo "Measured $(date -u +%Y-%m-%d) at commit $(git -C "$top" rev-parse --short HEAD) on $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(ls /dev/kvm >/dev/null 2>&1 && echo KVM || echo no KVM); logs in $work"
