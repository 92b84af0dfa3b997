#!/usr/bin/env python3
"""Writes index.html and its SVG charts for a benchmark run directory.

Inputs in the directory: jmh*.json (JMH results, any number of files), handoff.json (lines of
the cross-JVM program), machine.txt (the machine, the servers and the command). Every chart has
linear axes; error bars are JMH's 99.9% confidence intervals, or for the cross-JVM runs the
lowest and highest of the repeats around their mean.
"""
import html
import os
import sys

from report import load, load_handoff

COLORS = ["#2b6cb0", "#c05621", "#2f855a", "#6b46c1", "#b83280", "#2c7a7b", "#744210", "#4a5568", "#e53e3e", "#718096"]
OURS = ("RedisLock", "RedisFairLock", "EtcdLockTxn", "EtcdLockService", "EtcdFairLockTxn", "RedisReadLock", "RedisWriteLock",
        "EtcdReadLock", "EtcdWriteLock")


FIXED = {"RedisLock": "#2b6cb0", "EtcdLockTxn": "#2f855a", "EtcdLockService": "#6b46c1", "RedisFairLock": "#2c7a7b",
         "Redisson": "#c05621", "SpringRedisLock": "#b83280", "JetcdLock": "#744210", "RedissonFairLock": "#e53e3e",
         "PING round trip": "#718096", "EtcdFairLockTxn": "#4a5568"}


def color(name):
    """The same colour for a candidate in every chart."""
    return FIXED.get(name, COLORS[sum(map(ord, name)) % len(COLORS)])


def bench(r):
    parts = r["benchmark"].rsplit(".", 2)
    return parts[-2].replace("Benchmark", ""), parts[-1], r.get("params", {}).get("impl", "")


def nice_max(v):
    if v <= 0:
        return 1
    import math
    exp = 10 ** math.floor(math.log10(v))
    for m in (1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10):
        if m * exp >= v:
            return m * exp
    return 10 * exp


def fmt(x):
    if x is None:
        return "-"
    if float(x).is_integer() and abs(x) < 100:
        return str(int(x))
    if abs(x) >= 100:
        return f"{x:,.0f}"
    if abs(x) >= 10:
        return f"{x:.1f}"
    return f"{x:.2f}"


def svg_open(width, height, title, title_x):
    """The first elements of a chart: the SVG element, a white background and the title."""
    return [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
            'font-family="sans-serif" font-size="12">',
            f'<rect width="{width}" height="{height}" fill="white"/>',
            f'<text x="{title_x}" y="22" font-size="14" font-weight="bold">{html.escape(title)}</text>']


