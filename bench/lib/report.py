#!/usr/bin/env python3
"""report.py --raw RAW.jsonl --base PATH [--plot plot.gnuplot] [--readme README.md]

Turns bench/run's raw records into PATH.md and PATH.json (median, min and max over the
repetitions, ratios against `direct`, CPU per 1,000 requests, peak RSS, the scale sweep,
programming times, the goals) and, when gnuplot is installed, PATH-*.png. With
--readme, replaces the block between the bench-summary markers in that file."""
import argparse
import json
import os
import shutil
import statistics
import subprocess

TEST_DESC = {
    "rr64": "round trip 64 B (sockperf ping-pong --tcp), RTT µs",
    "rr1k": "round trip 1 KiB (sockperf ping-pong --tcp), RTT µs",
    "tput1": "throughput, iperf3 1 stream, Gbit/s",
    "tput2": "throughput, iperf3 2 streams, Gbit/s",
    "http_ka": "keep-alive HTTP (wrk -> nginx), req/s",
    "http_close": "new connections (wrk, Connection: close), req/s",
}
TEST_ORDER = ["rr64", "rr1k", "tput1", "tput2", "http_ka", "http_close"]
VAR_ORDER = ["direct", "iptables", "nftables", "sluice", "sluice-notel", "sluice-policy", "sluice-authz",
             "sluice-local", "sluice-accel", "sidecar", "node-proxy"]
# Pairwise comparisons besides "vs direct": (variant, baseline, title). Ratio: variant /
# baseline for rates, RTT variant / RTT baseline for round trips (so below 1 is faster).
PAIRS = [
    ("sluice", "sluice-notel", "Telemetry on (sluice) vs off (sluice-notel)"),
    ("sluice-policy", "sluice", "Traffic management (sluice-policy: DestinationRule subsets, "
     "ROUND_ROBIN, 90/10 VirtualService split) vs plain Service (sluice)"),
    ("sluice-authz", "sluice", "In-kernel authorization (sluice-authz: an ALLOW AuthorizationPolicy "
     "on the server, checked at connect and at the server's pod interface) vs none (sluice)"),
    ("sluice-accel", "sluice-local", "Same-node acceleration: --accelerate=on (sluice-accel) vs off "
     "(sluice-local), node1-p1 -> node1-p4"),
]
# Goals on those comparisons: (variant, baseline, test, label, op, target). op ">=" or "<=".
PAIR_GOALS = [
    ("sluice", "sluice-notel", "http_ka", "Telemetry on vs off: keep-alive req/s", ">=", 0.98),
    ("sluice", "sluice-notel", "rr64", "Telemetry on vs off: round trip 64 B (RTT ratio)", "<=", 1.03),
    ("sluice", "sluice-notel", "rr1k", "Telemetry on vs off: round trip 1 KiB (RTT ratio)", "<=", 1.03),
    ("sluice", "sluice-notel", "http_close", "Telemetry on vs off: new connections req/s", ">=", 0.97),
    ("sluice-accel", "sluice-local", "rr64", "Acceleration on vs off, same node: round trip 64 B (RTT ratio)", "<=", 0.82),
    ("sluice-accel", "sluice-local", "rr1k", "Acceleration on vs off, same node: round trip 1 KiB (RTT ratio)", "<=", 0.82),
    ("sluice-accel", "sluice-local", "tput1", "Acceleration on vs off, same node: iperf3 1 stream", ">=", 1.0),
    ("sluice-accel", "sluice-local", "tput2", "Acceleration on vs off, same node: iperf3 2 streams", ">=", 1.0),
    ("sluice-accel", "sluice-local", "http_ka", "Acceleration on vs off, same node: keep-alive req/s", ">=", 1.1),
]
MARK_BEGIN = "<!-- bench-summary:begin -->"
MARK_END = "<!-- bench-summary:end -->"


def fmt(x, nd=None):
    if x is None:
        return "–"
    if nd is None:
        nd = 0 if abs(x) >= 1000 else (1 if abs(x) >= 100 else (2 if abs(x) >= 1 else 3))
    return "{:,.{}f}".format(x, nd).replace(",", " ")


