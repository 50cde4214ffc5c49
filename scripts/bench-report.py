#!/usr/bin/python3
# SPDX-License-Identifier: GPL-2.0
"""Turn the benchmark's console logs into one JSON file, a plot and a table.

Usage: bench-report.py OUT.json OUT.png SCALING.json ARCH=LOG...

An arch may be named more than once: its logs (the main benchmark boot
and the camera benchmark's two boots) are read as one.

Every "bench: result ..." and "bench: cdf ..." line of the guests' logs
(scripts/guest/dcma-bench) is read; the targets of the benchmark are
checked against the figures and the verdict of each is written beside it.
A Markdown table of the same goes to OUT.md, for the README.  The exit
status is 1 only when a log has no results at all: a missed target is a
finding, not an error.
"""

import json
import os
import re
import sys

TARGETS = {
    "idle_floor": 1.3,      # dcma p50 at most this multiple of memset
    "idle_vs_mainline": 0.5,  # dcma p50 at most this share of mainline's
    "pressure_vs_mainline": 20.0,  # mainline p99 / dcma p99 at least
    "pressure_floor": 3.0,  # dcma p99 at most this multiple of memset
    "churn_success": 0.99,
    "pinned_fit_fails": 0,
    "conc_speedup": 3.0,    # 4 CPUs against 1
    "scaling_growth": 2.0,
    "camera_pressure_vs_mainline": 10.0,  # mainline p99 / dcma p99 at least
}


def parse_log(path):
    results, cdfs, info = [], [], []
    with open(path, errors="replace") as f:
        for line in f:
            m = re.search(r"bench: (result|cdf|info|error) (.*)", line)
            if not m:
                continue
            kind, rest = m.group(1), m.group(2).strip()
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


def pairs(results, scen, checks):
    rows = []
    for size, d in sorted(by(results, scen).items()):
        if "dcma" not in d or "mainline" not in d:
            continue
        dc, ml = d["dcma"], d["mainline"]
        row = {
            "size": size,
            "dcma": {k: dc[k] for k in dc if k not in ("scen", "dev", "size")},
            "mainline": {k: ml[k] for k in ml if k not in ("scen", "dev", "size")},
            "ratio_p50": ratio(ml["p50"], dc["p50"]),
            "ratio_p99": ratio(ml["p99"], dc["p99"]),
            "dcma_p50_over_floor": ratio(dc["p50"], dc["floor_p50"]),
            "dcma_p99_over_floor": ratio(dc["p99"], dc["floor_p50"]),
            "mainline_p50_over_floor": ratio(ml["p50"], ml["floor_p50"]),
        }
        row["targets"] = checks(row)
        rows.append(row)
    return rows


def idle_checks(row):
    return {
        "p50_within_1.3x_memset": row["dcma_p50_over_floor"] is not None and
        row["dcma_p50_over_floor"] <= TARGETS["idle_floor"],
        "p50_at_most_half_mainline": row["ratio_p50"] is not None and
        row["ratio_p50"] >= 1 / TARGETS["idle_vs_mainline"],
    }


def pressure_checks(row):
    return {
        "p99_20x_below_mainline": row["ratio_p99"] is not None and
        row["ratio_p99"] >= TARGETS["pressure_vs_mainline"],
        "p99_within_3x_memset": row["dcma_p99_over_floor"] is not None and
        row["dcma_p99_over_floor"] <= TARGETS["pressure_floor"],
    }


def pinned_checks(row):
    fit_fails = row["dcma"]["fail"] - row["dcma"]["unfit_fails"]
    row["dcma"]["fit_fails"] = fit_fails
    row["mainline"]["fit_fails"] = (row["mainline"]["fail"] -
                                    row["mainline"]["unfit_fails"])
    return {"no_dcma_failure_that_fits": fit_fails == 0}


