#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Turn the benchmark's console logs into one JSON file, a plot and a table.

Usage: bench-report.py OUT.json OUT.png SCALING.json ARCH=LOG...

Each LOG is one benchmark boot, named by the Makefile after what it ran,
how its clock ran (its mode) and which run of that mode it was:
console-bench-MODEN.log for the main boot (console-bench-wall2.log),
console-bench-camera-KIND-MODEN.log for the camera benchmark's.  MODE is
"wall" (QEMU TCG on the host's clock), "icount" (instruction-timed) or
"lockstat" (a LOCK_STAT kernel, wall clock).  LOG.commit beside each
names the commit it measured.

Every "bench: result", "cdf", "info" and "lockstat" line is read.  The
runs of one mode are reduced to the median of each figure, and each ratio
keeps its spread (the lowest and highest run).  The targets are checked
on those medians, each on the mode that can judge it: the fixed costs on
icount, latency under pressure and the camera on wall clock, the locks
on lockstat.  Each target's verdict, figure, spread and mode go into the
JSON file, and a Markdown table of the same to OUT.md.  The exit status
is 1 only when a log has no results at all: a missed target is a
finding, not an error.
"""

import json
import os
import re
import statistics
import sys

TARGETS = {
    # fixed cost, icount: the DMA API on dcma against the page allocator's
    # zeroed alloc+free (parts), at most this multiple
    "fixed_vs_page_alloc": 2.0,
    "fixed_sizes": (4096, 65536),
    # idle p50 at most this multiple of the memset floor, icount, from
    # 64 KiB up
    "idle_floor": 1.3,
    "idle_floor_from": 65536,
    # pressure, wall clock median, at these sizes: mainline p99 / dcma p99
    # at least, and dcma p99 / memset at most
    "pressure_vs_mainline": 20.0,
    "pressure_floor": 3.0,
    "pressure_sizes": (1048576, 16777216),
    # camera open under pressure, wall clock median
    "camera_pressure_vs_mainline": 10.0,
    # churn: no refusal of a request a free run holds at its alignment,
    # and dcma's refusals of requests that fit the free space at most this
    # share of mainline's
    "churn_aligned_fails": 0,
    "churn_refusals_vs_mainline": 1 / 3,
    "pinned_fit_fails": 0,
    # lockstat: a region's lock taken at most this often by an allocation
    # the pool serves, no dcma lock shared by the regions taken
    "lock_acq_per_alloc": 1.0,
    "scaling_growth": 2.0,
}

MODES = ("icount", "wall", "lockstat")
MODE_NAMES = {"icount": "instruction-timed (icount)",
              "wall": "wall clock (QEMU TCG)",
              "lockstat": "wall clock, LOCK_STAT kernel"}
LOG_NAME = re.compile(r"console-bench-(?:(camera-dcma|camera-mainline)-)?"
                      r"(wall|icount|lockstat)(\d+)\.log$")


def parse_log(path):
    results, cdfs, info = [], [], []
    with open(path, errors="replace") as f:
        for line in f:
            m = re.search(r"bench: (result|cdf|info|error|lockstat|lockstat-run|"
                          r"lockstat-phase) (.*)", line)
            if not m:
                continue
            kind, rest = m.group(1), m.group(2).strip()
            if kind.startswith("lockstat"):
                info.append(f"{kind} {rest}")
                continue
            if kind in ("info", "error"):
                info.append(f"{kind} {rest}")
                continue
            fields = dict(kv.split("=", 1) for kv in rest.split() if "=" in kv)
            if kind == "result":
                for k, v in fields.items():
                    if re.fullmatch(r"-?\d+", v):
                        fields[k] = int(v)
                results.append(fields)
            else:
                fields["ns"] = [int(x) for x in fields["ns"].split(",")]
                fields["size"] = int(fields["size"])
                cdfs.append(fields)
    return results, cdfs, info


def ratio(a, b):
    return round(a / b, 3) if b else None


def by(results, scen):
    out = {}
    for r in results:
        if r["scen"] == scen:
            out.setdefault(r.get("size", 0), {})[r["dev"]] = r
    return out


def pairs(results, scen):
    rows = []
    for size, d in sorted(by(results, scen).items()):
        if "dcma" not in d or "mainline" not in d:
            continue
        dc, ml = d["dcma"], d["mainline"]
        row = {
            "size": size,
            "dcma": {k: dc[k] for k in dc if k not in ("scen", "dev", "size", "base")},
            "mainline": {k: ml[k] for k in ml if k not in ("scen", "dev", "size", "base")},
            "ratio_p50": ratio(ml["p50"], dc["p50"]),
            "ratio_p99": ratio(ml["p99"], dc["p99"]),
            "dcma_p50_over_floor": ratio(dc["p50"], dc["floor_p50"]),
            "dcma_p99_over_floor": ratio(dc["p99"], dc["floor_p50"]),
            # the memset's own tail in the same samples
            "dcma_p99_over_floor_p99": ratio(dc["p99"], dc["floor_p99"]),
            "floor_p99_over_floor": ratio(dc["floor_p99"], dc["floor_p50"]),
            "mainline_p50_over_floor": ratio(ml["p50"], ml["floor_p50"]),
        }
        if scen == "pinned":
            for k in ("dcma", "mainline"):
                row[k]["fit_fails"] = row[k]["fail"] - row[k]["unfit_fails"]
        rows.append(row)
    return rows


def churn(results):
    d = by(results, "churn").get(0, {})
    if "dcma" not in d or "mainline" not in d:
        return None
    out = {k: {f: d[k][f] for f in d[k] if f not in ("scen", "dev")}
           for k in ("dcma", "mainline")}
    for k in out:
        out[k]["success"] = round(out[k]["success_permille"] / 1000, 3)
        out[k]["run_success"] = round(out[k].get("run_success_permille", 0) / 1000, 3)
        # refusals of requests the free space could hold
        out[k]["refusals"] = ratio(out[k]["fit_fails"], out[k]["fits"]) or 0
    out["refusals_dcma_over_mainline"] = ratio(out["dcma"]["refusals"],
                                               out["mainline"]["refusals"])
    return out


def parts(results):
    """The fixed costs below an allocation ("parts SIZE N"), by size"""
    out = []
    for r in results:
        if r["scen"] == "parts":
            row = {k: v for k, v in r.items() if k != "scen"}
            row["dcma_over_page_alloc"] = ratio(r["dma_dcma_ns"], r["page_alloc_ns"])
            out.append(row)
    return sorted(out, key=lambda r: r["size"])


SLOW_BUCKETS = ("latency_us_le_10000", "latency_us_le_100000",
                "latency_us_le_1000000", "latency_us_gt_1000000")


def slow_by_phase(info):
    """bench-a's allocations of over 1 ms in each phase, from the
    counters the guest script prints after the churn, the concurrency
    runs and the pressure runs"""
    snaps, names = [], []
    for line in info:
        m = re.fullmatch(r"info stats-phase (.+)", line)
        if m:
            names.append(m.group(1))
            continue
        m = re.fullmatch(r"info stats bench-a (\w+) (\d+)", line)
        if not m:
            continue
        if m.group(1) == "allocs":
            snaps.append({})
        if snaps:
            snaps[-1][m.group(1)] = int(m.group(2))
    # the guest names each phase; older logs had these three, in order
    phases = names or ("idle, parts and churn", "concurrency", "pressure")
    out, prev = [], {}
    for name, snap in zip(phases, snaps):
        out.append({"phase": name,
                    "allocs": snap.get("allocs", 0) - prev.get("allocs", 0),
                    "over_1ms": sum(snap.get(k, 0) - prev.get(k, 0)
                                    for k in SLOW_BUCKETS)})
        prev = snap
    return out


def conc(results):
    runs = {}
    for r in results:
        if r["scen"] == "conc":
            runs.setdefault(r["dev"], {}).setdefault(str(r["threads"]), []).append(
                r["ops_per_s"])
    if "dcma" not in runs or "mainline" not in runs:
        return None
    # the median of the repetitions of each CPU count
    out = {dev: {t: statistics.median(v) for t, v in by_t.items()}
           for dev, by_t in runs.items()}
    for k in ("dcma", "mainline"):
        one, top = out[k].get("1"), out[k].get(max(out[k], key=int))
        out[k]["speedup"] = ratio(top, one)
    return out


def lock_sections(info):
    """The boot's /proc/lock_stat readings in order, each as (kind,
    classes): kind "run" for a concurrency run's, "alloc" or "free" for a
    hold's or a release's phase; classes maps each lock class to its
    contentions, wait and acquisitions"""
    out, cur = [], None
    for line in info:
        m = re.fullmatch(r"lockstat-(run|phase (alloc|free)) \d+", line)
        if m:
            cur = {}
            out.append((m.group(2) or "run", cur))
            continue
        if not line.startswith("lockstat ") or cur is None:
            continue
        tok = line.split()[1:]
        # a class line: "name: con-bounces contentions waittime-min max
        # total avg acq-bounces acquisitions holdtime-min max total avg"
        if len(tok) == 13 and tok[0].endswith(":"):
            nums = [float(x) for x in tok[1:]]
            cur[tok[0][:-1]] = {"contentions": int(nums[1]),
                                "waittime_total_us": nums[4],
                                "acquisitions": int(nums[7])}
    return out


def lock_phases(info, results):
    """An allocation's locks apart from a free's: each hold and release
    phase's acquisitions of each region's lock, per operation on that
    region (the kthreads alternate between the regions).  A phase is
    clean when the regions' claim locks stayed idle in it: the pool
    worker takes one before anything else, so a clean phase counts the
    kthreads' own acquisitions alone, every allocation served whole from
    the pool."""
    ops = {"alloc": [r["ops"] for r in results if r["scen"] == "hold"],
           "free": [r["ops"] for r in results if r["scen"] == "release"]}
    fails = sum(r["fails"] for r in results if r["scen"] == "hold")
    seen = {"alloc": 0, "free": 0}
    out = {}
    for kind, classes in lock_sections(info):
        if kind == "run":
            continue
        i = seen[kind]
        seen[kind] += 1
        if i >= len(ops[kind]):
            continue
        regions = [n for n in classes if re.fullmatch(r"dcma:[^:]+", n)]
        if not regions:
            continue
        per_region = ops[kind][i] / len(regions)
        claim = sum(c["acquisitions"] for n, c in classes.items()
                    if re.fullmatch(r"dcma:[^:]+:claim", n))
        ph = out.setdefault(kind, {"phases": 0, "clean": 0, "per_op": []})
        ph["phases"] += 1
        if claim:
            continue
        ph["clean"] += 1
        ph["per_op"].append(round(max(classes[n]["acquisitions"]
                                      for n in regions) / per_region, 3))
    for ph in out.values():
        ph["worst_per_op"] = max(ph["per_op"]) if ph["per_op"] else None
    if out:
        out["hold_fails"] = fails
    return out or None


def lock_stats(info, results):
    """/proc/lock_stat of each repetition of the lockstat boot's
    concurrency run: per class, contentions and acquisitions, per 1000
    operations of the kind of device it belongs to"""
    ops = {r["dev"]: r["ops"] for r in results if r["scen"] == "conc"}
    reps = [c for kind, c in lock_sections(info) if kind == "run"]
    if not reps:
        return None
    classes = {}
    for rep in reps:
        for name, c in rep.items():
            classes.setdefault(name, []).append(c)
    out = {"reps": len(reps), "ops": ops, "classes": {}}
    # the threads alternate between the two regions, so a region's own
    # lock classes count against the operations on that region alone
    region_locks = [n for n in classes if re.fullmatch(r"dcma:[^:]+", n)
                    and any(c["acquisitions"] for c in classes[n])]
    for name, cs in sorted(classes.items()):
        kind = "dcma" if name.startswith("dcma") else "mainline"
        per_region = bool(re.fullmatch(r"dcma:[^:]+(:claim)?", name))
        n = ops.get(kind) or 0
        if per_region and region_locks:
            n /= len(region_locks)
        med = {k: statistics.median(c[k] for c in cs) for k in cs[0]}
        med["kind"] = kind
        med["per_region"] = per_region
        med["ops"] = n
        med["contended_per_1000_ops"] = (round(1000 * med["contentions"] / n, 2)
                                         if n else None)
        med["acquisitions_per_op"] = (round(med["acquisitions"] / n, 3)
                                      if n else None)
        out["classes"][name] = med
    return out


def camera(results):
    """The camera-open benchmark: open() to the first frame, 4 buffers,
    dcma's boot against mainline's, by scenario and frame size"""
    rows = []
    for scen in ("camera-idle", "camera-pressure"):
        for size, d in sorted(by(results, scen).items()):
            if "dcma" not in d or "mainline" not in d:
                continue
            dc, ml = d["dcma"], d["mainline"]
            keep = ("n", "p50", "p90", "p99", "max", "alloc_p50",
                    "alloc_p99", "lent_pct", "lendable_pct", "outside", "fail")
            rows.append({"scen": scen, "size": size, "frame": dc["frame"],
                         "dcma": {k: dc[k] for k in keep if k in dc},
                         "mainline": {k: ml[k] for k in keep if k in ml},
                         "ratio_p50": ratio(ml["p50"], dc["p50"]),
                         "ratio_p99": ratio(ml["p99"], dc["p99"]),
                         "ratio_alloc_p99": ratio(ml["alloc_p99"], dc["alloc_p99"])})
    return rows


def arch_run(results, info):
    """One run's figures of one arch"""
    return {
        "idle": pairs(results, "idle"),
        "pressure": pairs(results, "pressure"),
        "pinned": pairs(results, "pinned"),
        "churn": churn(results),
        "concurrency": conc(results),
        "parts": parts(results),
        "camera": camera(results),
        "locks": lock_stats(info, results),
        "lock_phases": lock_phases(info, results),
        "slow_allocs": slow_by_phase(info),
        "oom_kills": sum(int(m.group(1)) for m in
                         (re.fullmatch(r"info oom_kills (\d+)", i) for i in info)
                         if m),
    }


