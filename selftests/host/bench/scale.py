#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""Run dcma_scale under callgrind and report instructions per alloc+free.

Usage: scale.py [--smoke] [--valgrind PROG] [--dumps DIR] DCMA_SCALE OUT.json

dcma_scale dumps callgrind's counts once per measured phase, labelled
"alloc=bf region=64MiB buffers=10 ops=1000".  Collection is on only
inside bench_op_alloc() and bench_op_free() (--toggle-collect), so the
dumps hold the instructions of the allocator's ->alloc() and ->free()
calls and nothing of the benchmark's own bookkeeping.  This script
reads the "totals:" line of every dump, divides it by the number of
operations and writes OUT.json:

  {"scenario": "scaling", "unit": "instructions per alloc+free",
   "points": [{"allocator": "bf", "region_bytes": ..., "buffers": ...,
               "ops": ..., "instructions": ..., "instr_per_op": ...}, ...],
   "dcma": {"base": ..., "worst": ..., "growth": ...},
   "mainline": {"base": ..., "worst": ..., "growth": ...},
   "ratio": ...}

"dcma" is the best-fit allocator, "mainline" the first-fit one; base is
the 64 MiB region with 10 buffers, worst the highest cost of any point,
growth worst / base, and ratio the mainline growth over the dcma growth.
It fails when valgrind or dcma_scale fails or a dump is missing; it does
not judge the figures.
"""

import argparse
import glob
import json
import os
import re
import subprocess
import sys

LABEL = re.compile(r"alloc=(\S+) region=(\d+)(MiB|GiB) buffers=(\d+) "
                   r"ops=(\d+)$")
UNITS = {"MiB": 1 << 20, "GiB": 1 << 30}
GROUPS = (("dcma", "bf"), ("mainline", "ff"))
BASE = (64 << 20, 10)
TRIGGER = "desc: Trigger: Client Request: "


def fail(msg):
    print("scale.py: " + msg, file=sys.stderr)
    sys.exit(1)


def region_name(region_bytes):
    if region_bytes >= 1 << 30:
        return "%dGiB" % (region_bytes >> 30)
    return "%dMiB" % (region_bytes >> 20)


def parse_label(label):
    m = LABEL.match(label)
    if not m:
        return None
    return {
        "allocator": m.group(1),
        "region_bytes": int(m.group(2)) * UNITS[m.group(3)],
        "buffers": int(m.group(4)),
        "ops": int(m.group(5)),
    }


def run(args):
    os.makedirs(args.dumps, exist_ok=True)
    log = os.path.join(args.dumps, "valgrind.log")
    for old in glob.glob(os.path.join(args.dumps, "callgrind.out*")) + [log]:
        if os.path.exists(old):
            os.remove(old)
    cmd = [args.valgrind, "--tool=callgrind", "--instr-atstart=no",
           "--collect-atstart=no", "--toggle-collect=bench_op_alloc",
           "--toggle-collect=bench_op_free",
           "--callgrind-out-file=" + os.path.join(args.dumps,
                                                   "callgrind.out"),
           "--log-file=" + log, args.program]
    if args.smoke:
        cmd.append("--smoke")
    try:
        proc = subprocess.run(cmd, stdout=subprocess.PIPE,
                              universal_newlines=True)
    except OSError as e:
        fail("cannot run %s: %s" % (args.valgrind, e))
    sys.stdout.write(proc.stdout)
    if proc.returncode:
        try:
            with open(log) as f:
                sys.stderr.write("".join(f.readlines()[-20:]))
        except OSError:
            pass
        fail("%s exited with %d (see %s)" % (" ".join(cmd),
                                             proc.returncode, log))
    # The labels of the measured phases, as the program printed them
    return [line.split(":")[0] for line in proc.stdout.splitlines()
            if line.startswith("alloc=")]


def read_dumps(dumps):
    """Map each client-request label to its total instruction count."""
    totals = {}
    for path in glob.glob(os.path.join(dumps, "callgrind.out.*")):
        label = total = None
        with open(path) as f:
            for line in f:
                if line.startswith(TRIGGER):
                    label = line[len(TRIGGER):].strip()
                elif line.startswith("totals:"):
                    total = int(line.split()[1])
        if label is None:
            continue
        if total is None:
            fail("%s has no totals line" % path)
        if label in totals:
            fail("two dumps are labelled %r" % label)
        totals[label] = total
    return totals


def summarize(points, allocator):
    mine = [p for p in points if p["allocator"] == allocator]
    base = [p for p in mine
            if (p["region_bytes"], p["buffers"]) == BASE]
    if not base:
        fail("no %s point for the 64MiB region with 10 buffers" % allocator)
    base = base[0]["instr_per_op"]
    worst = max(p["instr_per_op"] for p in mine)
    return {"base": base, "worst": worst, "growth": round(worst / base, 3)}


def print_table(points, result):
    cost = {(p["allocator"], p["region_bytes"], p["buffers"]): p
            for p in points}
    keys = sorted({(p["region_bytes"], p["buffers"]) for p in points})
    print()
    print("%-7s %8s %6s %12s %12s %7s" % ("region", "buffers", "ops",
                                           "bf instr/op", "ff instr/op",
                                           "ff/bf"))
    for region_bytes, buffers in keys:
        bf = cost.get(("bf", region_bytes, buffers))
        ff = cost.get(("ff", region_bytes, buffers))
        any_point = bf or ff
        print("%-7s %8d %6d %12s %12s %7s" % (
            region_name(region_bytes), buffers, any_point["ops"],
            "%.1f" % bf["instr_per_op"] if bf else "-",
            "%.1f" % ff["instr_per_op"] if ff else "-",
            "%.2f" % (ff["instr_per_op"] / bf["instr_per_op"])
            if bf and ff else "-"))
    print()
    for group, allocator in GROUPS:
        g = result[group]
        print("%-8s (%s): base %.1f, worst %.1f, growth %.2fx" % (
            group, allocator, g["base"], g["worst"], g["growth"]))
    print("ratio (mainline growth / dcma growth): %.2f" % result["ratio"])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--smoke", action="store_true",
                    help="run dcma_scale --smoke")
    ap.add_argument("--valgrind", default="valgrind")
    ap.add_argument("--dumps", default=None,
                    help="directory for callgrind's dumps "
                         "(default: OUT.json's name with -callgrind)")
    ap.add_argument("program")
    ap.add_argument("output")
    args = ap.parse_args()
    if args.dumps is None:
        args.dumps = os.path.splitext(args.output)[0] + "-callgrind"

    labels = run(args)
    totals = read_dumps(args.dumps)
    if not labels:
        fail("dcma_scale measured nothing")

    points = []
    for label in labels:
        point = parse_label(label)
        if point is None:
            fail("cannot parse label %r" % label)
        if label not in totals:
            fail("no callgrind dump for %r" % label)
        if not totals[label]:
            fail("the dump for %r counted nothing" % label)
        point["instructions"] = totals[label]
        point["instr_per_op"] = round(totals[label] / point["ops"], 1)
        points.append(point)
    for label in totals:
        if label not in labels:
            fail("dump %r was not announced by dcma_scale" % label)

    result = {"scenario": "scaling", "unit": "instructions per alloc+free",
              "points": points}
    for group, allocator in GROUPS:
        result[group] = summarize(points, allocator)
    result["ratio"] = round(result["mainline"]["growth"] /
                            result["dcma"]["growth"], 3)

    tmp = args.output + ".tmp"
    with open(tmp, "w") as f:
        json.dump(result, f, indent=1)
        f.write("\n")
    os.replace(tmp, args.output)

    print_table(points, result)
    print("wrote " + args.output)


if __name__ == "__main__":
    main()