def agg(vals):
    if not vals:
        return None
    return {"median": statistics.median(vals), "min": min(vals), "max": max(vals), "n": len(vals)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--raw", required=True)
    ap.add_argument("--base", required=True)
    ap.add_argument("--plot")
    ap.add_argument("--readme")
    a = ap.parse_args()
    # strict=False: a control character that slipped into a string must not lose the run
    recs = [json.loads(line, strict=False) for line in open(a.raw) if line.strip()]
    meta = next((r for r in recs if r["kind"] == "meta"), {})
    end = next((r for r in recs if r["kind"] == "meta_end"), {})
    runs = [r for r in recs if r["kind"] == "run"]
    progs = [r for r in recs if r["kind"] == "prog"]
    agents = [r for r in recs if r["kind"] == "agent"]

    variants = [v for v in VAR_ORDER if any(r["variant"] == v for r in runs)]
    tests = [t for t in TEST_ORDER if any(r["test"] == t and "scale_n" not in r for r in runs)]

    # ---- main matrix
    cells = {}
    for t in tests:
        for v in variants:
            rs = [r for r in runs if r["test"] == t and r["variant"] == v and "scale_n" not in r]
            if not rs:
                continue
            ok = [r for r in rs if r["status"] == "ok"]
            bad = [r for r in rs if r["status"] != "ok"]
            c = {"reps": len(rs), "ok": len(ok), "status": "ok" if not bad else "failed",
                 "errors": sorted({r.get("error", "") for r in bad})}
            if ok and not bad:
                c["value"] = agg([r["value"] for r in ok])
                c["unit"] = ok[0]["unit"]
                c["better"] = ok[0]["better"]
                per = 1000.0 if ok[0]["ops_unit"] == "req" else 1.0
                c["cpu_unit"] = "CPU s / 1k req" if per == 1000.0 else "CPU s / GB"
                c["cpu"] = agg([r["cpu_total_s"] / (r["ops"] / per) for r in ok if r["ops"]])
                c["cpu_mesh"] = agg([r["cpu_mesh_s"] / (r["ops"] / per) for r in ok if r["ops"]])
                hwm = {}
                for r in ok:
                    for kv in str(r.get("mesh_hwm_kb", "")).split():
                        k, _, val = kv.partition("=")
                        hwm[k] = max(hwm.get(k, 0), int(val or 0))
                c["mesh_hwm_kb"] = hwm
                if "p99_us" in ok[0]:
                    c["p99"] = agg([r["p99_us"] for r in ok])
            cells[(t, v)] = c
    for t in tests:
        d = cells.get((t, "direct"))
        for v in variants:
            c = cells.get((t, v))
            if not c or "value" not in c or not d or "value" not in d:
                continue
            dm, vm = d["value"]["median"], c["value"]["median"]
            c["ratio"] = (vm / dm) if c["better"] == "higher" else (dm / vm)

    # ---- pairwise comparisons (variant vs a baseline variant, same test)
    pairs = {}
    for v, b, _ in PAIRS:
        for t in tests:
            c, d = cells.get((t, v)), cells.get((t, b))
            if not c or not d:
                continue
            e = {"variant": v, "baseline": b, "test": t, "kind": "rtt" if c.get("better", d.get("better")) == "lower" else "rate"}
            if "value" in c and "value" in d:
                e["ratio"] = c["value"]["median"] / d["value"]["median"]
                # the same, as "min over max" and "max over min" of the repetitions
                e["ratio_lo"] = c["value"]["min"] / d["value"]["max"]
                e["ratio_hi"] = c["value"]["max"] / d["value"]["min"]
            else:
                e["ratio"] = None
            pairs[(v, b, t)] = e

    # ---- scale sweep (http_close at N other Services)
    scale = {}
    for r in runs:
        if "scale_n" in r:
            scale.setdefault((r["variant"], r["scale_n"]), []).append(r)
    scale_cells = {}
    for (v, n), rs in scale.items():
        bad = [r for r in rs if r["status"] != "ok"]
        c = {"reps": len(rs), "status": "ok" if not bad else "failed",
             "errors": sorted({r.get("error", "") for r in bad})}
        if not bad:
            c["value"] = agg([r["value"] for r in rs])
        scale_cells[(v, n)] = c
    for (v, n), c in scale_cells.items():
        z = scale_cells.get((v, 0))
        if "value" in c and z and "value" in z:
            c["ratio_vs_n0"] = c["value"]["median"] / z["value"]["median"]
    scale_ns = sorted({n for (_, n) in scale_cells})
    scale_vs = [v for v in VAR_ORDER if any(k[0] == v for k in scale_cells)]

    # ---- programming
    prog = {}
    for p in progs:
        prog[(p["system"], p["n"], p["op"])] = p
    prog_sys = [s for s in ["sluice", "iptables", "nftables"] if any(k[0] == s for k in prog)]
    prog_ns = sorted({k[1] for k in prog if k[1] > 0})
    rss = {(g.get("n"), g["node"]): g for g in agents if g.get("phase") == "scale"}

    # ---- goals
    def ratio(t, v="sluice"):
        c = cells.get((t, v))
        return c.get("ratio") if c else None

    goals = []

    def goal(name, target, measured, met, note=""):
        goals.append({"goal": name, "target": target, "measured": measured,
                      "met": met, "note": note})

    for t, label in (("http_ka", "keep-alive req/s vs direct"), ("rr64", "round trip 64 B vs direct"),
                     ("rr1k", "round trip 1 KiB vs direct")):
        r = ratio(t)
        if (t, "sluice") in cells:
            goal("Sluice " + label, ">= 0.98x", fmt(r, 3) + "x" if r else "failed",
                 None if r is None else r >= 0.98)
    for v, b, t, label, op, target in PAIR_GOALS:
        e = pairs.get((v, b, t))
        if e is None:
            continue
        r = e["ratio"]
        goal(label, "%s %sx" % (op, fmt(target, 2)), fmt(r, 3) + "x" if r else "failed",
             None if r is None else (r >= target if op == ">=" else r <= target),
             "%s / %s; repetitions' range %s–%s" % (v, b, fmt(e.get("ratio_lo"), 3), fmt(e.get("ratio_hi"), 3)))
    e = pairs.get(("sluice-policy", "sluice", "http_close"))
    if e is not None:
        goal("Connect-time cost of traffic management: new connections req/s, sluice-policy vs sluice",
             "(no target)", fmt(e["ratio"], 3) + "x" if e["ratio"] else "failed", None,
             "reported only")
    c10 = scale_cells.get(("sluice", 10000))
    if c10 is not None:
        r = c10.get("ratio_vs_n0")
        goal("Sluice new connections with 10k Services vs none", ">= 0.95x",
             fmt(r, 3) + "x" if r else "failed", None if r is None else r >= 0.95)
    p = prog.get(("sluice", 10000, "scratch"))
    if p is not None:
        v = p.get("usable_s") if isinstance(p.get("usable_s"), (int, float)) else None
        goal("Sluice programs 10k Services x 4 endpoints from scratch (until new connections use it)",
             "< 1 s", (fmt(v, 3) + " s") if v is not None else p["status"],
             None if v is None else v < 1.0, "apply returned after %s s" % fmt(p.get("load_s"), 3))
    vis = []
    for n in prog_ns:
        q = prog.get(("sluice", n, "change"))
        if q is not None:
            x = q.get("visible_after_return_ms")
            vis.append((n, x if isinstance(x, (int, float)) else None, q["status"]))
    if vis:
        worst = [x for _, x, _ in vis if x is not None]
        allok = all(x is not None for _, x, _ in vis)
        goal("Sluice one endpoint change visible to new connections after apply returns, every N",
             "<= 10 ms", ", ".join("N=%d: %s" % (n, (fmt(x, 2) + " ms") if x is not None else s) for n, x, s in vis),
             (allok and max(worst) <= 10.0) if worst else None,
             "negative: seen before apply returned")
    g = rss.get((30000, "node1"))
    if g is not None:
        goal("Sluice agent RSS at 30k Services x 4 endpoints", "< 50 MiB",
             "%s MiB (peak %s MiB)" % (fmt(g["rss_kb"] / 1024, 1), fmt(g["hwm_kb"] / 1024, 1)),
             g["rss_kb"] / 1024 < 50)

    # ---- markdown
    md = []
    w = md.append
    date = meta.get("date", "?")
    w("# Sluice benchmark, %s, %s (%s mode)\n" % (date[:10], meta.get("host", "?"), meta.get("mode", "?")))
    w("Machine: %s, %s CPUs, %s GiB, kernel %s. %s; %s; %s; %s. Sluice %s (binaries %s).\n"
      % (meta.get("cpu"), meta.get("ncpu"), meta.get("mem_gib"), meta.get("kernel"), meta.get("sluice"),
         meta.get("iptables"), meta.get("nft"), meta.get("haproxy"), meta.get("git"), meta.get("sluice_bin")))
    w("%s repetitions of %s s per (test, variant), variants interleaved; median [min–max]. "
      "Client (load generator) in pod node1-p1 on CPU 0, servers in pod node2-p1 on CPU 1 "
      "(cross-node). Total time %s s. Reproduce: `make bench` (or `bench/run --full`).\n"
      % (meta.get("reps"), meta.get("duration_s"), end.get("elapsed_s", "?")))
    summary = []
    s = summary.append
    s("| test | " + " | ".join(variants) + " |")
    s("|---|" + "---|" * len(variants))
    for t in tests:
        row = [TEST_DESC.get(t, t)]
        for v in variants:
            c = cells.get((t, v))
            if not c:
                row.append("")
            elif "value" not in c:
                row.append("**failed**")
            else:
                row.append("%s (%sx)" % (fmt(c["value"]["median"]), fmt(c.get("ratio"), 2)))
        s("| " + " | ".join(row) + " |")
    w("## Summary: median (ratio vs direct: 1.00 is the floor, smaller is worse)\n")
    md.extend(summary)
    w("")
    if goals:
        w("## Goals (targets reported, not asserted)\n")
        w("| goal | target | measured | met |")
        w("|---|---|---|---|")
        for gg in goals:
            met = {True: "yes", False: "**no**", None: "not measured"}[gg["met"]]
            w("| %s | %s | %s | %s |" % (gg["goal"], gg["target"], gg["measured"], met))
        w("")
    comp = []
    for v, b, title in PAIRS:
        rows = [pairs[(v, b, t)] for t in tests if (v, b, t) in pairs]
        if not rows:
            continue
        comp.append("**%s**\n" % title)
        comp.append("| test | %s | %s | ratio %s / %s | range |" % (b, v, v, b))
        comp.append("|---|---|---|---|---|")
        for e in rows:
            cb, cv = cells[(e["test"], b)], cells[(e["test"], v)]
            val = lambda c: fmt(c["value"]["median"]) if "value" in c else "**failed**"
            comp.append("| %s | %s | %s | %s | %s–%s |" % (
                TEST_DESC.get(e["test"], e["test"]), val(cb), val(cv),
                (fmt(e["ratio"], 3) + "x" + (" (RTT)" if e["kind"] == "rtt" else "")) if e["ratio"] else "–",
                fmt(e.get("ratio_lo"), 3), fmt(e.get("ratio_hi"), 3)))
        comp.append("")
    if comp:
        w("## Sluice variants compared with each other\n")
        w("Ratio: variant / baseline, medians; for rates (req/s, Gbit/s) above 1 is better, for "
          "round trips it is the RTT ratio, below 1 is better. Range: min/max over max/min of the "
          "repetitions.\n")
        md.extend(comp)
    w("## Per test\n")
    w("Ratio: variant/direct for rates, direct/variant for round-trip times (so 1.00 is the "
      "floor and smaller is worse). CPU: user+system seconds of the client pod, the server pod "
      "and node-level mesh processes, per 1,000 requests (per GB for iperf3); the kernel's "
      "per-packet work (iptables/nftables NAT, Sluice's connect hook) runs in those tasks' "
      "context and is included (this kernel has no IRQ time accounting). Mesh CPU: the HAProxy "
      "processes alone. Peak RSS: VmHWM of each mesh process.\n")
    for t in tests:
        w("### %s\n" % TEST_DESC.get(t, t))
        w("| variant | median | min | max | ratio | CPU | mesh CPU | mesh peak RSS | runs |")
        w("|---|---|---|---|---|---|---|---|---|")
        for v in variants:
            c = cells.get((t, v))
            if not c:
                continue
            if "value" not in c:
                w("| %s | **failed** | | | | | | | %d/%d ok: %s |" % (v, c["ok"], c["reps"], "; ".join(c["errors"])[:300]))
                continue
            val = c["value"]
            h = ", ".join("%s %s MiB" % (k, fmt(kb / 1024, 1)) for k, kb in sorted(c["mesh_hwm_kb"].items()))
            w("| %s | %s | %s | %s | %s | %s %s | %s | %s | %d |" % (
                v, fmt(val["median"]), fmt(val["min"]), fmt(val["max"]), fmt(c.get("ratio"), 3),
                fmt(c["cpu"]["median"] if c["cpu"] else None, 4), c["cpu_unit"],
                fmt(c["cpu_mesh"]["median"] if c["cpu_mesh"] else None, 4), h or "–", c["reps"]))
        w("")
    if scale_cells:
        w("## Scale sweep: new connections (req/s) with N other Services x 4 endpoints installed ahead of the target\n")
        w("Ratio vs the same variant with no other Services (N = 0). Repetitions of one variant "
          "run back to back at each N (loading 30k rule sets takes long).\n")
        w("| variant | " + " | ".join("N=%d" % n for n in scale_ns) + " |")
        w("|---|" + "---|" * len(scale_ns))
        for v in scale_vs:
            row = [v]
            for n in scale_ns:
                c = scale_cells.get((v, n))
                if c is None:
                    pr = prog.get((v, n, "scratch"))
                    row.append("not run" + (" (%s)" % pr.get("error", pr["status"]) if pr else ""))
                elif "value" not in c:
                    row.append("**failed**")
                else:
                    row.append("%s [%s–%s] (%sx)" % (fmt(c["value"]["median"]), fmt(c["value"]["min"]),
                                                    fmt(c["value"]["max"]), fmt(c.get("ratio_vs_n0"), 3)))
            s_ = "| " + " | ".join(row) + " |"
            w(s_)
        w("")
    if prog:
        w("## Programming time\n")
        w("scratch: one `sluicectl apply -f`, `iptables-restore` or `nft -f` of N Services x 4 "
          "endpoints (+ the probe and target Services) on node1, from nothing (node2 gets the same "
          "in parallel); *usable*: until a new connection from the client pod reaches the probe "
          "Service. change: one endpoint of the probe Service replaced (Sluice: the changed "
          "EndpointSlice; iptables/nftables: the full rule set again, as a kube-proxy full "
          "sync); *visible*: ms after the command returned until a new connection reaches the new "
          "endpoint (negative: before it returned). remove: deleting it all.\n")
        w("| system | N | scratch load | scratch usable | change load | change visible after return | remove | agent RSS (peak) |")
        w("|---|---|---|---|---|---|---|---|")
        for sname in prog_sys:
            for n in prog_ns:
                sc = prog.get((sname, n, "scratch"))
                ch = prog.get((sname, n, "change"))
                rm = prog.get((sname, n, "remove"))

                def cell(p, key, unit, nd=3):
                    if p is None:
                        return "–"
                    if p["status"] != "ok":
                        return "%s%s" % (p["status"], (": " + p["error"]) if p.get("error") else
                                         (" (%s s)" % fmt(p.get("load_s"), 1) if p.get("load_s") else ""))
                    x = p.get(key)
                    return (fmt(x, nd) + " " + unit) if isinstance(x, (int, float)) else "–"
                g = rss.get((n, "node1")) if sname == "sluice" else None
                m = ("%s MiB (%s MiB)" % (fmt(g["rss_kb"] / 1024, 1), fmt(g["hwm_kb"] / 1024, 1))) if g else "–"
                w("| %s | %d | %s | %s | %s | %s | %s | %s |" % (
                    sname, n, cell(sc, "load_s", "s"), cell(sc, "usable_s", "s"), cell(ch, "load_s", "s"),
                    cell(ch, "visible_after_return_ms", "ms", 2), cell(rm, "load_s", "s"), m))
        w("")
    fails = [r for r in runs if r["status"] != "ok"]
    if fails:
        w("## Failed or unverified runs (reported as failed, never as numbers)\n")
        for r in fails:
            w("- %s / %s rep %s%s: %s: %s" % (r["test"], r["variant"], r["rep"],
                                           " N=%s" % r["scale_n"] if "scale_n" in r else "", r["status"], r.get("error", "")))
        w("")
    w("## Path checks\n")
    w("Every run read the variant's own counters before and after and requires them to rise: "
      "iptables DNAT rule packet counters, nftables rule counters, Sluice's connect_translated, "
      "HAProxy frontend sessions (client and server sidecars; node1's proxy), node1's forwarded "
      "datagrams for direct; sluice: also the connections telemetry counted; sluice-notel: "
      "connect_translated rises while the connections counted by telemetry (`sluicectl stats`, "
      "istio_tcp_connections_opened_total) do not move; sluice-policy: `describe service` shows the "
      "90/10 subset split; sluice-accel: sk_msg_redirected and sockhash_added rise; sluice-local: "
      "sk_msg_redirected does not move. For every variant but the sluice ones, Sluice's "
      "connect_translated must not move. Runs checked: %d, passed: %d.\n" % (len(runs), len([r for r in runs if r["status"] == "ok"])))
    open(a.base + ".md", "w").write("\n".join(md) + "\n")

    def keyed(d):
        return {"%s/%s" % k: v for k, v in d.items()}
    out = {"meta": meta, "elapsed_s": end.get("elapsed_s"), "tests": keyed(cells),
           "scale": keyed(scale_cells), "programming": {"%s/%s/%s" % k: v for k, v in prog.items()},
           "agents": agents, "goals": goals, "runs": runs,
           "comparisons": {"%s/%s/%s" % k: v for k, v in pairs.items()}}
    json.dump(out, open(a.base + ".json", "w"), indent=1, sort_keys=True)

    # ---- plots
    if a.plot and shutil.which("gnuplot"):
        dat = a.base + "-plot"
        with open(dat + "-ratio.dat", "w") as f:
            f.write("test " + " ".join(variants) + "\n")
            for t in tests:
                f.write(t + " " + " ".join(fmt(cells.get((t, v), {}).get("ratio"), 4).replace("–", "NaN")
                                           for v in variants) + "\n")
        with open(dat + "-scale.dat", "w") as f:
            f.write("n " + " ".join(scale_vs) + "\n")
            for n in scale_ns:
                f.write("%d " % max(n, 1) + " ".join(
                    ("%.1f" % scale_cells[(v, n)]["value"]["median"]) if "value" in scale_cells.get((v, n), {}) else "NaN"
                    for v in scale_vs) + "\n")
        with open(dat + "-prog.dat", "w") as f:
            f.write("n " + " ".join(prog_sys) + "\n")
            for n in prog_ns:
                vals = []
                for sname in prog_sys:
                    p = prog.get((sname, n, "scratch"))
                    vals.append("%.4f" % p["load_s"] if p and p["status"] == "ok" else "NaN")
                f.write("%d %s\n" % (n, " ".join(vals)))
        r = subprocess.run(["gnuplot", "-e", "base='%s'; nv=%d; ns=%d; np=%d" % (
            a.base, len(variants), len(scale_vs), len(prog_sys)), a.plot], capture_output=True, text=True)
        if r.returncode != 0:
            print("report: gnuplot failed: " + r.stderr.strip()[:500])
        for suffix in ("-ratio.dat", "-scale.dat", "-prog.dat"):
            os.remove(dat + suffix)

    if a.readme and os.path.exists(a.readme):
        txt = open(a.readme).read()
        if MARK_BEGIN in txt and MARK_END in txt:
            head, rest = txt.split(MARK_BEGIN, 1)
            _, tail = rest.split(MARK_END, 1)
            block = ["", "Latest full run: %s on %s (%s, %s CPUs, kernel %s); `%s.md`." % (
                date[:10], meta.get("host"), meta.get("cpu"), meta.get("ncpu"), meta.get("kernel"),
                os.path.relpath(a.base, os.path.dirname(os.path.abspath(a.readme)))), "",
                "Median (ratio vs direct):", ""] + summary + [""] + comp
            if goals:
                block += ["| goal | target | measured | met |", "|---|---|---|---|"]
                for gg in goals:
                    met = {True: "yes", False: "**no**", None: "not measured"}[gg["met"]]
                    block.append("| %s | %s | %s | %s |" % (gg["goal"], gg["target"], gg["measured"], met))
                block.append("")
            open(a.readme, "w").write(head + MARK_BEGIN + "\n".join(block) + "\n" + MARK_END + tail)


if __name__ == "__main__":
    main()
