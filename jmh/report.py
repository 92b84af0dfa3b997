#!/usr/bin/env python3
"""Turns a benchmark run directory (jmh*.json, machine.txt, footprint.txt) into README.md, the targets
table (report_html.py writes the HTML page with the linear-axis charts)."""
import glob
import json
import os
import sys


def load(run_dir):
    """Every JMH result of the run: jmh.json (older runs) and the per-scenario jmh-*.json files."""
    results = []
    for path in sorted(glob.glob(os.path.join(run_dir, "jmh*.json"))):
        with open(path) as f:
            text = f.read().strip()
        if text:
            results += json.loads(text)
    return results


def load_handoff(run_dir):
    """The lines of the cross-JVM program (handoff.json), one run of one candidate each; [] if not run."""
    path = os.path.join(run_dir, "handoff.json")
    if not os.path.exists(path):
        return []
    runs, run = [], 0
    with open(path) as f:
        for line in f:
            if line.strip():
                r = json.loads(line)
                # each run of the program measures PING first (when a Redis candidate is in it):
                # a PING line starts the next run, so each run's latencies meet their own PING
                if r["impl"] == "PING":
                    run += 1
                r["run"] = run
                runs.append(r)
    return runs


def key(result):
    bench = result["benchmark"].rsplit(".", 2)
    return bench[-2].replace("Benchmark", ""), bench[-1], result.get("params", {}).get("impl", "")


def score(results, cls, method, impl):
    for r in results:
        if key(r) == (cls, method, impl):
            return r["primaryMetric"]["score"]
    return None


def handoffs(results, cls, method, impl):
    for r in results:
        if key(r) == (cls, method, impl):
            m = r.get("secondaryMetrics", {}).get("handoffs")
            return m["score"] if m else None
    return None


def fmt(x):
    if x is None:
        return "-"
    if x >= 100:
        return f"{x:,.0f}"
    if x >= 10:
        return f"{x:.1f}"
    return f"{x:.2f}"


def ratio_line(label, num, den, target):
    """A table row for a target of the form '<= 1.15x': met when num / den is at most the bound."""
    if num is None or den is None:
        return f"| {label} | - | {target} | not measured |"
    r = num / den
    bound = float(target.split()[-1].rstrip("x"))
    return f"| {label} | {r:.2f}x | {target} | {'met' if r <= bound else 'NOT met'} |"


def median(results, impl):
    """The median of the uncontended lock+unlock samples of a candidate, or None."""
    for r in results:
        if key(r) == ("Uncontended", "lockUnlock", impl):
            return r["primaryMetric"].get("scorePercentiles", {}).get("50.0")
    return None