def churn(results):
    d = by(results, "churn").get(0, {})
    if "dcma" not in d or "mainline" not in d:
        return None
    out = {k: {f: d[k][f] for f in d[k] if f not in ("scen", "dev")}
           for k in ("dcma", "mainline")}
    for k in out:
        out[k]["success"] = round(out[k]["success_permille"] / 1000, 3)
        out[k]["run_success"] = round(out[k].get("run_success_permille", 0) / 1000, 3)
    out["ratio"] = ratio(out["dcma"]["success"], out["mainline"]["success"])
    out["targets"] = {"dcma_success_99pct":
                      out["dcma"]["success"] >= TARGETS["churn_success"]}
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
    snaps = []
    for line in info:
        m = re.fullmatch(r"info stats bench-a (\w+) (\d+)", line)
        if not m:
            continue
        if m.group(1) == "allocs":
            snaps.append({})
        if snaps:
            snaps[-1][m.group(1)] = int(m.group(2))
    phases = ("idle, parts and churn", "concurrency", "pressure")
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
    # the median of the runs of each CPU count
    out = {dev: {t: sorted(v)[len(v) // 2] for t, v in by_t.items()}
           for dev, by_t in runs.items()}
    out["runs"] = runs
    for k in ("dcma", "mainline"):
        one, top = out[k].get("1"), out[k].get(max(out[k], key=int))
        out[k]["speedup"] = ratio(top, one)
    out["ratio"] = ratio(out["dcma"].get("4", 0), out["mainline"].get("4", 0))
    out["targets"] = {"4_cpus_3x_one": (out["dcma"]["speedup"] or 0) >=
                      TARGETS["conc_speedup"] and "4" in out["dcma"]}
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
            keep = ("frame", "n", "p50", "p90", "p99", "max", "alloc_p50",
                    "alloc_p99", "lent_pct", "lendable_pct", "outside", "fail")
            row = {"scen": scen, "size": size, "frame": dc["frame"],
                   "dcma": {k: dc[k] for k in keep if k in dc},
                   "mainline": {k: ml[k] for k in keep if k in ml},
                   "ratio_p50": ratio(ml["p50"], dc["p50"]),
                   "ratio_p99": ratio(ml["p99"], dc["p99"]),
                   "ratio_alloc_p99": ratio(ml["alloc_p99"], dc["alloc_p99"])}
            row["targets"] = {}
            if scen == "camera-pressure":
                row["targets"]["p99_10x_below_mainline"] = (
                    row["ratio_p99"] is not None and
                    row["ratio_p99"] >= TARGETS["camera_pressure_vs_mainline"])
            rows.append(row)
    return rows


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
            for c in cdfs:
                if c["scen"] != scen or c["size"] != size:
                    continue
                ys = [i / (len(c["ns"]) - 1) for i in range(len(c["ns"]))]
                xs = [max(v, 1) / 1000 for v in c["ns"]]
                ax.step(xs, ys, where="post", label=c["dev"],
                        linestyle="-" if c["dev"] == "dcma" else "--")
            ax.set_xscale("log")
            if scen.startswith("camera"):
                ax.set_title(f"{arch}: {scen}, {size // 1024} KiB frames",
                             fontsize=9)
                ax.set_xlabel("open() to first frame (us)", fontsize=8)
            else:
                ax.set_title(f"{arch}: {scen}, {size // 1024} KiB", fontsize=9)
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
    for arch, a in sorted(report["arches"].items()):
        out.append(f"\n### {arch}\n")
        if any(a.get(scen) for scen in ("idle", "pressure", "pinned")):
            out.append("| scenario | size | dcma p50 / p99 (us) | mainline p50 / p99 (us) "
                       "| memset p50 (us) | mainline/dcma p50, p99 | dcma p50/memset |")
            out.append("|---|---|---|---|---|---|---|")
        for scen in ("idle", "pressure", "pinned"):
            for r in a.get(scen, []):
                dc, ml = r["dcma"], r["mainline"]
                out.append(
                    f"| {scen} | {r['size'] // 1024} KiB | {fmt_us(dc['p50'])} / "
                    f"{fmt_us(dc['p99'])} | {fmt_us(ml['p50'])} / {fmt_us(ml['p99'])} | "
                    f"{fmt_us(dc['floor_p50'])} | {r['ratio_p50']}x, {r['ratio_p99']}x | "
                    f"{r['dcma_p50_over_floor']}x |")
        if a.get("parts"):
            out.append("")
        for r in a.get("parts", []):
            out.append(f"parts of {r['size'] // 1024} KiB (mean of {r['n']} back-to-back "
                       f"alloc+free, us): page allocator {fmt_us(r['page_alloc_ns'])}, "
                       f"dcma region {fmt_us(r['region_ns'])}, DMA API on dcma "
                       f"{fmt_us(r['dma_dcma_ns'])}, on mainline "
                       f"{fmt_us(r['dma_mainline_ns'])}; memset of a mapped buffer "
                       f"{fmt_us(r['memset_ns'])}"
                       + (f" ({r['outside']} DMA API buffers from outside their area)"
                          if r.get("outside") else ""))
        c = a.get("churn")
        if c:
            out.append(f"\nchurn: dcma {c['dcma']['success'] * 100:.1f}% of "
                       f"{c['dcma']['fits']} requests that fit in the free space, mainline "
                       f"{c['mainline']['success'] * 100:.1f}% of {c['mainline']['fits']}; "
                       f"of those that fit in the longest free run: dcma "
                       f"{c['dcma']['run_success'] * 100:.1f}% of {c['dcma']['run_fits']}, "
                       f"mainline {c['mainline']['run_success'] * 100:.1f}% of "
                       f"{c['mainline']['run_fits']}")
        for r in a.get("pinned", []):
            out.append(f"pinned {r['size'] // 1024} KiB: dcma {r['dcma']['fit_fails']} "
                       f"failures that fit ({r['dcma']['pinned_avg']} pinned pages on "
                       f"average), mainline {r['mainline']['fit_fails']} "
                       f"({r['mainline']['pinned_avg']})")
        for r in a.get("pressure", []):
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
                       "| of which REQBUFS p99, dcma / mainline | mainline/dcma p50, p99 "
                       "| lent before open, dcma / mainline |")
            out.append("|---|---|---|---|---|---|---|")
            for r in a["camera"]:
                dc, ml = r["dcma"], r["mainline"]
                lent = (f"{dc.get('lent_pct', 0)}% / {ml.get('lent_pct', 0)}%"
                        if r["scen"] == "camera-pressure" else "-")
                out.append(
                    f"| {r['scen']} | {r['frame']} | {dc['p50'] / 1e6:.1f} / "
                    f"{dc['p99'] / 1e6:.1f} | {ml['p50'] / 1e6:.1f} / {ml['p99'] / 1e6:.1f} | "
                    f"{dc['alloc_p99'] / 1e6:.1f} / {ml['alloc_p99'] / 1e6:.1f} | "
                    f"{r['ratio_p50']}x, {r['ratio_p99']}x | {lent} |")
            out.append(f"\nOOM kills of the load, this arch's boots together: "
                       f"{a.get('oom_kills', 0)}")
            out.append("")
        k = a.get("concurrency")
        if k:
            by_cpus = {dev: {t: v for t, v in k[dev].items() if t != "speedup"}
                       for dev in ("dcma", "mainline")}
            out.append(f"concurrency (64 KiB, ops/s by CPUs, median of the runs): dcma "
                       f"{by_cpus['dcma']}, speedup {k['dcma']['speedup']}x; mainline "
                       f"{by_cpus['mainline']}, speedup {k['mainline']['speedup']}x")
    s = report.get("scaling")
    if s:
        out.append(f"\nscaling (instructions per alloc+free, 64 MiB/10 buffers to "
                   f"the largest): dcma {s['dcma']['base']} to {s['dcma']['worst']} "
                   f"({s['dcma']['growth']}x); mainline's bitmap {s['mainline']['base']} "
                   f"to {s['mainline']['worst']} ({s['mainline']['growth']}x)")
    out.append("\n| target | met |\n|---|---|")
    for t in report["targets"]:
        out.append(f"| {t['name']} | {'yes' if t['met'] else 'no'} |")
    return "\n".join(out) + "\n"


def main():
    if len(sys.argv) < 5:
        print(__doc__, file=sys.stderr)
        return 2
    out_json, out_png, scaling = sys.argv[1:4]
    report = {"command": "make bench", "targets_defined": TARGETS,
              "arches": {}}
    cdfs_by_arch = {}
    rc = 0
    logs = {}
    for arg in sys.argv[4:]:
        arch, log = arg.split("=", 1)
        logs.setdefault(arch, []).append(log)
    for arch, paths in logs.items():
        results, cdfs, info = [], [], []
        for log in paths:
            r, c, i = parse_log(log) if os.path.exists(log) else ([], [], [])
            if not r:
                print(f"bench-report: no results in {log}", file=sys.stderr)
                rc = 1
            results += r
            cdfs += c
            info += i
        if not results:
            continue
        cdfs_by_arch[arch] = cdfs
        report["arches"][arch] = {
            "info": info,
            "idle": pairs(results, "idle", idle_checks),
            "pressure": pairs(results, "pressure", pressure_checks),
            "pinned": pairs(results, "pinned", pinned_checks),
            "churn": churn(results),
            "concurrency": conc(results),
            "parts": parts(results),
            "slow_allocs": slow_by_phase(info),
            "camera": camera(results),
            "oom_kills": sum(int(m.group(1)) for m in
                             (re.fullmatch(r"info oom_kills (\d+)", i) for i in info)
                             if m),
            "cdf": cdfs,
        }
    if os.path.exists(scaling):
        with open(scaling) as f:
            s = json.load(f)
        s["targets"] = {"growth_at_most_2x":
                        s["dcma"]["growth"] <= TARGETS["scaling_growth"]}
        report["scaling"] = s

    targets = []
    for arch, a in report["arches"].items():
        for scen in ("idle", "pressure", "pinned"):
            for r in a[scen]:
                for name, met in r["targets"].items():
                    targets.append({"name": f"{arch} {scen} {r['size'] // 1024} KiB: {name}",
                                    "met": met})
        for r in a["camera"]:
            for name, met in r["targets"].items():
                targets.append({"name": f"{arch} {r['scen']} {r['frame']}: {name}",
                                "met": met})
        for scen in ("churn", "concurrency"):
            if a[scen]:
                for name, met in a[scen]["targets"].items():
                    targets.append({"name": f"{arch} {scen}: {name}", "met": met})
    if "scaling" in report:
        for name, met in report["scaling"]["targets"].items():
            targets.append({"name": f"scaling: {name}", "met": met})
    report["targets"] = targets

    # the scenarios by name, as the JSON's readers look them up
    report["scenarios"] = {
        scen: {arch: a[scen] for arch, a in report["arches"].items()}
        for scen in ("idle", "pressure", "churn", "pinned", "concurrency",
                     "camera")}
    if "scaling" in report:
        report["scenarios"]["scaling"] = report["scaling"]

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