def line_chart(title, xlabel, ylabel, series, width=760, height=420):
    """series: list of (name, [(x, y, lo, hi)]); linear axes starting at 0, error bars lo..hi."""
    left, right, top, bottom = 80, 190, 40, 50
    pw, ph = width - left - right, height - top - bottom
    xs = [p[0] for _, pts in series for p in pts]
    ys = [max(p[1], p[3] or 0) for _, pts in series for p in pts]
    if not xs:
        return None
    xmax = nice_max(max(xs) * 1.05)
    ymax = nice_max(max(ys))
    sx = lambda x: left + pw * x / xmax
    sy = lambda y: top + ph - ph * y / ymax
    out = svg_open(width, height, title, left)
    for i in range(6):
        y = ymax * i / 5
        out.append(f'<line x1="{left}" y1="{sy(y):.1f}" x2="{left + pw}" y2="{sy(y):.1f}" stroke="#e2e8f0"/>')
        out.append(f'<text x="{left - 6}" y="{sy(y) + 4:.1f}" text-anchor="end">{fmt(y)}</text>')
    ticks = sorted(set(xs)) if len(set(xs)) <= 12 else [xmax * i / 5 for i in range(6)]
    for x in ticks:
        out.append(f'<line x1="{sx(x):.1f}" y1="{top + ph}" x2="{sx(x):.1f}" y2="{top + ph + 5}" stroke="#4a5568"/>')
        out.append(f'<text x="{sx(x):.1f}" y="{top + ph + 18}" text-anchor="middle">{fmt(x)}</text>')
    out.append(f'<line x1="{left}" y1="{top + ph}" x2="{left + pw}" y2="{top + ph}" stroke="#4a5568"/>')
    out.append(f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + ph}" stroke="#4a5568"/>')
    out.append(f'<text x="{left + pw / 2}" y="{height - 10}" text-anchor="middle">{html.escape(xlabel)}</text>')
    out.append(f'<text x="16" y="{top + ph / 2}" text-anchor="middle" transform="rotate(-90 16 {top + ph / 2})">{html.escape(ylabel)}</text>')
    for i, (name, pts) in enumerate(series):
        c = color(name)
        pts = sorted(pts)
        width_px = 3 if name in OURS else 1.5
        if len(pts) > 1:
            d = " ".join(f"{sx(x):.1f},{sy(y):.1f}" for x, y, _, _ in pts)
            out.append(f'<polyline points="{d}" fill="none" stroke="{c}" stroke-width="{width_px}"/>')
        for x, y, lo, hi in pts:
            if lo is not None and hi is not None:
                lo = max(lo, 0)  # a confidence interval reaching below zero is drawn down to the axis
                out.append(f'<line x1="{sx(x):.1f}" y1="{sy(lo):.1f}" x2="{sx(x):.1f}" y2="{sy(hi):.1f}" stroke="{c}"/>')
                for yy in (lo, hi):
                    out.append(f'<line x1="{sx(x) - 4:.1f}" y1="{sy(yy):.1f}" x2="{sx(x) + 4:.1f}" y2="{sy(yy):.1f}" stroke="{c}"/>')
            out.append(f'<circle cx="{sx(x):.1f}" cy="{sy(y):.1f}" r="3.5" fill="{c}"/>')
        ly = top + 14 + 18 * i
        out.append(f'<line x1="{left + pw + 14}" y1="{ly - 4}" x2="{left + pw + 34}" y2="{ly - 4}" stroke="{c}" stroke-width="{width_px}"/>')
        out.append(f'<text x="{left + pw + 40}" y="{ly}">{html.escape(name)}</text>')
    out.append("</svg>")
    return "\n".join(out)


def bar_chart(title, unit, rows, floor_name=None, width=760):
    """rows: list of (name, value, error); horizontal bars on a linear axis from 0, error bars, floor marked."""
    left, right, top, bar_h = 150, 110, 40, 28
    height = top + bar_h * len(rows) + 40
    pw = width - left - right
    vmax = nice_max(max(v + (e or 0) for _, v, e in rows))
    rows = [(n, v, e if isinstance(e, (int, float)) and e == e else None) for n, v, e in rows]  # NaN: no interval
    sx = lambda v: left + pw * v / vmax
    out = svg_open(width, height, title, 10)
    for i in range(6):
        v = vmax * i / 5
        out.append(f'<line x1="{sx(v):.1f}" y1="{top}" x2="{sx(v):.1f}" y2="{top + bar_h * len(rows)}" stroke="#e2e8f0"/>')
        out.append(f'<text x="{sx(v):.1f}" y="{top + bar_h * len(rows) + 16}" text-anchor="middle">{fmt(v)}</text>')
    out.append(f'<text x="{left + pw / 2}" y="{height - 6}" text-anchor="middle">{html.escape(unit)} (lower is better)</text>')
    for i, (name, v, e) in enumerate(rows):
        y = top + i * bar_h
        color = "#2b6cb0" if name in OURS else ("#718096" if name == floor_name else "#a0aec0")
        out.append(f'<text x="{left - 8}" y="{y + 18}" text-anchor="end">{html.escape(name)}</text>')
        out.append(f'<rect x="{left}" y="{y + 5}" width="{max(1, sx(v) - left):.1f}" height="{bar_h - 10}" fill="{color}"/>')
        if e:
            out.append(f'<line x1="{sx(max(v - e, 0)):.1f}" y1="{y + bar_h / 2}" x2="{sx(v + e):.1f}" y2="{y + bar_h / 2}" stroke="black"/>')
            for xx in (max(v - e, 0), v + e):
                out.append(f'<line x1="{sx(xx):.1f}" y1="{y + 8}" x2="{sx(xx):.1f}" y2="{y + bar_h - 8}" stroke="black"/>')
        out.append(f'<text x="{sx(v + (e or 0)) + 6:.1f}" y="{y + 18}">{fmt(v)}</text>')
    floor = next((v for n, v, _ in rows if n == floor_name), None)
    if floor is not None:
        out.append(f'<line x1="{sx(floor):.1f}" y1="{top - 4}" x2="{sx(floor):.1f}" y2="{top + bar_h * len(rows)}" stroke="#e53e3e" stroke-dasharray="4 3"/>')
        out.append(f'<text x="{sx(floor) + 4:.1f}" y="{top - 6}" fill="#e53e3e">floor ({html.escape(floor_name)})</text>')
    out.append("</svg>")
    return "\n".join(out)