def is_num(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def row_key(r):
    return (r.get("scen"), r.get("size"), r.get("phase"))


def median_of(runs):
    """The runs' figures reduced to their medians; every ratio
    ("ratio_*", "*_over_*", "speedup") also keeps its spread, the lowest
    and the highest run, as "<name>_spread".  Lists of rows are matched
    by scenario and size; other lists are the first run's."""
    runs = [r for r in runs if r is not None]
    if not runs:
        return None
    first = runs[0]
    if isinstance(first, dict):
        out = {}
        for k, v in first.items():
            vals = [r.get(k) for r in runs if isinstance(r, dict) and k in r]
            if all(is_num(x) for x in vals) and vals:
                # equal values (a size, a count) stay as they are: the
                # median of an even number of runs would make them floats
                out[k] = (vals[0] if len(set(vals)) == 1 else
                          statistics.median(vals))
                if isinstance(out[k], float):
                    out[k] = round(out[k], 3)
                if len(vals) > 1 and (k.startswith("ratio") or "_over_" in k or
                                      k in ("speedup", "refusals")):
                    out[k + "_spread"] = [min(vals), max(vals)]
            elif any(x is None for x in vals) and all(x is None or is_num(x)
                                                      for x in vals):
                nums = [x for x in vals if x is not None]
                out[k] = statistics.median(nums) if nums else None
            else:
                out[k] = median_of(vals)
        return out
    if isinstance(first, list):
        if first and all(isinstance(x, dict) for x in first):
            keys = [row_key(x) for x in first]
            return [median_of([next((y for y in r if row_key(y) == key), None)
                               for r in runs]) for key in keys]
        return first
    return first


def fmt_spread(row, key, unit="x"):
    v = row.get(key)
    if v is None:
        return "-"
    sp = row.get(key + "_spread")
    return f"{v}{unit}" + (f" [{sp[0]}-{sp[1]}]" if sp else "")


def target(name, mode, runs, met, figure, want, why=None):
    return {"name": name, "mode": mode, "runs": runs, "met": bool(met),
            "figure": figure, "target": want, "why": why}


def fixed_cost_why(r):
    """What a missed fixed-cost target measured: how much of the DMA API's
    alloc+free is dcma's region layer and how much the path around it
    (dma-direct and dcma's DMA hook)"""
    page, region, dma = r["page_alloc_ns"], r["region_ns"], r["dma_dcma_ns"]
    budget = TARGETS["fixed_vs_page_alloc"]
    return (f"page allocator {fmt_us(page)} us; dcma region {fmt_us(region)} us "
            f"({ratio(region, page)}x); the DMA API around it (DMA API less "
            f"region: dma-direct and dcma's DMA hook, which finds the device's "
            f"regions; the buffer's clearing is the region's, at its last put) "
            f"{fmt_us(dma - region)} us "
            f"({ratio(dma - region, page)}x), which the budget of "
            f"{budget}x the page allocator leaves "
            f"{fmt_us(max(budget * page - dma + region, 0))} us of for the region")


def idle_floor_why(r, parts_rows):
    """What a missed idle-floor target measured: the fixed cost above the
    memset floor, and the parts at that size"""
    d = r["dcma"]
    why = (f"dcma p50 {fmt_us(d['p50'])} us against the memset floor "
           f"{fmt_us(d['floor_p50'])} us: {fmt_us(d['p50'] - d['floor_p50'])} us above it")
    p = [x for x in parts_rows if x["size"] == r["size"]]
    if p:
        why += (f"; parts: dcma region {fmt_us(p[0]['region_ns'])} us per alloc+free, "
                f"the DMA API {fmt_us(p[0]['dma_dcma_ns'])} us")
    return why


def pressure_why(r, slow):
    """What a missed pressure target measured: dcma's tail against the
    memset's own tail in the same samples, and how many of the pressure
    phase's allocations took over 1 ms inside dcma's region layer"""
    d = r["dcma"]
    why = (f"dcma p99 {fmt_us(d['p99'])} us; the memset of the same buffers right "
           f"after each allocation has a p99 of {fmt_us(d['floor_p99'])} us under the "
           f"same load ({fmt_spread(r, 'floor_p99_over_floor')} its p50), and dcma's p99 "
           f"is {fmt_spread(r, 'dcma_p99_over_floor_p99')} that")
    ph = [x for x in slow or [] if x["phase"] == "pressure"]
    if ph:
        why += (f"; bench-a's latency histogram: {ph[0]['over_1ms']} of the "
                f"{ph[0]['allocs']} allocations of the pressure phase took over 1 ms "
                "inside the region layer")
    return why


def camera_why(r, oom_kills):
    """What a missed camera target measured: the allocation's share of
    the open (REQBUFS) in each boot, and how much of each area was lent
    when the opens began"""
    d, m = r["dcma"], r["mainline"]
    ms = lambda ns: f"{ns / 1e6:.1f}"
    why = (f"REQBUFS (the four buffers' allocation) p99: dcma {ms(d['alloc_p99'])} ms, "
           f"mainline {ms(m['alloc_p99'])} ms, of opens whose p99 are {ms(d['p99'])} and "
           f"{ms(m['p99'])} ms; the open less REQBUFS at the median (vivid's first "
           f"frame under TCG, the V4L2 calls): dcma {ms(d['p50'] - d['alloc_p50'])} ms, "
           f"mainline {ms(m['p50'] - m['alloc_p50'])} ms")
    if d.get("lent_pct") is not None and m.get("lent_pct") is not None:
        why += (f"; lent when the opens began: dcma {d['lent_pct']}% of its region, "
                f"mainline {m['lent_pct']}% of its area")
    if oom_kills:
        why += (f"; the OOM killer ended the load {oom_kills} time(s) in this arch's "
                "boots, which leaves an area with nothing to migrate")
    return why


def churn_why(c):
    """What a missed churn target measured: whether dcma refused anything
    a free run could hold at its alignment"""
    d = c["dcma"]
    why = (f"dcma refused {d.get('afit_fails')} of the {d.get('afits')} requests "
           f"a free run held at their alignment")
    if d.get("afit_fails") == 0:
        why += (": every refusal was of a request no free run could hold "
                "(fragmentation at 70-90% occupancy), not a placement that missed "
                "a fitting run")
    else:
        why += ": those are placements that missed a fitting run"
    return why


def check_targets(report):
    """Each target on the mode that can judge it; a target whose mode
    has no runs is listed as not measured"""
    T, out = TARGETS, []
    modes = report["modes"]

    def arches(mode):
        m = modes.get(mode)
        return sorted(m["arches"].items()) if m else []

    def runs(mode):
        return modes[mode]["runs"] if mode in modes else 0

    for mode, what in (("icount", "fixed cost and idle floor"),
                       ("wall", "pressure and camera"),
                       ("lockstat", "locks")):
        if not runs(mode):
            out.append(target(f"{what}: not measured", mode, 0, False, None, None,
                              f"no {mode} boot; make bench BENCH_TIME={mode}"
                              if mode != "lockstat" else
                              "no lockstat boot; make bench-lockstat"))

    for arch, a in arches("icount"):
        for r in a["parts"] or []:
            if r["size"] not in T["fixed_sizes"]:
                continue
            v = r.get("dcma_over_page_alloc")
            met = v is not None and v <= T["fixed_vs_page_alloc"]
            out.append(target(f"{arch} fixed cost {r['size'] // 1024} KiB: DMA API on "
                              "dcma within 2x of the page allocator", "icount",
                              runs("icount"), met,
                              fmt_spread(r, "dcma_over_page_alloc"),
                              f"<= {T['fixed_vs_page_alloc']}x",
                              None if met else fixed_cost_why(r)))
        for r in a["idle"] or []:
            if r["size"] < T["idle_floor_from"]:
                continue
            v = r.get("dcma_p50_over_floor")
            met = v is not None and v <= T["idle_floor"]
            out.append(target(f"{arch} idle {r['size'] // 1024} KiB: p50 within 1.3x of "
                              "memset", "icount", runs("icount"), met,
                              fmt_spread(r, "dcma_p50_over_floor"),
                              f"<= {T['idle_floor']}x",
                              None if met else idle_floor_why(r, a["parts"] or [])))
    for arch, a in arches("wall"):
        for r in a["pressure"] or []:
            if r["size"] not in T["pressure_sizes"]:
                continue
            v, f = r.get("ratio_p99"), r.get("dcma_p99_over_floor")
            met = v is not None and v >= T["pressure_vs_mainline"]
            out.append(target(f"{arch} pressure {r['size'] // 1024} KiB: p99 20x below "
                              "mainline's", "wall", runs("wall"), met,
                              fmt_spread(r, "ratio_p99"),
                              f">= {T['pressure_vs_mainline']}x",
                              None if met else
                              f"mainline p99 {fmt_us(r['mainline']['p99'])} us, "
                              f"{ratio(r['mainline']['p99'], r['dcma']['floor_p99'])}x the "
                              "memset's p99 below (what an allocation costing nothing "
                              "but its zeroing would reach); " +
                              pressure_why(r, a.get("slow_allocs"))))
            met = f is not None and f <= T["pressure_floor"]
            out.append(target(f"{arch} pressure {r['size'] // 1024} KiB: p99 within 3x "
                              "of memset", "wall", runs("wall"), met,
                              fmt_spread(r, "dcma_p99_over_floor"),
                              f"<= {T['pressure_floor']}x",
                              None if met else pressure_why(r, a.get("slow_allocs"))))
        for r in a["pinned"] or []:
            out.append(target(f"{arch} pinned {r['size'] // 1024} KiB: no dcma failure "
                              "that fits", "wall", runs("wall"),
                              r["dcma"]["fit_fails"] == T["pinned_fit_fails"],
                              r["dcma"]["fit_fails"], T["pinned_fit_fails"]))
        for r in a["camera"] or []:
            if r["scen"] != "camera-pressure":
                continue
            v = r.get("ratio_p99")
            met = v is not None and v >= T["camera_pressure_vs_mainline"]
            out.append(target(f"{arch} camera open under pressure {r['frame']}: p99 10x "
                              "below mainline's", "wall", runs("wall"), met,
                              fmt_spread(r, "ratio_p99"),
                              f">= {T['camera_pressure_vs_mainline']}x",
                              None if met else camera_why(r, a.get("oom_kills"))))
    # the churn counts and does not time: the first mode that has it
    for mode in MODES:
        with_churn = [(arch, a) for arch, a in arches(mode) if a.get("churn")]
        if not with_churn:
            continue
        for arch, a in with_churn:
            c = a["churn"]
            out.append(target(f"{arch} churn: no refusal of a request a free run holds "
                              "at its alignment", mode, runs(mode),
                              c["dcma"].get("afit_fails", -1) == T["churn_aligned_fails"],
                              f"{c['dcma'].get('afit_fails')} of {c['dcma'].get('afits')}",
                              T["churn_aligned_fails"]))
            v = c.get("refusals_dcma_over_mainline")
            met = v is not None and v <= T["churn_refusals_vs_mainline"]
            out.append(target(f"{arch} churn: refusals at most a third of mainline's",
                              mode, runs(mode), met,
                              f"{c['dcma']['refusals'] * 100:.1f}% against "
                              f"{c['mainline']['refusals'] * 100:.1f}%",
                              "<= 1/3", None if met else churn_why(c)))
        break
    for arch, a in arches("lockstat"):
        locks = a.get("locks")
        if not locks:
            continue
        cls = locks["classes"]
        shared = {n: c for n, c in cls.items()
                  if c["kind"] == "dcma" and not c["per_region"] and c["acquisitions"]}
        regions = {n: c for n, c in cls.items()
                   if c["per_region"] and not n.endswith(":claim")}
        out.append(target(f"{arch} locks: no dcma lock shared by the regions taken in "
                          "the concurrency runs", "lockstat", runs("lockstat"), not shared,
                          ", ".join(f"{n} {c['acquisitions']}" for n, c in shared.items())
                          or "none", "none"))
        pairs = ", ".join(f"{n} {c['acquisitions_per_op']}" for n, c in regions.items())
        ph = a.get("lock_phases") or {}
        al, fr = ph.get("alloc"), ph.get("free")
        worst = al["worst_per_op"] if al else None
        met = (worst is not None and worst <= T["lock_acq_per_alloc"] and
               not ph.get("hold_fails"))
        if al:
            figure = (f"{worst} per allocation on a region (worst of {al['clean']} "
                      f"clean alloc phases of {al['phases']})")
        else:
            figure = "no hold phases in the log"
        if fr:
            figure += (f"; a free {fr['worst_per_op']} (worst of {fr['clean']} clean "
                       f"of {fr['phases']})")
        figure += f"; alloc+free pairs of the concurrency runs: {pairs}"
        if met:
            why = None
        elif not al or not al["clean"]:
            why = ("no alloc phase without the pool worker (the claim locks were taken "
                   "in each), so none counts the allocations alone")
        elif ph.get("hold_fails"):
            why = f"{ph['hold_fails']} of the hold's allocations failed or came from outside"
        else:
            why = (f"{worst} acquisitions per allocation the pool serves; by the code "
                   "it takes one (dcma_range_pick())")
        out.append(target(f"{arch} locks: an allocation the pool serves takes its "
                          "region's lock once", "lockstat", runs("lockstat"), met,
                          figure, f"<= {T['lock_acq_per_alloc']}", why))
    s = report.get("scaling")
    if s:
        out.append(target("scaling: bf at most 2x from 64 MiB/10 buffers to the largest",
                          "host callgrind", 1, s["dcma"]["growth"] <= T["scaling_growth"],
                          f"{s['dcma']['growth']}x", f"<= {T['scaling_growth']}x"))
    return out


def plot(arches, png):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    panels = [("idle", 65536), ("idle", 4194304), ("pressure", 1048576),
              ("pressure", 16777216), ("camera-pressure", 4147200),
              ("camera-pressure", 16588800)]
    # only the panels some log has figures for
    panels = [p for p in panels
              if any(c["scen"] == p[0] and c["size"] == p[1]
                     for cdfs in arches.values() for c in cdfs)]
    if not panels:
        return
    fig, axes = plt.subplots(len(arches), len(panels),
                             figsize=(4 * len(panels), 3.2 * len(arches)),
                             squeeze=False)
    for row, (arch, cdfs) in enumerate(sorted(arches.items())):
        for col, (scen, size) in enumerate(panels):
            ax = axes[row][col]
            mode = ""
            for c in cdfs:
                if c["scen"] != scen or c["size"] != size:
                    continue
                mode = f", {c['mode']} run {c['run']}"
                ys = [i / (len(c["ns"]) - 1) for i in range(len(c["ns"]))]
                xs = [max(v, 1) / 1000 for v in c["ns"]]
                ax.step(xs, ys, where="post", label=c["dev"],
                        linestyle="-" if c["dev"] == "dcma" else "--")
            ax.set_xscale("log")
            if scen.startswith("camera"):
                ax.set_title(f"{arch}: {scen}, {size // 1024} KiB frames{mode}",
                             fontsize=9)
                ax.set_xlabel("open() to first frame (us)", fontsize=8)
            else:
                ax.set_title(f"{arch}: {scen}, {size // 1024} KiB{mode}", fontsize=9)
                ax.set_xlabel("dma_alloc_coherent() latency (us)", fontsize=8)
            ax.set_ylabel("fraction", fontsize=8)
            ax.grid(True, which="both", alpha=0.3)
            ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(png, dpi=90)


def fmt_us(ns):
    return f"{ns / 1000:.1f}"


def table(report):
    out = []
    for mode, m in report["modes"].items():
        out.append(f"\n## {MODE_NAMES[mode]}: {m['runs']} run(s), at {', '.join(m['commits'])}")
        if m["runs"] > 1:
            out.append("\nFigures are the medians of the runs; [lowest-highest run] "
                       "after a ratio is its spread.")
        for arch, a in sorted(m["arches"].items()):
            out += arch_table(arch, a)
    s = report.get("scaling")
    if s:
        out.append(f"\nscaling (host, callgrind: instructions per alloc+free, 64 MiB/10 "
                   f"buffers to the largest): dcma {s['dcma']['base']} to "
                   f"{s['dcma']['worst']} ({s['dcma']['growth']}x); mainline's bitmap "
                   f"{s['mainline']['base']} to {s['mainline']['worst']} "
                   f"({s['mainline']['growth']}x)")
    out.append("\n| target | mode | runs | figure | target | met |\n|---|---|---|---|---|---|")
    for t in report["targets"]:
        out.append(f"| {t['name']} | {t['mode']} | {t['runs']} | {t['figure']} | "
                   f"{t['target']} | {'yes' if t['met'] else 'no'} |")
    whys = [t for t in report["targets"] if t["why"]]
    if whys:
        out.append("\nWhy each miss, as measured:\n")
        out.extend(f"- {t['name']}: {t['why']}" for t in whys)
    return "\n".join(out) + "\n"


def arch_table(arch, a):
    out = [f"\n### {arch}\n"]
    if any(a.get(scen) for scen in ("idle", "pressure", "pinned")):
        out.append("| scenario | size | dcma p50 / p99 (us) | mainline p50 / p99 (us) "
                   "| memset p50 (us) | mainline/dcma p50 | mainline/dcma p99 "
                   "| dcma p50/memset | dcma p99/memset |")
        out.append("|---|---|---|---|---|---|---|---|---|")
    for scen in ("idle", "pressure", "pinned"):
        for r in a.get(scen) or []:
            dc, ml = r["dcma"], r["mainline"]
            out.append(
                f"| {scen} | {r['size'] // 1024} KiB | {fmt_us(dc['p50'])} / "
                f"{fmt_us(dc['p99'])} | {fmt_us(ml['p50'])} / {fmt_us(ml['p99'])} | "
                f"{fmt_us(dc['floor_p50'])} | {fmt_spread(r, 'ratio_p50')} | "
                f"{fmt_spread(r, 'ratio_p99')} | {fmt_spread(r, 'dcma_p50_over_floor')} | "
                f"{fmt_spread(r, 'dcma_p99_over_floor')} |")
    if a.get("parts"):
        out.append("")
    for r in a.get("parts") or []:
        out.append(f"parts of {r['size'] // 1024} KiB (mean of {r['n']} back-to-back "
                   f"alloc+free, us): page allocator {fmt_us(r['page_alloc_ns'])}, "
                   f"dcma region {fmt_us(r['region_ns'])}, DMA API on dcma "
                   f"{fmt_us(r['dma_dcma_ns'])} ({fmt_spread(r, 'dcma_over_page_alloc')} "
                   f"the page allocator), on mainline {fmt_us(r['dma_mainline_ns'])}; "
                   f"memset of a mapped buffer {fmt_us(r['memset_ns'])}"
                   + (f" ({r['outside']} DMA API buffers from outside their area)"
                      if r.get("outside") else ""))
    c = a.get("churn")
    if c:
        out.append(f"\nchurn: refused of the requests that fit in the free space: dcma "
                   f"{c['dcma']['refusals'] * 100:.1f}% of {c['dcma']['fits']}, mainline "
                   f"{c['mainline']['refusals'] * 100:.1f}% of {c['mainline']['fits']}; "
                   f"of those a free run holds at their alignment: dcma "
                   f"{c['dcma'].get('afit_fails')} of {c['dcma'].get('afits')}, mainline "
                   f"{c['mainline'].get('afit_fails')} of {c['mainline'].get('afits')}")
    for r in a.get("pinned") or []:
        out.append(f"pinned {r['size'] // 1024} KiB: dcma {r['dcma']['fit_fails']} "
                   f"failures that fit ({r['dcma']['pinned_avg']} pinned pages on "
                   f"average), mainline {r['mainline']['fit_fails']} "
                   f"({r['mainline']['pinned_avg']})")
    for r in a.get("pressure") or []:
        out.append(f"pressure {r['size'] // 1024} KiB: lent at allocation time: dcma "
                   f"{r['dcma']['lent_pct']}% (lendable {r['dcma']['lendable_pct']}%), "
                   f"mainline {r['mainline']['lent_pct']}%")
    if a.get("slow_allocs"):
        out.append("dcma allocations of over 1 ms (bench-a's latency histogram), by "
                   "phase: " + "; ".join(f"{p['phase']} {p['over_1ms']} of {p['allocs']}"
                                          for p in a["slow_allocs"]))
    if a.get("camera"):
        out.append("\ncamera open to first frame (vivid, 4 MMAP buffers, dcma boot "
                   "against mainline boot, ms):\n")
        out.append("| scenario | frame | dcma p50 / p99 | mainline p50 / p99 "
                   "| of which REQBUFS p99, dcma / mainline | mainline/dcma p50 "
                   "| mainline/dcma p99 | lent before open, dcma / mainline |")
        out.append("|---|---|---|---|---|---|---|---|")
        for r in a["camera"]:
            dc, ml = r["dcma"], r["mainline"]
            lent = (f"{dc.get('lent_pct', 0)}% / {ml.get('lent_pct', 0)}%"
                    if r["scen"] == "camera-pressure" else "-")
            out.append(
                f"| {r['scen']} | {r['frame']} | {dc['p50'] / 1e6:.1f} / "
                f"{dc['p99'] / 1e6:.1f} | {ml['p50'] / 1e6:.1f} / {ml['p99'] / 1e6:.1f} | "
                f"{dc['alloc_p99'] / 1e6:.1f} / {ml['alloc_p99'] / 1e6:.1f} | "
                f"{fmt_spread(r, 'ratio_p50')} | {fmt_spread(r, 'ratio_p99')} | {lent} |")
        out.append(f"\nOOM kills of the load, this arch's boots together (median of the "
                   f"runs): {a.get('oom_kills', 0)}")
    k = a.get("concurrency")
    if k and k["dcma"].get("speedup") is not None:
        by_cpus = {dev: {t: v for t, v in k[dev].items() if not t.startswith("speedup")}
                   for dev in ("dcma", "mainline")}
        out.append(f"concurrency (64 KiB, ops/s by CPUs, medians): dcma "
                   f"{by_cpus['dcma']}, 4 CPUs against 1 {k['dcma']['speedup']}x; "
                   f"mainline {by_cpus['mainline']}, {k['mainline']['speedup']}x")
    locks = a.get("locks")
    if locks:
        out.append(f"\nlock statistics of the 4-CPU concurrency runs (median of "
                   f"{locks['reps']}; ops: {locks['ops']}):\n")
        out.append("| lock class | kind | acquisitions per op | contended per 1000 ops "
                   "| wait total (us) |")
        out.append("|---|---|---|---|---|")
        for name, c in locks["classes"].items():
            out.append(f"| {name} | {c['kind']} | {c['acquisitions_per_op']} | "
                       f"{c['contended_per_1000_ops']} | {c['waittime_total_us']} |")
    ph = a.get("lock_phases")
    if ph:
        out.append("\nan allocation's region lock apart from a free's (4 kthreads keep "
                   "32 buffers of 64 KiB each, then free them; a phase is clean when the "
                   "claim locks, which the pool worker takes first, stayed idle): " +
                   "; ".join(f"{k}: {v['per_op']} per operation in the {v['clean']} clean "
                             f"phases of {v['phases']}"
                             for k, v in ph.items() if isinstance(v, dict)) +
                   f"; failed or outside allocations of the hold: {ph['hold_fails']}")
    return out


def log_name(path):
    """(kind, mode, run) from a benchmark log's name, or None"""
    m = LOG_NAME.search(os.path.basename(path))
    if not m:
        return None
    return (m.group(1) or "main", m.group(2), int(m.group(3)))


def commit_of(path):
    try:
        with open(path + ".commit") as f:
            return f.read().strip() or "unknown"
    except OSError:
        return "unknown"


def main():
    if len(sys.argv) < 5:
        print(__doc__, file=sys.stderr)
        return 2
    out_json, out_png, scaling = sys.argv[1:4]
    rc = 0
    # (mode, arch) -> run -> [results, cdfs, info]
    runs, commits = {}, {}
    for arg in sys.argv[4:]:
        arch, log = arg.split("=", 1)
        name = log_name(log)
        if not name:
            print(f"bench-report: {log}: not a benchmark log's name", file=sys.stderr)
            continue
        kind, mode, run = name
        r, c, i = parse_log(log) if os.path.exists(log) else ([], [], [])
        if not r:
            print(f"bench-report: no results in {log}", file=sys.stderr)
            rc = 1
            continue
        slot = runs.setdefault((mode, arch), {}).setdefault(run, [[], [], []])
        slot[0] += r
        slot[1] += [dict(x, mode=mode, run=run) for x in c]
        slot[2] += i
        commits.setdefault(mode, set()).add(commit_of(log))

    report = {"command": "make bench", "targets_defined": TARGETS, "modes": {}}
    cdfs_by_arch = {}
    for mode in MODES:
        arches = {arch: r for (m, arch), r in runs.items() if m == mode}
        if not arches:
            continue
        n = max(len(r) for r in arches.values())
        report["modes"][mode] = {
            "clock": MODE_NAMES[mode], "runs": n,
            "commits": sorted(commits.get(mode, ())),
            "arches": {arch: median_of([arch_run(res, info) for res, _, info in
                                        (r[k] for k in sorted(r))])
                       for arch, r in arches.items()},
            "info": {arch: r[min(r)][2] for arch, r in arches.items()},
            "cdf": {arch: r[min(r)][1] for arch, r in arches.items()},
        }
        # the plot: each panel from the first run of the mode that judges
        # it (idle from icount when there is one), its mode in its title
        if mode != "lockstat":
            for arch, r in arches.items():
                have = cdfs_by_arch.setdefault(arch, [])
                have += [c for c in r[min(r)][1]
                         if not any(h["scen"] == c["scen"] and h["size"] == c["size"]
                                    and h["dev"] == c["dev"] for h in have)]
    if os.path.exists(scaling):
        with open(scaling) as f:
            report["scaling"] = json.load(f)
    report["targets"] = check_targets(report)

    with open(out_json, "w") as f:
        json.dump(report, f, indent=1)
    md = table(report)
    with open(os.path.splitext(out_json)[0] + ".md", "w") as f:
        f.write(md)
    print(md)
    if cdfs_by_arch:
        plot(cdfs_by_arch, out_png)
    return rc


if __name__ == "__main__":
    sys.exit(main())
