#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Make a test kernel's .config: tinyconfig, then the fragments merged on top,
# then olddefconfig.  Every option a fragment sets must survive olddefconfig
# (a dependency the fragments forgot would silently drop it): the first one
# that did not is named and the .config is removed, so the next run retries.
#
# Usage: kconfig.sh TREE OBJDIR FRAGMENT... -- MAKE-ARGS...

set -euo pipefail

tree=$(realpath "$1") obj=$(realpath -m "$2")
shift 2
frags=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do
	frags+=("$(realpath "$1")")
	shift
done
shift
mkdir -p "$obj"

make -s -C "$tree" O="$obj" "$@" tinyconfig >/dev/null
"$tree/scripts/kconfig/merge_config.sh" -m -O "$obj" "$obj/.config" "${frags[@]}" >/dev/null
make -s -C "$tree" O="$obj" "$@" olddefconfig >/dev/null

# What each option must end up as: the last fragment that names it wins,
# so that a variant's fragment can override the common one
declare -A want from
for f in "${frags[@]}"; do
	while IFS= read -r line; do
		case $line in
		CONFIG_*=*) opt=${line%%=*} ;;
		"# CONFIG_"*" is not set") opt=${line:2:-11} ;;
		*) continue ;;
		esac
		want[$opt]=$line
		from[$opt]=$(basename "$f")
	done < "$f"
done

missing=0
for opt in "${!want[@]}"; do
	line=${want[$opt]}
	case $line in
	CONFIG_*=*) grep -qxF "$line" "$obj/.config" || {
		echo "kconfig: $line (from ${from[$opt]}) is not set after olddefconfig; a dependency is missing" >&2
		missing=1
	} ;;
	*) grep -q "^$opt=" "$obj/.config" && {
		echo "kconfig: $opt is set although ${from[$opt]} unsets it" >&2
		missing=1
	} ;;
	esac
done
if [ $missing -ne 0 ]; then
	rm -f "$obj/.config"
	exit 1
fi
