# SPDX-License-Identifier: GPL-2.0
#
# dcma: build, boot and test.  This file drives everything and is never
# copied into the kernel tree.
#
#   make run              boot the arm64 demo kernel and show the regions
#   make shell            the same guest, interactive
#   make check            host harness, then the boot tests of both arches
#                         on Linux 6.12, and each arch's main boot on 6.1
#   make check ARCH=arm64 one arch only
#   make check-debug      the same with lockdep, KASAN, kmemleak, DEBUG_VM,
#                         on one tree (KVER=, 6.12 by default)
#   make bench            dcma against mainline CMA in the same boot, per
#                         arch, the camera-open benchmark (two boots per
#                         arch), and the allocators' scaling on the host:
#                         build/bench.json, build/bench.png; on the wall
#                         clock, 3 runs (BENCH_RUNS=)
#   make bench BENCH_TIME=icount
#                         the same boots instruction-timed, for the fixed
#                         costs (no camera)
#   make bench-lockstat   the concurrency runs on a LOCK_STAT kernel
#   make bench-insns      where the instructions of a DMA API allocation
#                         and free go, counted exactly by function
#                         (build/6.12/ARCH/insns-SIZE.txt)
#   make bench-camera     the camera-open benchmark alone:
#                         build/bench-camera.json, build/bench-camera.png
#   make lint             checkpatch, kernel-doc, sparse and W=1, dt-schema
#   make patches          the git format-patch series of the tree, with a
#                         cover letter: build/patches-<KVER>/
#   make patches-check    build the arm64 kernel at each patch of it
#   make deps             install every Debian package needed
#   make fresh-check      "make run" and "make check" in a pristine Debian 12
#                         root built with mmdebstrap (long; not in check)
#   make clean            remove build/ (the ccache is kept)
#
# KVER= picks the kernel tree: 6.12 (Linux 6.12 LTS, the default) or 6.1,
# from Debian's linux-source-<KVER>.  "make check" tests both.
#
# Everything lands in build/<KVER>/: the patched kernel tree in linux/,
# one out-of-tree object folder per arch and variant, guest console logs
# next to their kernel, parsed results in results/.

TOP := $(CURDIR)
B := $(TOP)/build

ifeq ($(DCMA_LOCK_HELD),)
# The whole run again, under a lock on build/: two runs at once would
# build into the same object folders and break each other's files.
GOALS := $(or $(MAKECMDGOALS),all)

$(firstword $(GOALS)):
	@mkdir -p $(B)
	@flock -n -E 75 $(B)/.lock $(MAKE) --no-print-directory \
		DCMA_LOCK_HELD=1 $(GOALS) || { rc=$$?; [ $$rc -ne 75 ] || \
		echo "make: another make is running in $(TOP); wait for it" >&2; \
		exit $$rc; }

$(wordlist 2,$(words $(GOALS)),$(GOALS)): $(firstword $(GOALS))
	@:

.PHONY: $(GOALS)
else
# The trees dcma supports, newest first: one folder of integration
# patches each
KVERS := $(shell cd $(TOP)/scripts/patches && ls -d */ | tr -d / | sort -rV)
KVER ?= $(firstword $(KVERS))
ifeq ($(filter $(KVER),$(KVERS)),)
$(error KVER=$(KVER) is not a tree dcma supports; use one of: $(KVERS))
endif
KB := $(B)/$(KVER)
TREE := $(KB)/linux
ARCHES := $(or $(ARCH),arm64 x86_64)
VARIANT ?=
JOBS ?= $(shell nproc)

# ccache, with paths relative to the checkout so that another clone of the
# project (CI's) hits the same cache; fixed build stamps for the same reason.
export CCACHE_BASEDIR := $(TOP)
export CCACHE_DIR ?= $(or $(HOME),$(B))/.cache/ccache
export CCACHE_MAXSIZE ?= 8G
export KBUILD_BUILD_TIMESTAMP := 2026-01-01
export KBUILD_BUILD_USER := dcma
export KBUILD_BUILD_HOST := dcma