def charts(results, handoff):
    made = []
    contended = {}
    for r in results:
        cls, method, impl = bench(r)
        if cls == "Contended" and method in ("contended", "threads2", "threads8") and impl != "ReentrantLock":
            pm = r["primaryMetric"]
            ci = [c if isinstance(c, (int, float)) else None for c in (pm.get("scoreConfidence") or [None, None])]
            contended.setdefault(impl, []).append((r.get("threads", 1), pm["score"], ci[0], ci[1]))
    if contended:
        made.append(("contended-threads.svg", "Threads of one JVM on one name",
                     line_chart("Acquisitions per second against threads of one JVM (higher is better)", "threads",
                                "acquisitions / s", sorted(contended.items()))))
    groups = {}
    for h in handoff:
        if h.get("jvms") and "handoffsPerSecond" in h:
            groups.setdefault(h["impl"], {}).setdefault(h["jvms"], []).append(h["handoffsPerSecond"])
    if groups:
        series = []
        for impl, by in sorted(groups.items()):
            series.append((impl, [(n, sum(v) / len(v), min(v), max(v)) for n, v in by.items()]))
        made.append(("processes.svg", "Separate JVMs on one name",
                     line_chart("Hand-overs between JVMs per second against JVMs (higher is better)", "JVMs",
                                "hand-overs / s", series)))
    if handoff:
        jvm_counts = [h["jvms"] for h in handoff if h.get("jvms") and "latencyUs" in h]
        if jvm_counts:
            fewest = min(jvm_counts)
            first = {}
            for h in handoff:
                if "latencyUs" in h and (h.get("jvms") == fewest or h["impl"] == "PING") and h["impl"] not in first:
                    first[h["impl"]] = h["latencyUs"]
            etcd = lambda impl: impl.startswith(("Etcd", "Jetcd"))
            for backend, members in (("Redis", {i: v for i, v in first.items() if not etcd(i)}),
                                     ("etcd", {i: v for i, v in first.items() if etcd(i)})):
                if not [i for i in members if i != "PING"]:
                    continue
                p99 = max(v["99"] for v in members.values())
                series = [(impl + (" round trip" if impl == "PING" else ""),
                           [(min(us, p99), float(p), None, None) for p, us in lat.items() if float(p) <= 99])
                          for impl, lat in sorted(members.items())]
                made.append((f"handover-latency-{backend.lower()}.svg", f"Hand-over latency, {fewest} JVMs, {backend}",
                             line_chart(f"Hand-over latency on {backend}, {fewest} JVMs, first run, up to p99 (left is better)",
                                        "microseconds from one JVM's unlock to the other's lock returning",
                                        "percent of hand-overs at or below", series)))
    for backend, floor, names in (("Redis", "RawRedis", ("RawRedis", "RedisLock", "Redisson", "SpringRedisLock")),
                                  ("etcd", "RawEtcd", ("RawEtcd", "EtcdLockTxn", "EtcdLockService", "JetcdLock"))):
        rows = []
        for name in names:
            for r in results:
                if bench(r) == ("Uncontended", "lockUnlock", name):
                    pm = r["primaryMetric"]
                    err = pm.get("scoreError")
                    rows.append((name, pm["score"], err if isinstance(err, (int, float)) else None))
        if rows:
            made.append((f"uncontended-{backend.lower()}.svg", f"Uncontended lock+unlock, {backend}",
                         bar_chart(f"Uncontended lock+unlock on {backend}, microseconds, against the floor", "microseconds",
                                   rows, floor)))
    return [(f, t, svg) for f, t, svg in made if svg]


