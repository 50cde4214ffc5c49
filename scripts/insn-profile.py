#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Where the instructions of one allocation and free go, counted exactly.

Usage: insn-profile.py ARCH SYSTEM_MAP OUTDIR -- QEMU-RUN-COMMAND...

Runs the benchmark boot that QEMU-RUN-COMMAND starts (scripts/qemu-run.sh
in mode bench, with "dcma.bench_time=insns" on the guest's command line,
instruction-timed) and drives it from its console.  QEMU logs every block
of guest code it translates from the start (-d in_asm), which gives each
block's instructions.  When the guest says "bench: insns-ready SIZE",
this script tells QEMU's monitor to log every block the CPUs execute as
well (exec, nochain) into a file of its own, and lets the guest go on
with "parts SIZE N"; at "bench: insns-done SIZE" it turns that off again.

The blocks the measuring CPU (CPU 0) ran are then added up by function
(SYSTEM_MAP names them), following calls and returns, for each timed loop
of "parts" (page allocator, dcma region, DMA API on dcma): instructions
per round, inclusive (with callees) and exclusive, and the calls per
round.  The loops are told apart by the clock reads of the benchmark
around them.  Under -icount shift=0 one instruction is one nanosecond of
guest time, so these counts add up to the benchmark's own figures.

Writes OUTDIR/insns-SIZE.txt for each size and prints where they are.
"""

import bisect
import collections
import os
import select
import socket
import subprocess
import sys
import tempfile
import time

# mnemonics that end a block with a call or a return, by architecture
CALLS = {"arm64": ("bl", "blr"), "x86_64": ("call", "callq")}
RETURNS = {"arm64": ("ret",), "x86_64": ("ret", "retq")}
# the timed loops of "parts", by the number of clock reads before them
LOOPS = {1: "page allocator (alloc_pages + __free_pages, zeroed)",
         3: "dcma region (dcma_region_alloc + dcma_put)",
         5: "DMA API on dcma (dma_alloc_coherent + dma_free_coherent)"}
CLOCKS = ("ktime_get", "ktime_get_ns")


def die(msg):
    sys.exit(f"insn-profile: {msg}")


def symbols(path):
    table = []
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) >= 3 and parts[1] in "tTwW":
                table.append((int(parts[0], 16), parts[2]))
    table.sort()
    return [a for a, _ in table], [n for _, n in table]


def monitor(path, cmd):
    s = socket.socket(socket.AF_UNIX)
    for _ in range(50):
        try:
            s.connect(path)
            break
        except OSError:
            time.sleep(0.1)
    else:
        die(f"no QEMU monitor at {path}")
    s.settimeout(5)
    time.sleep(0.2)
    s.recv(65536)
    s.sendall((cmd + "\n").encode())
    time.sleep(0.5)
    s.recv(65536)
    s.close()


def run_guest(cmd, workdir, tmo=1800):
    """Boot, and log each size's "parts" rounds: {size: log}, {size: N}."""
    mon = os.path.join(workdir, "monitor.sock")
    asm = os.path.join(workdir, "in_asm.log")
    env = dict(os.environ)
    env["DCMA_MONITOR"] = mon
    env["DCMA_QEMU_ARGS"] = (env.get("DCMA_QEMU_ARGS", "") +
                             f" -d in_asm -D {asm}")
    p = subprocess.Popen(cmd, env=env, stdin=subprocess.PIPE,
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    # "logfile" truncates the file it opens, so each stretch of the boot
    # between the exec logs gets an in_asm log of its own
    asms, logs, rounds, buf, t0 = [asm], {}, {}, b"", time.time()
    while time.time() - t0 < tmo:
        r, _, _ = select.select([p.stdout], [], [], 1)
        if not r:
            if p.poll() is not None:
                break
            continue
        data = os.read(p.stdout.fileno(), 65536)
        if not data:
            break
        buf += data
        while b"\n" in buf:
            line, buf = buf.split(b"\n", 1)
            text = line.decode(errors="replace").strip()
            words = text.split()
            if text.startswith("bench: insns-ready"):
                size = words[2]
                logs[size] = os.path.join(workdir, f"exec-{size}.log")
                monitor(mon, f"logfile {logs[size]}")
                monitor(mon, "log in_asm,exec,nochain")
                p.stdin.write(b"go\n")
                p.stdin.flush()
            elif text.startswith("bench: insns-done"):
                asms.append(os.path.join(workdir, f"in_asm-{len(asms)}.log"))
                monitor(mon, "log in_asm")
                monitor(mon, f"logfile {asms[-1]}")
                p.stdin.write(b"go\n")
                p.stdin.flush()
            elif text.startswith("bench: result scen=parts"):
                fields = dict(w.split("=", 1) for w in words[2:] if "=" in w)
                if fields.get("size") in logs:
                    rounds[fields["size"]] = int(fields["n"])
                print("  " + text[len("bench: "):])
            elif text.startswith("bench: error"):
                die(text)
            elif text.startswith("bench: done"):
                p.stdin.close()
                p.wait()
                return logs, rounds, asms
    p.kill()
    die("the guest did not finish")


class Blocks:
    """Block start -> (instructions, last mnemonic), from in_asm output.

    A block at the same address may be translated again, differently
    (an I/O instruction under icount ends its block early), so the logs
    are read in the order QEMU wrote them and each executed block counts
    as its latest translation.
    """

    def __init__(self, arch):
        self.tbs = {}
        self.cur = None
        self.x86 = arch == "x86_64"

    def mnemonic(self, words):
        """The mnemonic of "ADDR: [BYTES...] MNEMONIC OPERANDS" """
        words = words[1:]
        if not self.x86:
            # arm64: one 32-bit word of code, then the mnemonic
            return words[1] if len(words) > 1 else ""
        # x86: the code bytes, two hex digits each
        for w in words:
            if len(w) != 2 or any(c not in "0123456789abcdef" for c in w):
                return w
        return ""

    def line(self, line):
        """Takes one log line; False if it was not in_asm output."""
        if line.startswith("IN:"):
            self.cur = []
            return True
        if self.cur is None:
            return False
        if line.startswith("0x"):
            words = line.split()
            self.cur.append((int(words[0].rstrip(":"), 16),
                             self.mnemonic(words)))
            return True
        if self.cur:
            self.tbs[self.cur[0][0]] = (len(self.cur), self.cur[-1][1])
        self.cur = None
        return False

    def read_rest(self, f):
        for line in f:
            self.line(line)

    def read(self, path):
        with open(path, errors="replace") as f:
            self.read_rest(f)


def profile(path, blks, addrs, names, arch):
    calls_end, rets = CALLS[arch], RETURNS[arch]
    incl = collections.defaultdict(collections.Counter)
    excl = collections.defaultdict(collections.Counter)
    ncalls = collections.defaultdict(collections.Counter)
    total = collections.Counter()
    stack, phase, called, cache = [], 0, False, {}
    tbs = blks.tbs
    with open(path, errors="replace") as f:
        for line in f:
            if blks.line(line) or not line.startswith("Trace 0:"):
                continue
            pc = int(line.split("/")[1], 16)
            tb = tbs.get(pc)
            if tb is None:
                continue
            fn = cache.get(pc)
            if fn is None:
                i = bisect.bisect_right(addrs, pc) - 1
                # below the kernel's text: a task the CPU switched to
                fn = cache[pc] = names[i] if i >= 0 else "(user space)"
            if called:
                stack.append(fn)
                ncalls[phase][fn] += 1
                if (fn in CLOCKS and len(stack) > 1 and
                        stack[-2].startswith("bench_")):
                    phase += 1
                    if phase > max(LOOPS) + 1:
                        # the rest of the log still has translations
                        blks.read_rest(f)
                        break
                called = False
            elif not stack or stack[-1] != fn:
                # a jump into another function (a tail call), or an
                # exception's entry or return: follow it
                if fn in stack:
                    while stack[-1] != fn:
                        stack.pop()
                elif stack:
                    stack[-1] = fn
                else:
                    stack.append(fn)
            n, last = tb
            total[phase] += n
            excl[phase][fn] += n
            for g in set(stack):
                incl[phase][g] += n
            if last in calls_end:
                called = True
            elif last in rets and stack:
                stack.pop()
    return total, incl, excl, ncalls


def report(out, size, n, result):
    total, incl, excl, ncalls = result
    if not n:
        die(f"no result line for parts {size}")
    with open(out, "w") as f:
        f.write(f"# instructions per round of \"parts {size} {n}\", "
                "CPU 0, counted from QEMU's execution log\n")
        for ph, what in LOOPS.items():
            f.write(f"\n## {what}: {total[ph] / n:.0f} per round\n")
            f.write("inclusive  calls  function\n")
            for fn, c in incl[ph].most_common():
                # the frames the loop runs in were entered before it
                if not ncalls[ph][fn] or c / n < 1:
                    continue
                f.write(f"{c / n:9.1f} {ncalls[ph][fn] / n:6.2f}"
                        f"  {fn}\n")
            f.write("exclusive  function\n")
            for fn, c in excl[ph].most_common():
                if c / n < 1:
                    break
                f.write(f"{c / n:9.1f}  {fn}\n")


def main():
    if len(sys.argv) < 6 or sys.argv[4] != "--":
        die("usage: insn-profile.py ARCH SYSTEM_MAP OUTDIR -- COMMAND...")
    arch, smap, outdir, cmd = (sys.argv[1], sys.argv[2], sys.argv[3],
                               sys.argv[5:])
    if arch not in CALLS:
        die(f"unknown ARCH {arch}")
    addrs, names = symbols(smap)
    with tempfile.TemporaryDirectory(prefix="insn-profile.",
                                     dir=outdir) as work:
        logs, rounds, asms = run_guest(cmd, work)
        if not logs:
            die("the guest logged no rounds")
        # the logs in the order QEMU wrote them: the boot's in_asm, then
        # each size's exec log followed by the in_asm of what came after
        blks = Blocks(arch)
        blks.read(asms[0])
        for k, (size, log) in enumerate(logs.items()):
            out = os.path.join(outdir, f"insns-{size}.txt")
            report(out, size, rounds.get(size),
                   profile(log, blks, addrs, names, arch))
            os.unlink(log)
            blks.read(asms[k + 1])
            print(f"  PROFILE {out}")


if __name__ == "__main__":
    main()