# vivid as one webcam: a capture node only, on videobuf2-dma-contig,
# needing two buffers to stream as a real capture driver does (without
# the request API, which lets it start with none)
VIVID := vivid.n_devs=1 vivid.node_types=0x1 vivid.num_inputs=1 \
	 vivid.input_types=0 vivid.allocators=1 vivid.supports_requests=0

KARCH_arm64 := arm64
CROSS_arm64 := aarch64-linux-gnu-
IMAGE_arm64 := arch/arm64/boot/Image
BUSYBOX_arm64 := $(B)/busybox-arm64/bin/busybox
DTSI_arm64 := $(TOP)/scripts/dts/arm64-check.dtsi
# Good regions and bad ones: the tests check that each bad one is
# reported and skipped while the good ones exist.
MAP_BAD := bad[x=cam;nosuch=zz;pci:xyz=cam;dcma-test.2/k=tiny:maybe
# The devices of scripts/qemu-run.sh bound by dcma_map= (by name, driver
# and PCI ID), the test knob's devices, and malformed, unknown, duplicate
# and conflicting rules.  cma=64M is the default area vivid.0's 4K
# buffers fall back to in the takeover boot.
CMDLINE_arm64 := cma=64M dcma=cam=32M;vid=24M;carve=8M,exclusive;nvm=8M;net=4M,exclusive;tiny=1M,exclusive;bad=4MX;nope=4M:buddy;out=4M@0x10000000;ovl=4M@0x54000000;mis=4M@0x40100000 \
	dcma_map=0000:00:04.0=nvm;driver:dcma_edu=cam;driver:e1000e=net;vivid.0=vid;dcma-test.0=tiny;dcma-test.0/scratch=carve;dcma-test.1=tiny:fallback;dcma-test.3/scratch=carve;driver:dcma-test=tiny;0000:00:04.0=cam;0000:00:04.0=nvm;$(MAP_BAD) \
	dcma_edu.dma_bits=40 $(VIVID) dcma.ksft=dcma

KARCH_x86_64 := x86_64
CROSS_x86_64 :=
IMAGE_x86_64 := arch/x86/boot/bzImage
BUSYBOX_x86_64 := /bin/busybox
DTSI_x86_64 :=
CMDLINE_x86_64 := cma=32M dcma=cam=32M;vid=24M;ffr=16M:ff;carve=8M,exclusive;nvm=8M;net=4M,exclusive;tiny=1M,exclusive;edu=16M@0x8000000;bad=4MX;cam=8M;nope=4M:buddy;out=4M@0x100000000;ovl=4M@0x1000000 \
	dcma_map=pci:1b36:0010=nvm;driver:e1000e=net;pci:1234:11e8=cam,edu;vivid.0=vid;dcma-test.0=tiny;dcma-test.0/scratch=carve;dcma-test.1=tiny:fallback;dcma-test.3/scratch=carve;driver:dcma-test=tiny;pci:1b36:0010=cam;pci:1b36:0010=nvm;$(MAP_BAD) \
	$(VIVID) dcma.ksft=dcma

# A second arm64 boot where dcma takes mainline's shared-dma-pool nodes
DTSI_arm64-takeover := $(DTSI_arm64)
# and where a dcma= and a dcma_map= given first are replaced by the later
# ones; vivid.0 falls back to mainline CMA there when vid is full
CMDLINE_arm64-takeover := dcma=dropped=4M dcma_map=dcma-test.2=dropped \
	$(subst ;vivid.0=vid;,;vivid.0=vid:fallback;,$(CMDLINE_arm64)) \
	dcma.shared_dma_pool=1
# A boot per arch for the kernel's own dma-buf heap selftest, which fills
# every heap with 32 MiB: only regions that big, and only that test
CMDLINE_HEAPS := dcma=heap-bf=40M;heap-ff=40M:ff;heap-carve=40M,exclusive dcma.ksft=dmabuf-heaps
CMDLINE_arm64-heaps := $(CMDLINE_HEAPS)
CMDLINE_x86_64-heaps := $(CMDLINE_HEAPS)
# The benchmark's boots: dcma regions and mainline CMA areas of the same
# size, and the benchmark driver's devices on them.  "make check" runs
# its smoke test there; "make bench" the benchmark itself.  vivid is
# there for the smoke test of the camera benchmark's tool: bound to a
# dcma region on x86_64, on mainline's default area on arm64.
DTSI_arm64-bench := $(TOP)/scripts/dts/arm64-bench.dtsi
BENCH_REGIONS := bench-x=1M,exclusive;bench-r=2M,pool=2M;bench-bad=4M,exclusive,pool=1M
BENCH_CAM := bench-cam=72M,pool=20M
BENCH_arm64 := cma=24M dcma=$(BENCH_REGIONS) $(VIVID) dcma.bench=1
BENCH_x86_64 := cma=64M dcma=bench-a=64M;bench-b=64M;$(BENCH_CAM);$(BENCH_REGIONS) \
	dcma_map=dcma-bench.0=bench-a;dcma-bench.2=bench-b;vivid.0=bench-cam \
	$(VIVID) dcma.bench=1
# The camera benchmark's two boots per arch: the same regions, areas and
# load, vivid.0 bound to bench-cam in one and drawing from mainline's
# default area of the same size in the other (vivid's instances share
# one device, so one boot cannot have both)
BENCH_CAMERA := cma=72M dcma=$(BENCH_CAM) $(VIVID) dcma.bench=camera
BENCH_camera-dcma := $(BENCH_CAMERA) dcma_map=vivid.0=bench-cam
BENCH_camera-mainline := $(BENCH_CAMERA)
CMDLINE_arm64-bench := $(BENCH_arm64) dcma.ksft=dcma:dcma_bench_test
CMDLINE_x86_64-bench := $(BENCH_x86_64) dcma.ksft=dcma:dcma_bench_test
BOOTS := $(ARCHES) $(if $(filter arm64,$(ARCHES)),arm64-takeover) \
	 $(addsuffix -heaps,$(ARCHES)) $(addsuffix -bench,$(ARCHES))
ARCH_OF = $(word 1,$(subst -, ,$(1)))

# $(call FRAGMENTS,arch,variant)
FRAGMENTS = $(TOP)/scripts/configs/common.config \
	    $(TOP)/scripts/configs/$(1).config \
	    $(if $(2),$(TOP)/scripts/configs/$(2).config)
OBJ = $(KB)/$(1)$(if $(VARIANT),-$(VARIANT))
KARGS = ARCH=$(KARCH_$(1)) CROSS_COMPILE=$(CROSS_$(1)) \
	CC="ccache $(CROSS_$(1))gcc" HOSTCC="ccache gcc"
KMAKE = $(MAKE) -s --no-print-directory -C $(TREE) O=$(call OBJ,$(1)) $(call KARGS,$(1))
BOOT_TIMEOUT ?= $(if $(VARIANT),3600,900)

# Kernel builds use every core; two at once would halve each other.
.NOTPARALLEL:

# kernel-ARCH, ksft-ARCH, initramfs-ARCH and guest-check-BOOT name no file
# either, so they always run; the kernel's own make decides what to build.
.PHONY: all run shell check check-debug deps tree clean clean-tree \
	host-check lint bench bench-camera bench-lockstat bench-insns \
	host-scale fresh-check \
	patches series-check patches-check other-trees

all: check

deps:
	@$(TOP)/scripts/deps.sh $(B)

# The README's two commands from nothing (scripts/fresh-check.sh); the
# root and its logs are in build/fresh
fresh-check:
	@$(TOP)/scripts/deps.sh $(B) fresh
	@$(TOP)/scripts/fresh-check.sh $(B)

tree: deps
	@$(TOP)/scripts/prepare-tree.sh $(KB) $(KVER)

# .config: tinyconfig + fragments, remade when a fragment or our Kconfig
# changes (the kernel's own syncconfig handles the rest).
# The stem is "arch" or "arch-variant".  Not an intermediate file: make
# must not delete it after the build.
.PRECIOUS: $(KB)/%/.config
.SECONDEXPANSION:
$(KB)/%/.config: $(TOP)/Kconfig $$(call FRAGMENTS,$$(word 1,$$(subst -, ,$$*)),$$(word 2,$$(subst -, ,$$*))) | tree
	@echo "  CONFIG  $*"
	@$(TOP)/scripts/kconfig.sh $(TREE) $(@D) \
		$(call FRAGMENTS,$(word 1,$(subst -, ,$*)),$(word 2,$(subst -, ,$*))) \
		-- $(call KARGS,$(word 1,$(subst -, ,$*)))

kernel-%: tree $(call OBJ,%)/.config
	@echo "  KERNEL  $*$(if $(VARIANT), ($(VARIANT)))"
	@+$(call KMAKE,$*) -j$(JOBS) $(notdir $(IMAGE_$*)) || \
		{ echo "make: the $* kernel does not build; see the errors above" >&2; exit 1; }

# kselftests (dcma's and the kernel's dma-buf heap test), built statically
# against the tree and installed for the guest
ksft-%: tree
	@echo "  KSFT    $*"
	@command -v rsync >/dev/null || { echo "make: rsync is missing (the kselftest install needs it); run 'make deps'" >&2; exit 1; }
	@rm -rf $(call OBJ,$*)/kselftest
	@# the tests see the uapi headers of the kernel they test
	@+$(call KMAKE,$*) headers
	@+$(MAKE) -s -C $(TREE)/tools/testing/selftests TARGETS="dcma dmabuf-heaps" \
		ARCH=$(KARCH_$*) CROSS_COMPILE=$(CROSS_$*) CC=$(CROSS_$*)gcc \
		KHDR_INCLUDES="-isystem $(call OBJ,$*)/usr/include" \
		LDFLAGS=-static O=$(call OBJ,$*)/kselftest-build \
		INSTALL_PATH=$(call OBJ,$*)/kselftest install >/dev/null
	@for c in dcma dmabuf-heaps; do \
		grep -q "^$$c:" $(call OBJ,$*)/kselftest/kselftest-list.txt || { \
		echo "make: the $$c kselftests do not build for $*" >&2; exit 1; }; \
	done

initramfs-%: kernel-% ksft-%
	@echo "  INITRD  $*"
	@$(TOP)/scripts/mkinitramfs.sh $(call OBJ,$*)/initramfs.cpio.gz \
		$(call OBJ,$*)/usr/gen_init_cpio $(BUSYBOX_$*) \
		$(call OBJ,$*)/kselftest

RESULTS = $(KB)/results$(if $(VARIANT),-$(VARIANT))

# One boot; its exit status is the verdict of its tests.  "make check"
# goes on past a failed boot (the leading "-"): results.py counts it.
# A boot is named after its arch, or "arch-name" for a further boot of
# the same kernel with another command line.
BOOT_LOG = $(call OBJ,$(call ARCH_OF,$(1)))/console-$(1).log

guest-check-%: initramfs-$$(call ARCH_OF,$$*)
	@echo "  BOOT    $* on $(KVER) (log: $(call BOOT_LOG,$*))"
	@-$(TOP)/scripts/qemu-run.sh $(call ARCH_OF,$*) \
		$(call OBJ,$(call ARCH_OF,$*))/$(IMAGE_$(call ARCH_OF,$*)) \
		$(call OBJ,$(call ARCH_OF,$*))/initramfs.cpio.gz $(call BOOT_LOG,$*) \
		check $(BOOT_TIMEOUT) $(DTSI_$*) -- '$(CMDLINE_$*)'
	@$(if $(filter check,$(MAKECMDGOALS)),-)python3 $(TOP)/scripts/results.py \
		$(TREE) $(RESULTS) $*=$(call BOOT_LOG,$*) \
		> $(RESULTS)-$*.txt; rc=$$?; \
		echo "  VERDICT $* on $(KVER): $$(tail -n 1 $(RESULTS)-$*.txt)"; exit $$rc

HOST_DIR := $(TOP)/selftests/host
HOST_LOG := $(B)/host/host.log

# The allocator core under ASan/UBSan, then the parser fuzzer.  A failure
# does not stop "make check": results.py counts it.
host-check: tree
	@mkdir -p $(B)/host
	@echo "  HOST    harness and fuzzer (log: $(HOST_LOG))"
	@-$(MAKE) -s -C $(HOST_DIR) O=$(B)/host KTREE=$(TREE) check > $(HOST_LOG) 2>&1

LINT_LOG := $(KB)/lint.log

# checkpatch, kernel-doc, sparse and W=1, dt-doc-validate (scripts/lint.sh)
# lint and shell use the first arch asked for
FIRST_ARCH := $(firstword $(ARCHES))

lint: kernel-$(FIRST_ARCH)
	@echo "  LINT    (log: $(LINT_LOG))"
	@-KVER=$(KVER) $(TOP)/scripts/lint.sh $(TREE) $(call OBJ,$(FIRST_ARCH)) $(call KARGS,$(FIRST_ARCH)) \
		> $(LINT_LOG) 2>&1

# The patch series (scripts/series.py): "make patches" writes it,
# "series-check" applies it to a pristine tree with git am, runs
# checkpatch on each patch and compares the result with the tested tree;
# "make patches-check" builds the arm64 kernel at each patch.
PATCHES = $(B)/patches-$(1)
SERIES_LOG = $(B)/$(1)/series.log
SERIES = python3 $(TOP)/scripts/series.py

patches: tree
	@$(SERIES) patches $(TOP) $(KB) $(KVER) $(call PATCHES,$(KVER))

series-check: patches
	@echo "  SERIES  $(KVER) (log: $(call SERIES_LOG,$(KVER)))"
	@-$(SERIES) check $(TOP) $(KB) $(KVER) $(call PATCHES,$(KVER)) \
		> $(call SERIES_LOG,$(KVER)) 2>&1; \
		echo "  VERDICT series on $(KVER): $$(tail -n 1 $(call SERIES_LOG,$(KVER)))"

BISECT := $(KB)/bisect-arm64
patches-check: patches $(call OBJ,arm64)/.config
	@echo "  BISECT  $(KVER) (log: $(KB)/bisect.log)"
	@mkdir -p $(BISECT)
	@# the tested .config at each patch: the options a patch adds get
	@# the values the tests ran with
	@$(SERIES) bisect $(TOP) $(KB) $(KVER) $(call PATCHES,$(KVER)) -- \
		sh -c 'cp $(call OBJ,arm64)/.config $(BISECT)/.config && \
		$(MAKE) -s O=$(BISECT) $(call KARGS,arm64) olddefconfig && \
		$(MAKE) -s O=$(BISECT) $(call KARGS,arm64) -j$(JOBS) Image' \
		> $(KB)/bisect.log 2>&1; rc=$$?; cat $(KB)/bisect.log; exit $$rc

# "make check" tests every tree: the one KVER names with every boot, the
# others with each arch's main boot and their series.  "make check
# KVER=..." tests that tree alone.
OTHER_KVERS := $(if $(filter command line,$(origin KVER)),,$(filter-out $(KVER),$(KVERS)))

define OTHER_TREE
	@-+$(MAKE) --no-print-directory -k KVER=$(1) \
		$(addprefix guest-check-,$(ARCHES)) series-check

endef

other-trees:
	$(foreach k,$(OTHER_KVERS),$(call OTHER_TREE,$(k)))
	@:

check: deps host-check $(addprefix guest-check-,$(BOOTS)) lint series-check other-trees
	@echo "  RESULT"
	@python3 $(TOP)/scripts/results.py $(TREE) $(RESULTS) \
		host=$(HOST_LOG) lint=$(LINT_LOG) \
		$(foreach b,$(BOOTS),$(b)=$(call BOOT_LOG,$(b))) \
		series@$(KVER)=$(call SERIES_LOG,$(KVER)) \
		$(foreach k,$(OTHER_KVERS),series@$(k)=$(call SERIES_LOG,$(k)) \
		$(foreach a,$(ARCHES),$(a)@$(k)=$(B)/$(k)/$(a)/console-$(a).log))

# The benchmark: four CPUs, a 1 GiB disk to fill the page cache from, the
# console log next to the kernel; then the host's instruction counts, and
# one JSON file and one plot from all of it.
#
# BENCH_TIME picks how guest time passes.  "wall" (the default): QEMU TCG
# on the host's clock, for latency under pressure, pinning, the camera and
# the concurrency runs, BENCH_RUNS boots of each (3), whose figures the
# report gives as medians with their spread.  "icount": instruction-timed
# (-icount shift=0,sleep=off: one nanosecond per instruction, idle time
# skipped), so that the same boot gives the same figures; for the fixed
# costs of dcma's own code paths, which do not wait for other CPUs (the
# vCPUs run in turn there).  "make bench-lockstat" boots a LOCK_STAT
# kernel (VARIANT=lockstat) for the lock statistics of the concurrency
# runs.  The report reads every mode's latest logs and names the mode,
# the runs and the commit of each figure.
BENCH_TIME ?= wall
BENCH_MODES := wall icount
ifeq ($(filter $(BENCH_TIME),$(BENCH_MODES)),)
$(error BENCH_TIME=$(BENCH_TIME) is not a benchmark mode; use one of: $(BENCH_MODES))
endif
BENCH_RUNS ?= $(if $(filter icount,$(BENCH_TIME)),1,3)
ifeq ($(shell [ "$(BENCH_RUNS)" -ge 1 ] 2>/dev/null && echo ok),)
$(error BENCH_RUNS=$(BENCH_RUNS) is not a number of runs (1 or more))
endif
BENCH_QEMU_wall :=
BENCH_QEMU_icount := -icount shift=0,sleep=off
BENCH_QEMU_insns := $(BENCH_QEMU_icount)
# "insns": the boot is driven by scripts/insn-profile.py, which wraps it
BENCH_WRAP_insns = /usr/bin/python3 $(TOP)/scripts/insn-profile.py $(1) \
	$(call OBJ,$(1))/System.map $(call OBJ,$(1)) --
BENCH_LOG = $(call OBJ,$(1))/console-bench-$(if $(2),$(2)-)$(3).log

# $(call BENCH_BOOT,arch,name,dtsi,cmdline,mode,run): one benchmark boot,
# its log and, beside it, the commit it measured
BENCH_BOOT = git -C $(TOP) describe --always --dirty --abbrev=12 \
	> $(call BENCH_LOG,$(1),$(2),$(5)$(6)).commit && \
	DCMA_SMP=4 DCMA_DISK=1G DCMA_QEMU_ARGS='$(BENCH_QEMU_$(5))' \
	$(call BENCH_WRAP_$(5),$(1)) $(TOP)/scripts/qemu-run.sh $(1) \
	$(call OBJ,$(1))/$(IMAGE_$(1)) $(call OBJ,$(1))/initramfs.cpio.gz \
	$(call BENCH_LOG,$(1),$(2),$(5)$(6)) bench 7200 $(3) -- \
	'$(4) dcma.bench_time=$(5)'

BENCH_SEQ := $(shell seq $(BENCH_RUNS))

# each mode's runs replace that mode's earlier ones
bench-%: initramfs-%
	@rm -f $(call OBJ,$*)/console-bench-$(BENCH_TIME)[0-9]*.log*
	@$(foreach i,$(BENCH_SEQ),echo "  BENCH   $* $(BENCH_TIME) run $(i) of \
		$(BENCH_RUNS) (log: $(call BENCH_LOG,$*,,$(BENCH_TIME)$(i)))" && \
		$(call BENCH_BOOT,$*,,$(DTSI_$*-bench),$(BENCH_$*),$(BENCH_TIME),$(i)) && ) :

# the camera benchmark's two boots per run (the shorter stem wins over
# bench-%), dcma's and mainline's in turn; wall clock only
bench-camera-%: initramfs-%
	@rm -f $(call OBJ,$*)/console-bench-camera-*-wall[0-9]*.log*
	@$(foreach i,$(BENCH_SEQ),$(foreach k,dcma mainline,\
		echo "  BENCH   $* camera on $(k), run $(i) of $(BENCH_RUNS) \
		(log: $(call BENCH_LOG,$*,camera-$(k),wall$(i)))" && \
		$(call BENCH_BOOT,$*,camera-$(k),,$(BENCH_camera-$(k)),wall,$(i)) && )) :

# The lock statistics: the concurrency runs on a LOCK_STAT kernel
bench-lockstat-%: initramfs-%
	@rm -f $(call OBJ,$*)/console-bench-lockstat[0-9]*.log*
	@echo "  BENCH   $* lock statistics (log: $(call BENCH_LOG,$*,,lockstat1))"
	@$(call BENCH_BOOT,$*,,$(DTSI_$*-bench),$(BENCH_$*),lockstat,1)

# Where a small DMA API allocation's instructions go, counted exactly:
# QEMU logs every block of code the measuring CPU runs in the parts
# rounds of an instruction-timed boot, and scripts/insn-profile.py adds
# them up by function, per round, into insns-SIZE.txt beside the kernel
bench-insns-%: initramfs-%
	@rm -f $(call OBJ,$*)/console-bench-insns[0-9]*.log*
	@echo "  BENCH   $* instructions by function (log: $(call BENCH_LOG,$*,,insns1))"
	@$(call BENCH_BOOT,$*,,$(DTSI_$*-bench),$(BENCH_$*),insns,1)

bench-insns: deps
	@+$(MAKE) --no-print-directory $(addprefix bench-insns-,$(ARCHES))

bench-lockstat: deps
	@+$(MAKE) --no-print-directory VARIANT=lockstat \
		$(addprefix bench-lockstat-,$(ARCHES))
	@echo "  REPORT  $(B)/bench.json $(B)/bench.png"
	@$(call BENCH_REPORT,$(B)/bench.json,$(B)/host/scaling.json)

host-scale: tree
	@echo "  SCALE   callgrind (log: $(B)/host/scale.log)"
	@mkdir -p $(B)/host
	@$(MAKE) -s -C $(HOST_DIR) O=$(B)/host KTREE=$(TREE) scale \
		> $(B)/host/scale.log 2>&1 || \
		{ tail -n 20 $(B)/host/scale.log; exit 1; }

# Every benchmark log of this tree that is there, of every mode; the
# report takes each mode's runs and says which mode made each figure
BENCH_REPORT = /usr/bin/python3 $(TOP)/scripts/bench-report.py $(1) \
	$(basename $(1)).png $(2) \
	$(foreach a,$(ARCHES),$$(for f in $(KB)/$(a)/console-bench-*.log \
		$(KB)/$(a)-lockstat/console-bench-*.log; do \
		[ -f "$$f" ] && echo "$(a)=$$f"; done))

bench: deps $(addprefix bench-,$(ARCHES)) \
	$(if $(filter wall,$(BENCH_TIME)),$(addprefix bench-camera-,$(ARCHES))) host-scale
	@echo "  REPORT  $(B)/bench.json $(B)/bench.png"
	@$(call BENCH_REPORT,$(B)/bench.json,$(B)/host/scaling.json)

# the camera benchmark alone
bench-camera: deps $(addprefix bench-camera-,$(ARCHES))
	@echo "  REPORT  $(B)/bench-camera.json $(B)/bench-camera.png"
	@$(call BENCH_REPORT,$(B)/bench-camera.json,$(B)/host/none.json)

# one tree (KVER=, 6.12 by default): the debug kernels take long to build
check-debug:
	@$(MAKE) --no-print-directory check VARIANT=debug KVER=$(KVER)

run: initramfs-arm64
	@$(TOP)/scripts/qemu-run.sh arm64 $(call OBJ,arm64)/$(IMAGE_arm64) \
		$(call OBJ,arm64)/initramfs.cpio.gz $(call OBJ,arm64)/console-run.log \
		run 600 $(DTSI_arm64) -- '$(CMDLINE_arm64) quiet'
	@echo
	@echo "Console log: $(call OBJ,arm64)/console-run.log"

shell: initramfs-$(FIRST_ARCH)
	@$(TOP)/scripts/qemu-run.sh $(FIRST_ARCH) \
		$(call OBJ,$(FIRST_ARCH))/$(IMAGE_$(FIRST_ARCH)) \
		$(call OBJ,$(FIRST_ARCH))/initramfs.cpio.gz \
		$(call OBJ,$(FIRST_ARCH))/console-shell.log \
		shell 0 $(DTSI_$(FIRST_ARCH)) -- '$(CMDLINE_$(FIRST_ARCH))'

clean:
	rm -rf --one-file-system $(B)

clean-tree:
	rm -rf $(TREE)

endif # DCMA_LOCK_HELD