def cross_targets(run_dir):
    """Rows for the cross-JVM targets, from handoff.json (means over the repeats of each JVM count)."""
    runs = load_handoff(run_dir)
    ping = {r["run"]: r["latencyUs"] for r in runs if r["impl"] == "PING"}
    rows = []

    def mean(impl, jvms, field):
        v = [r[field] for r in runs if r["impl"] == impl and r.get("jvms") == jvms and field in r]
        return sum(v) / len(v) if v else None
    for jvms in sorted({r["jvms"] for r in runs if r.get("jvms")}):
        for impl in sorted({r["impl"] for r in runs if r.get("jvms") == jvms}):
            failed = [r for r in runs if r["impl"] == impl and r.get("jvms") == jvms and not r.get("handoffs")]
            if failed:
                total = len([r for r in runs if r["impl"] == impl and r.get("jvms") == jvms])
                crashed = len([r for r in failed if r.get("failed")])
                what = "runs that failed (a JVM ended without its results)" if crashed == len(failed) \
                    else "runs without a hand-over between the JVMs" if not crashed \
                    else f"runs without a hand-over between the JVMs ({crashed} of them failed)"
                rows.append(f"| {jvms} JVMs: {impl} {what} | {len(failed)} of {total} | 0 | NOT met |")
        ours = mean("RedisLock", jvms, "handoffsPerSecond")
        # #26: 2 JVMs at least 2x Spring's registry and 3x Redisson; 8 JVMs 3x and 5x
        for other, bound in (("SpringRedisLock", 3 if jvms >= 8 else 2), ("Redisson", 5 if jvms >= 8 else 3)):
            theirs = mean(other, jvms, "handoffsPerSecond")
            if ours is not None and theirs:
                q = ours / theirs
                # a run whose JVMs did not all reach the warm-up's acquisitions (CrossProcessHandoff)
                short = any(r.get("warmupComplete") is False for r in runs
                            if r["impl"] in ("RedisLock", other) and r.get("jvms") == jvms and "handoffsPerSecond" in r)
                note = " (warm-up incomplete: see the runs)" if short else ""
                rows.append(f"| {jvms} JVMs: RedisLock / {other} hand-overs per second{note} | {q:.1f}x | >= {bound}x | {'met' if q >= bound else 'NOT met'} |")
        low = [r["shareMin"] for r in runs if r["impl"] == "RedisLock" and r.get("jvms") == jvms and "shareMin" in r]
        if low:
            if jvms == 2:
                high = max(r["shareMax"] for r in runs if r["impl"] == "RedisLock" and r.get("jvms") == jvms and "shareMax" in r)
                ok = min(low) >= 0.4 and high <= 0.6
                rows.append(f"| 2 JVMs: RedisLock shares, every run | {100 * min(low):.0f}%..{100 * high:.0f}% | 40%..60% | {'met' if ok else 'NOT met'} |")
            else:
                ok = min(low) >= 0.5 / jvms
                rows.append(f"| {jvms} JVMs: RedisLock lowest share, every run | {100 * min(low):.0f}% | >= {50 / jvms:.1f}% | {'met' if ok else 'NOT met'} |")
        etcd_low = [r["shareMin"] for r in runs if r["impl"] == "EtcdLockTxn" and r.get("jvms") == 2 == jvms and "shareMin" in r]
        if etcd_low:
            high = max(r["shareMax"] for r in runs if r["impl"] == "EtcdLockTxn" and r.get("jvms") == 2 and "shareMax" in r)
            ok = min(etcd_low) >= 0.4 and high <= 0.6
            rows.append(f"| 2 JVMs: EtcdLockTxn shares, every run | {100 * min(etcd_low):.0f}%..{100 * high:.0f}% | 40%..60% | {'met' if ok else 'NOT met'} |")
    # the physical floor of a hand-over (a baton passed through a Redis list, RawRedisBaton), run by
    # run: RedisLock's latency over the baton's of the same run of the program
    for jvms in sorted({r["jvms"] for r in runs if r.get("jvms") and r["impl"] == "RawRedisBaton"}):
        pairs = []
        for run in sorted({r["run"] for r in runs}):
            ours = [r for r in runs if r["run"] == run and r["impl"] == "RedisLock" and r.get("jvms") == jvms and "latencyUs" in r]
            baton = [r for r in runs if r["run"] == run and r["impl"] == "RawRedisBaton" and r.get("jvms") == jvms and "latencyUs" in r]
            if ours and baton:
                pairs.append((ours[0]["latencyUs"], baton[0]["latencyUs"]))
        for p, bound in (("50", 2), ("99", 3)):
            if pairs:
                q = sum(o[p] / b[p] for o, b in pairs) / len(pairs)
                rows.append(f"| {jvms} JVMs: RedisLock hand-over latency p{p} / the baton's (RawRedisBaton) of the same run "
                            f"(mean of {len(pairs)} runs) | {q:.1f}x | <= {bound}x | {'met' if q <= bound else 'NOT met'} |")
    two = [r for r in runs if r["impl"] == "RedisLock" and r.get("jvms") == 2 and "latencyUs" in r]
    two = [r for r in two if r["run"] in ping]
    if two:
        for p, bound in (("50", 3), ("99", 10)):
            q = sum(r["latencyUs"][p] / ping[r["run"]][p] for r in two) / len(two)
            rows.append(f"| 2 JVMs: RedisLock hand-over latency p{p} / PING p{p} of the same run (mean of {len(two)} runs) "
                        f"| {q:.1f}x | <= {bound}x | {'met' if q <= bound else 'NOT met'} |")
    return rows


def interleaved_targets(run_dir):
    """Rows for the uncontended targets measured interleaved (interleaved.json), if that scenario ran."""
    path = os.path.join(run_dir, "interleaved.json")
    if not os.path.exists(path):
        return []
    bounds = {("RedisLock", "RawRedis"): 1.10, ("EtcdLockTxn", "RawEtcd"): 1.10, ("EtcdLockService", "JetcdLock"): 1.00}
    rows = []
    with open(path) as f:
        for line in f:
            if not line.strip():
                continue
            r = json.loads(line)
            bound = bounds.get((r["impl"], r["floor"]))
            if bound is None:
                continue
            q = r["ratioMedian"]
            rows.append(f"| {r['impl']} lock+unlock / {r['floor']}, interleaved: median of {r['rounds']} per-round ratios "
                        f"(quartiles {r['ratioQ1']:.2f}..{r['ratioQ3']:.2f}; {r['medianUs']:.0f} / {r['floorMedianUs']:.0f} us; "
                        f"calling thread's CPU {r['cpuUs']:.0f} / {r['floorCpuUs']:.0f} us a pair) "
                        f"| {q:.2f}x | <= {bound:.2f}x | {'met' if q <= bound else 'NOT met'} |")
    return rows