def table(results, handoff):
    rows = ["<table><tr><th>benchmark</th><th>candidate</th><th>threads</th><th>score</th><th>± 99.9% CI</th><th>unit</th>"
            "<th>hand-overs/s</th></tr>"]
    for r in results:
        cls, method, impl = bench(r)
        pm = r["primaryMetric"]
        err = pm.get("scoreError")
        ho = r.get("secondaryMetrics", {}).get("handoffs")
        rows.append(f"<tr><td>{cls}.{method}</td><td>{impl}</td><td>{r.get('threads', '')}</td><td class=n>{fmt(pm['score'])}</td>"
                    f"<td class=n>{fmt(err) if isinstance(err, (int, float)) else '-'}</td><td>{html.escape(pm['scoreUnit'])}</td>"
                    f"<td class=n>{fmt(ho['score']) if ho else ''}</td></tr>")
    rows.append("</table>")
    if handoff:
        rows.append("<h3>Separate JVMs (each row one run)</h3><table><tr><th>candidate</th><th>JVMs</th><th>hand-overs/s</th>"
                    "<th>acquisitions/s</th><th>shares</th><th>p50 us</th><th>p90 us</th><th>p99 us</th><th>max us</th></tr>")
        for h in handoff:
            lat = h.get("latencyUs", {})
            share = f"{100 * h['shareMin']:.0f}%..{100 * h['shareMax']:.0f}%" if "shareMin" in h else ""
            rows.append(f"<tr><td>{h['impl']}</td><td>{h.get('jvms', '')}</td><td class=n>{fmt(h.get('handoffsPerSecond'))}</td>"
                        f"<td class=n>{fmt(h.get('acquisitionsPerSecond'))}</td><td>{share}</td>"
                        + "".join(f"<td class=n>{fmt(lat.get(p))}</td>" for p in ("50", "90", "99", "100")) + "</tr>")
        rows.append("</table>")
    return "\n".join(rows)


def main(run_dir, targets_md=None):
    results = load(run_dir)
    handoff = load_handoff(run_dir)
    machine_path = os.path.join(run_dir, "machine.txt")
    machine = open(machine_path).read().strip() if os.path.exists(machine_path) else "(machine.txt missing)"
    made = charts(results, handoff)
    body = [f"<h1>Benchmark run</h1><pre>{html.escape(machine)}</pre>",
            "<p>Only ratios within one run mean anything. Linear axes; error bars are JMH's 99.9% confidence "
            "intervals, or the lowest and highest of repeated cross-JVM runs. Thick lines and blue bars are this library.</p>"]
    if targets_md:
        body.append(f"<h2>Targets</h2>{targets_md}")
    for f, title, svg in made:
        with open(os.path.join(run_dir, f), "w") as out:
            out.write(svg + "\n")
        body.append(f"<h2>{html.escape(title)}</h2><figure><img src=\"{f}\" alt=\"{html.escape(title)}\"></figure>")
    body.append("<h2>All results</h2>" + table(results, handoff))
    page = ("<!DOCTYPE html><html lang=en><head><meta charset=utf-8><title>Benchmark run</title><style>"
            "body{font-family:sans-serif;max-width:1000px;margin:2em auto;color:#1a202c}"
            "table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #cbd5e0;padding:3px 8px}"
            "td.n{text-align:right}pre{background:#f7fafc;padding:8px;white-space:pre-wrap}img{max-width:100%}"
            "</style></head><body>" + "\n".join(body) + "</body></html>\n")
    with open(os.path.join(run_dir, "index.html"), "w") as out:
        out.write(page)
    return [f for f, _, _ in made]


if __name__ == "__main__":
    print("\n".join(main(sys.argv[1])))
