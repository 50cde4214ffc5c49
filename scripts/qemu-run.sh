#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
#
# Boot a dcma test kernel in QEMU (TCG) and keep its serial console.
#
# Usage: qemu-run.sh ARCH KERNEL INITRD LOG MODE TIMEOUT [DTSI] [-- CMDLINE...]
#
#   ARCH     arm64 (virt, device tree) or x86_64 (q35, command line only)
#   MODE     check or bench: the console goes to LOG only; run: to the
#            terminal as well; shell: interactive, LOG kept too
#
# DCMA_SMP, DCMA_MEM and DCMA_DISK override the CPUs (2), the RAM (1G) and
# the size of the blank disks (64M).  With DCMA_MONITOR (a socket path),
# check and bench boots are driven from outside (scripts/insn-profile.py):
# the console's input is this script's, its output goes to the log and
# to standard output, and QEMU's monitor listens on the socket.
#   TIMEOUT  seconds before the guest is killed
#   DTSI     arm64: a fragment merged into QEMU's own virt device tree
#
# The exit status is QEMU's (124 on timeout); the verdict is in the log.

set -euo pipefail

arch=$1 kernel=$2 initrd=$3 log=$4 mode=$5 tmo=$6
shift 6
dtsi=""
if [ $# -gt 0 ] && [ "$1" != "--" ]; then
	dtsi=$1
	shift
fi
[ "${1:-}" = "--" ] && shift
extra="$*"

die() {
	echo "qemu-run: $*" >&2
	exit 1
}

[ -f "$kernel" ] || die "no kernel at $kernel"
[ -f "$initrd" ] || die "no initramfs at $initrd"
mkdir -p "$(dirname "$log")"

# Devices with unchanged in-tree drivers, which the tests bind to regions
# (and leave one of alone): blank disks next to the log, QEMU's edu DMA
# engine and an e1000e on user networking.  Fixed PCI slots, so that the
# command lines can name them.
disk() {	# disk NAME: a fresh sparse image, 64 MiB or $DCMA_DISK
	local img=${log%.log}-$1.img
	rm -f "$img"
	truncate -s "${DCMA_DISK:-64M}" "$img"
	echo "$img"
}
drive() {	# drive NAME: -drive arguments for a fresh disk
	echo "-drive if=none,id=$1,format=raw,file=$(disk "$1")"
}

mem=${DCMA_MEM:-1G}
smp=${DCMA_SMP:-2}
append="dcma.mode=$mode panic=-1 $extra"

case $arch in
arm64)
	machine=(-machine virt -cpu cortex-a57 -smp "$smp" -m "$mem")
	qemu=qemu-system-aarch64
	append="console=ttyAMA0 $append"
	if [ -n "$dtsi" ]; then
		# QEMU's own tree for exactly this machine, plus the fragment
		dtb=${log%.log}.dtb
		$qemu "${machine[@]}" -machine dumpdtb="$dtb.base" -nographic \
			>/dev/null 2>&1 || die "qemu could not dump the virt device tree"
		dtc -q -I dtb -O dts -o "$dtb.dts" "$dtb.base"
		cat "$dtsi" >> "$dtb.dts"
		dtc -q -I dts -O dtb -o "$dtb" "$dtb.dts" ||
			die "$dtsi does not merge into the virt device tree"
		machine+=(-dtb "$dtb")
	fi
	# the first transport is bound through the device tree, the second
	# is left alone; both use the DMA API (iommu_platform)
	devices=(-global virtio-mmio.force-legacy=false
		 $(drive vblk0) -device virtio-blk-device,drive=vblk0,iommu_platform=on
		 $(drive vblk1) -device virtio-blk-device,drive=vblk1,iommu_platform=on
		 $(drive nvme0) -device nvme,serial=dcma-nvme0,drive=nvme0,addr=04.0
		 -device edu,dma_mask=0xffffffffff,addr=05.0
		 -netdev user,id=net0 -device e1000e,netdev=net0,addr=06.0)
	;;
x86_64)
	machine=(-machine q35 -cpu qemu64 -smp "$smp" -m "$mem")
	qemu=qemu-system-x86_64
	append="console=ttyS0 $append"
	# edu keeps its 28-bit DMA mask here; the virtio disk is left alone
	devices=($(drive nvme0) -device nvme,serial=dcma-nvme0,drive=nvme0,addr=04.0
		 -device edu,addr=05.0
		 -netdev user,id=net0 -device e1000e,netdev=net0,addr=06.0
		 $(drive vblk0)
		 -device virtio-blk-pci,drive=vblk0,iommu_platform=on,disable-legacy=on,addr=07.0)
	;;
*)
	die "unknown ARCH $arch (arm64 or x86_64)"
	;;
esac
command -v $qemu >/dev/null || die "$qemu is missing; run 'make deps'"

args=("${machine[@]}" "${devices[@]}" -kernel "$kernel" -initrd "$initrd" -append "$append"
      -no-reboot ${DCMA_QEMU_ARGS:-})

rc=0
case $mode in
shell)
	$qemu "${args[@]}" -nographic | tee "$log" || rc=$?
	;;
run)
	timeout "$tmo" $qemu "${args[@]}" -monitor none -serial stdio \
		-display none < /dev/null 2>&1 | tee "$log" || rc=${PIPESTATUS[0]}
	;;
*)
	if [ -n "${DCMA_MONITOR:-}" ]; then
		timeout "$tmo" $qemu "${args[@]}" -serial stdio -display none \
			-monitor unix:"$DCMA_MONITOR",server,nowait 2>&1 |
			tee "$log" || rc=${PIPESTATUS[0]}
	else
		timeout "$tmo" $qemu "${args[@]}" -monitor none -serial stdio \
			-display none < /dev/null > "$log" 2>&1 || rc=$?
	fi
	;;
esac
[ "$rc" -eq 124 ] && echo "qemu-run: $arch guest killed after ${tmo}s; see $log" >&2
exit "$rc"