def main(run_dir):
    results = load(run_dir)
    machine = open(os.path.join(run_dir, "machine.txt")).read().strip() if os.path.exists(os.path.join(run_dir, "machine.txt")) else ""
    footprint = open(os.path.join(run_dir, "footprint.txt")).read().strip() if os.path.exists(os.path.join(run_dir, "footprint.txt")) else "not run"
    s = lambda c, m, i: score(results, c, m, i)
    lines = ["# Benchmark run", "", "```", machine, "```", "",
             "The JMH settings of each scenario are in its log (jmh-*.log); the charts and every result: "
             "[index.html](index.html). Only ratios within this run mean anything.", "",
             "## Targets", "", "| target | measured | wanted | |", "| --- | --- | --- | --- |"]
    red, raw, rsn = s("Uncontended", "lockUnlock", "RedisLock"), s("Uncontended", "lockUnlock", "RawRedis"), s("Uncontended", "lockUnlock", "Redisson")
    lines.append(ratio_line("RedisLock lock+unlock / raw Redis floor (medians)", median(results, "RedisLock"),
                            median(results, "RawRedis"), "<= 1.10x"))
    for impl in ("RawRedis", "RedisLock"):
        r = next((r for r in results if key(r) == ("Uncontended", "lockUnlock", impl)), None)
        err = r and r["primaryMetric"].get("scoreError")
        if isinstance(err, (int, float)) and r["primaryMetric"]["score"] > 0:
            q = err / r["primaryMetric"]["score"]
            lines.append(f"| {impl} lock+unlock: 99.9% interval / score | {100 * q:.1f}% | < 10% | {'met' if q < 0.1 else 'NOT met'} |")
    lines += interleaved_targets(run_dir)
    lines += cross_targets(run_dir)
    lines.append(ratio_line("RedisLock lock+unlock / Redisson", red, rsn, "<= 1.00x"))
    lines.append(ratio_line("RedisLock re-acquire by holder / ReentrantLock",
                            s("Reacquire", "reacquire", "RedisLock"), s("Reacquire", "reacquire", "ReentrantLock"), "<= 1.5x"))
    for r in results:
        cls, method, impl = key(r)
        # one thread does not contend: the target is for many threads
        if (cls, method, impl) == ("Contended", "contended", "RedisLock") and r.get("threads", 1) > 1:
            other = [o for o in results if key(o) == ("Contended", "contended", "Redisson") and o.get("threads") == r.get("threads")]
            if other and other[0]["primaryMetric"]["score"] > 0:
                q = r["primaryMetric"]["score"] / other[0]["primaryMetric"]["score"]
                lines.append(f"| one JVM, {r.get('threads')} threads: RedisLock / Redisson acquisitions per second | {q:.1f}x "
                             f"| >= 15x | {'met' if q >= 15 else 'NOT met'} |")
    for threads in ("threads2", "threads8"):
        a, b = handoffs(results, "Contended", threads, "RedisLock"), handoffs(results, "Contended", threads, "Redisson")
        if a is not None and b is not None and b > 0:
            lines.append(f"| one-JVM contention, {threads[7:]} threads: RedisLock / Redisson handoffs per second | {a / b:.1f}x | well above 1x | {'met' if a / b > 2 else 'NOT met'} |")
    et, ef, jl = s("Uncontended", "lockUnlock", "EtcdLockTxn"), s("Uncontended", "lockUnlock", "RawEtcd"), s("Uncontended", "lockUnlock", "JetcdLock")
    lines.append(ratio_line("EtcdLock (transactions) lock+unlock / raw etcd floor", et, ef, "<= 1.10x"))
    lines.append(ratio_line("EtcdLock (transactions) lock+unlock / jetcd Lock client", et, jl, "<= 1.00x"))
    lines.append(ratio_line("EtcdLock (lock service) lock+unlock / jetcd Lock client",
                            s("Uncontended", "lockUnlock", "EtcdLockService"), jl, "<= 1.00x"))
    lines += ["", "## All results", "", "| benchmark | candidate | score | error | unit | handoffs/s |", "| --- | --- | --- | --- | --- | --- |"]
    for r in results:
        cls, method, impl = key(r)
        pm = r["primaryMetric"]
        err = pm.get('scoreError')
        lines.append(f"| {cls}.{method} | {impl} | {fmt(pm['score'])} | {fmt(err) if isinstance(err, (int, float)) else '-'} | {pm['scoreUnit']} | "
                     f"{fmt(handoffs(results, cls, method, impl))} |")
    cross_path = os.path.join(run_dir, "crossprocess.txt")
    cross = open(cross_path).read().strip() if os.path.exists(cross_path) else "not run"
    lines += ["", "## Separate JVMs on one name (every run)", "", "```", cross, "```"]
    lines += ["", "## Registry footprint (a large number of distinct names locked once)", "", "```", footprint, "```", "",
              "Charts (linear axes, error bars): [index.html](index.html).", ""]
    with open(os.path.join(run_dir, "README.md"), "w") as f:
        f.write("\n".join(lines))


if __name__ == "__main__":
    main(sys.argv[1])
