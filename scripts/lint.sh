#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# The static checks dcma promises, each one a pass or a fail:
#  - checkpatch.pl --strict: 0 errors and 0 warnings on every kernel file
#    and integration patch of ours;
#  - kernel-doc: no warnings on our kernel files, and a Context: and a
#    Return: (void functions excepted) on every documented function;
#  - sparse (C=2) and W=1 on kernel/dma/dcma/, samples/dcma/ and
#    kernel/dma/dcma_benchmark.c, in the arm64 build folder;
#  - dt-doc-validate on our device-tree bindings.
# Ends with "N passed, N failed".
#
# Usage: lint.sh TREE OBJDIR MAKE-ARGS...

set -uo pipefail

top=$(cd "$(dirname "$0")/.." && pwd)
tree=$1 obj=$2
shift 2
passed=0 failed=0

result() {	# NAME OK? OUTPUT
	if [ "$2" = 0 ]; then
		echo "ok $1"
		passed=$((passed + 1))
	else
		echo "FAIL $1"
		printf '%s\n' "$3" | sed 's/^/#   /' | head -n 40
		failed=$((failed + 1))
	fi
}

cd "$top" || exit 1
kfiles=$(find kernel include selftests/edu -name '*.[ch]' | sort)
patches=$(ls scripts/patches/"${KVER:?KVER names the tree}"/*.patch)

for f in $kfiles; do
	out=$(perl "$tree/scripts/checkpatch.pl" --strict --no-tree --terse -q -f "$f" 2>&1 |
	      grep -E ': (ERROR|WARNING):')
	result "checkpatch $f" "$([ -z "$out" ]; echo $?)" "$out"
done
for p in $patches; do
	# from inside the kernel tree: checkpatch reads a patch differently
	# when the current directory is another git checkout
	out=$(cd "$tree" && perl scripts/checkpatch.pl --strict --terse -q "$top/$p" 2>&1 |
	      grep -E ': (ERROR|WARNING):')
	result "checkpatch $p" "$([ -z "$out" ]; echo $?)" "$out"
done

for f in $kfiles; do
	# -v also warns about missing Return: sections; its "info:" lines are
	# progress, not findings
	out=$("$tree/scripts/kernel-doc" -none -v "$f" 2>&1 | grep -v ': info: ')
	# every kernel-doc'd function needs Context:, and Return: unless void
	missing=$(awk '
		/^\/\*\*$/ { doc = 1; ctx = 0; ret = 0; name = ""; next }
		doc && /^ \* [a-z_0-9]+\(\) - / { name = $2 }
		doc && /^ \* Context:/ { ctx = 1 }
		doc && /^ \* Return:/ { ret = 1 }
		doc && /^ \*\/$/ { doc = 0; want = name != ""; getline sig
			if (want && !ctx) print FILENAME ": " name " lacks Context:"
			if (want && !ret && sig !~ /^(static )?(inline )?void /)
				print FILENAME ": " name " lacks Return:" }
	' "$f")
	out=$(printf '%s\n%s' "$out" "$missing" | sed '/^$/d')
	result "kernel-doc $f" "$([ -z "$out" ]; echo $?)" "$out"
done

# the benchmark is a test tool beside the DMA core, not in dcma's folder
for t in kernel/dma/dcma/ samples/dcma/ kernel/dma/dcma_benchmark.o; do
	d=${t%/}
	d=${d%.o}
	out=$(make -s -C "$tree" O="$obj" "$@" C=2 W=1 "$t" 2>&1 |
	      grep -E 'warning|error' | grep "$d")
	result "sparse and W=1 on $d" "$([ -z "$out" ]; echo $?)" "$out"
done

for y in reserved-memory/linux,dcma.yaml dma/linux,dcma-bench.yaml; do
	out=$(cd "$tree/Documentation/devicetree/bindings" &&
	      dt-doc-validate -u . "$y" 2>&1)
	result "dt-doc-validate $y" $? "$out"
done

# the binding's example against the binding: dt-validate prints what does
# not match (and exits 0 all the same), so any output is a failure
tmp=$(mktemp -d)
bindings="$tree/Documentation/devicetree/bindings"
# Linux 6.12 moved reserved-memory.yaml, which linux,dcma.yaml refers to,
# into dtschema, whose Debian 12 version (2022.08) predates the move; take
# it from linux-source-6.1, the last kernel that has it
schemas=$bindings/reserved-memory
if [ ! -f "$schemas/reserved-memory.yaml" ]; then
	schemas=$tmp/reserved-memory
	mkdir -p "$schemas"
	cp "$bindings/reserved-memory/linux,dcma.yaml" "$schemas/"
	tar -xJOf /usr/src/linux-source-6.1.tar.xz \
		linux-source-6.1/Documentation/devicetree/bindings/reserved-memory/reserved-memory.yaml \
		> "$schemas/reserved-memory.yaml"
fi
out=$(dt-mk-schema -j "$schemas/" > "$tmp/schema.json" &&
      dt-extract-example "$bindings/reserved-memory/linux,dcma.yaml" > "$tmp/ex.dts" &&
      dtc -q -I dts -O dtb -o "$tmp/ex.dtb" "$tmp/ex.dts" &&
      dt-validate -s "$tmp/schema.json" "$tmp/ex.dtb" 2>&1)
rc=$?
[ -z "$out" ] || rc=1
rm -rf "$tmp"
result "dt-validate on the linux,dcma.yaml example" "$rc" "$out"

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
