#!/usr/bin/env python3
"""./dev bench's report: reads the measurements scripts/bench.sh recorded
(bench/lib.sh describes the lines), and writes

  - the JSON results: every figure as {median, min, max, runs}, the headline
    keys of the benchmark issue, the targets and whether each was met;
  - the table (stdout) and the same table in Markdown (for docs/performance.md);
  - a PNG plot of the ratios with their spread and targets (matplotlib; when
    it is missing the plot is skipped with a message).

usage: report.py RESULTS_TSV META_JSON OUT_JSON OUT_PNG OUT_MARKDOWN
"""
import json
import math
import statistics
import sys
from collections import defaultdict

# Headline keys of the issue -> the detailed figure they stand for.
ALIASES = {
    "loopback_pingpong_spin_halfrtt_ratio": "loopback_pingpong_spin_tcp_avg_ratio",
    "loopback_pingpong_block_halfrtt_ratio": "loopback_pingpong_block_tcp_avg_ratio",
    "wire_pingpong_halfrtt_ratio": "wire_pingpong_tcp_avg_ratio",
    "loopback_pingpong_spin_udp_halfrtt_ratio": "loopback_pingpong_spin_udp_avg_ratio",
    "loopback_pingpong_block_udp_halfrtt_ratio": "loopback_pingpong_block_udp_avg_ratio",
    "wire_pingpong_udp_halfrtt_ratio": "wire_pingpong_udp_avg_ratio",
}

# The main table: (key, figure name the script records errors under, label,
# unit of the shunt/kernel columns, target). A target (op, value) applies to
# the ratio's median, or for a value row to the shunt column's median.
# For ratio rows the columns are the pair's two sides: with / without the
# preload for figure 1, the ring / memcpy for figure 2, shunt / kernel after.
ROWS = [
    ("interposer_instructions_ratio", "interposer", "1 interposer: instructions, syscall loop (callgrind)", "Ir", ("<=", 1.02)),
    ("interposer_program_instructions_ratio", "interposer", "1 interposer: instructions, whole program", "Ir", None),
    ("interposer_time_ratio", "interposer", "1 interposer: wall time per loop iteration", "ns", None),
    ("hook_forwarded_ratio", "hook", "1b syscall hook: read(2) on a kernel fd, hook on / off", "ns", None),
    ("hook_forwarded_added_ns", "hook", "1b syscall hook: ns added to a forwarded fd call", "ns", ("<=", 40)),
    ("hook_nonfd_added_ns", "hook", "1b syscall hook: ns added to a call on no fd", "ns", None),
    ("hook_handled_added_ns", "hook", "1b syscall hook: ns added to a handled call (vs the symbol wrapper)", "ns", ("<=", 25)),
    ("channel_msgs_memcpy_ratio", "channel", "2 channel: 64 B messages/s (vs memcpy)", "msg/s", None),
    ("channel_memcpy_ratio", "channel", "2 channel: GB/s, 64 KiB writes (vs memcpy)", "GB/s", None),
    ("loopback_pingpong_spin_halfrtt_ratio", "loopback_pingpong_spin_tcp", "3 loopback ping-pong TCP, spinning", "µs", ("<=", 0.5)),
    ("loopback_pingpong_spin_udp_halfrtt_ratio", "loopback_pingpong_spin_udp", "3 loopback ping-pong UDP, spinning", "µs", ("<=", 0.5)),
    ("loopback_pingpong_spinclient_tcp_avg_ratio", "loopback_pingpong_spinclient_tcp", "3 loopback ping-pong TCP, client spins", "µs", None),
    ("loopback_pingpong_block_halfrtt_ratio", "loopback_pingpong_block_tcp", "3 loopback ping-pong TCP, blocking", "µs", ("<=", 1.0)),
    ("loopback_pingpong_block_udp_halfrtt_ratio", "loopback_pingpong_block_udp", "3 loopback ping-pong UDP, blocking", "µs", ("<=", 1.0)),
    ("wire_pingpong_halfrtt_ratio", "wire_pingpong_tcp", "3 wire ping-pong TCP, blocking", "µs", None),
    ("wire_pingpong_udp_halfrtt_ratio", "wire_pingpong_udp", "3 wire ping-pong UDP, blocking", "µs", None),
    ("loopback_throughput_ratio", "loopback_throughput", "4 loopback iperf3 TCP", "Gbit/s", (">=", 1.0)),
    ("wire_throughput_ratio", "wire_throughput", "4 wire iperf3 TCP, shunt sends", "Gbit/s", (">=", 1.0)),
    ("wire_throughput_recv_ratio", "wire_throughput_recv", "4 wire iperf3 TCP, shunt receives", "Gbit/s", (">=", 1.0)),
    ("nginx_rps_ratio", "nginx_rps", "5 wrk -> nginx, requests/s", "req/s", (">=", 1.0)),
    ("redis_rps_ratio", "redis_rps", "5 redis-benchmark -> redis, requests/s", "req/s", (">=", 1.0)),
    ("syscalls_per_request_nginx_ratio", "syscalls_per_request_nginx", "5 nginx's system calls per request (keep-alive)", "calls", ("<=", 0.1)),
    ("syscalls_per_request_redis_ratio", "syscalls_per_request_redis", "5 redis's system calls per request", "calls", ("<=", 0.1)),
    ("conns_held", "conns_held", "6 connections held at once", "conns", (">=", 10000)),
    ("daemon_bytes_per_conn", "conns_held", "6 shuntd memory per held connection", "B", None),
    ("cps_ratio", "cps", "6 connections per second", "conn/s", None),
    ("neighbour_udpflood_shunt_ratio", "neighbour_udpflood", "8 wire ping-pong beside a UDP-flooding app, shunt (with / alone)", "µs", None),
    ("neighbour_udpflood_kernel_ratio", "neighbour_udpflood", "8 wire ping-pong beside a UDP-flooding app, kernel (with / alone)", "µs", None),
    ("neighbour_unread_shunt_ratio", "neighbour_unread", "8 wire ping-pong beside an app holding unread data, shunt (with / alone)", "µs", None),
    ("neighbour_unread_kernel_ratio", "neighbour_unread", "8 wire ping-pong beside an app holding unread data, kernel (with / alone)", "µs", None),
    ("wire_icmp_rtt_ratio", "wire_icmp_rtt", "ICMP echo over the wire (worker naps)", "µs", None),
    ("wire_icmp_rtt_spin_ratio", "wire_icmp_rtt_spin", "ICMP echo over the wire (--idle-sleep 0)", "µs", None),
    ("idle_cpu_share_busy", "idle_cpu_share_busy", "7 idle shuntd, --poll-mode busy: % of one CPU", "%", None),
    ("idle_cpu_share_adaptive", "idle_cpu_share_adaptive", "7 idle shuntd, --poll-mode adaptive: % of one CPU", "%", ("<=", 1.0)),
    ("idle_cpu_share_interrupt", "idle_cpu_share_interrupt", "7 idle shuntd, --poll-mode interrupt: % of one CPU", "%", ("<=", 1.0)),
    ("first_packet_after_idle_adaptive_ratio", "first_packet_after_idle_adaptive",
     "7 first ping after 1 s idle, adaptive (vs busy)", "µs", ("<=", 2.0)),
    ("first_packet_after_idle_interrupt_ratio", "first_packet_after_idle_interrupt",
     "7 first ping after 1 s idle, interrupt (vs busy)", "µs", ("<=", 2.0)),
]
# Value rows: the kernel column shows this key when there is one.
VALUE_KERNEL = {"conns_held": "conns_held_kernel"}


def stat(xs):
    xs = [x for x in xs if x is not None and math.isfinite(x)]
    if not xs:
        return None
    return {"median": statistics.median(xs), "min": min(xs), "max": max(xs), "n": len(xs), "runs": xs}


def load(path):
    values = defaultdict(dict)   # key -> {run: value}
    pairs = {}                   # ratio key -> (a key, b key)
    errors, notes = {}, defaultdict(list)
    for line in open(path, encoding="utf-8"):
        f = line.rstrip("\n").split("\t")
        try:
            if f[0] == "value":
                values[f[1]][int(f[2])] = float(f[3])
            elif f[0] == "pair":
                key, run, ak, a, bk, b = f[1], int(f[2]), f[3], float(f[4]), f[5], float(f[6])
                pairs[key] = (ak, bk)
                values[ak][run] = a
                values[bk][run] = b
                values[key][run] = a / b if b else float("nan")
            elif f[0] == "error":
                errors[f[1]] = f[2]
            elif f[0] == "note":
                notes[f[1]].append(f[2])
        except (IndexError, ValueError):
            print("report: bad line: " + line.strip(), file=sys.stderr)
    return values, pairs, errors, notes


def fmt(v):
    if v is None:
        return "-"
    a = abs(v)
    if a >= 1e9:
        return "%.2fG" % (v / 1e9)
    if a >= 1e6:
        return "%.2fM" % (v / 1e6)
    if a >= 1e4:
        return "%.0f" % v
    if a >= 100:
        return "%.0f" % v
    if a >= 10:
        return "%.1f" % v
    return "%.3g" % v


def verdict(target, x):
    if target is None or x is None:
        return None
    op, t = target
    return x <= t if op == "<=" else x >= t


def main():
    tsv, meta_path, out_json, out_png, out_md = sys.argv[1:6]
    meta = json.load(open(meta_path, encoding="utf-8"))
    values, pairs, errors, notes = load(tsv)

    doc = {"meta": meta}
    for key in sorted(values):
        s = stat([values[key][r] for r in sorted(values[key])])
        if s:
            doc[key] = s
            if key in pairs:
                doc[key]["of"] = list(pairs[key])
    for alias, real in ALIASES.items():
        if real in doc:
            doc[alias] = dict(doc[real], same_as=real)

    table, missed = [], []
    for key, fig, label, unit, target in ROWS:
        real = ALIASES.get(key, key)
        row = {"key": key, "label": label, "unit": unit, "target": target}
        if fig in errors and real not in doc:
            row["error"] = errors[fig]
        elif real not in doc:
            row["error"] = "not run (SHUNT_BENCH_ONLY)" if meta.get("only") else "not measured"
        else:
            f = doc[real]
            if real in pairs:
                ak, bk = pairs[real]
                row.update(shunt=doc.get(ak, {}).get("median"), kernel=doc.get(bk, {}).get("median"),
                           ratio=f["median"], lo=f["min"], hi=f["max"], n=f["n"])
                row["met"] = verdict(target, f["median"])
            else:
                kk = VALUE_KERNEL.get(real)
                row.update(shunt=f["median"], kernel=doc.get(kk, {}).get("median") if kk else None,
                           lo=f["min"], hi=f["max"], n=f["n"])
                row["met"] = verdict(target, f["median"])
            if fig in errors:
                row["warning"] = errors[fig]
        if target and row.get("met") is not True and not row.get("error", "").startswith("not run"):
            missed.append(row)
        table.append(row)
    doc["targets"] = [{"figure": r["key"], "target": "%s %g" % r["target"], "met": r.get("met"),
                       "median": r.get("ratio", r.get("shunt")), "error": r.get("error")}
                      for r in table if r["target"]]
    doc["errors"] = errors
    doc["notes"] = dict(notes)
    with open(out_json, "w", encoding="utf-8") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")

    lines = render(table, meta)
    detail = render_pingpong(doc)
    lines["text"] += detail["text"]
    lines["md"] += detail["md"]
    print("\n".join(lines["text"]))
    met = [r for r in table if r["target"] and r.get("met") is True]
    print("\nTargets: %d met, %d missed." % (len(met), len(missed)))
    for r in missed:
        if "error" in r:
            print("  MISSED %s [%s]: not measured: %s" % (r["label"], r["key"], r["error"]))
        else:
            got = r.get("ratio", r.get("shunt"))
            print("  MISSED %s [%s]: %s, target %s %g" % (r["label"], r["key"], fmt(got), r["target"][0], r["target"][1]))
    if missed:
        print("  (docs/performance.md says why each is missed and what would close it)")
    for key, ns in sorted(notes.items()):
        for n in ns:
            print("  note %s: %s" % (key, n))
    with open(out_md, "w", encoding="utf-8") as f:
        f.write("\n".join(lines["md"]) + "\n")
    print("\n-> %s" % out_json)
    plot(table, meta, out_png)


def render(table, meta):
    head = ["figure", "shunt", "kernel", "ratio", "min–max", "target", "met?"]
    text_rows, md = [], ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in table:
        tgt = "%s %g" % r["target"] if r["target"] else "-"
        if "error" in r and r["error"].startswith("not run"):
            cells = [r["label"], "skipped", "", "", r["error"], tgt, "-"]
        elif "error" in r:
            cells = [r["label"], "ERROR", "", "", r["error"][:60], tgt, "ERROR" if r["target"] else "-"]
        else:
            is_ratio = "ratio" in r
            spread = (fmt(r["lo"]) + "–" + fmt(r["hi"]))
            met = {True: "yes", False: "NO", None: "-"}[r.get("met")]
            cells = [r["label"], fmt(r.get("shunt")) + " " + r["unit"],
                     (fmt(r.get("kernel")) + " " + r["unit"]) if r.get("kernel") is not None else "-",
                     fmt(r["ratio"]) if is_ratio else "-", spread, tgt, met]
        text_rows.append(cells)
        md.append("| " + " | ".join(c if c else " " for c in cells) + " |")
    widths = [max(len(str(row[i])) for row in [head] + text_rows) for i in range(len(head))]
    text = ["  ".join(str(c).ljust(widths[i]) for i, c in enumerate(row)) for row in [head] + text_rows]
    text.insert(1, "  ".join("-" * w for w in widths))
    legend = ("Load average when the run started: %s on %s CPUs. " % (meta.get("load_at_start", "?"), meta.get("cpus", "?")) +
              "ratio = shunt / kernel, pair by pair, median of %d runs (min–max: the ratios' spread; for "
              "value rows the shunt column's). Figure 1: with / without libshunt.so; figure 2: ring / memcpy. "
              "Times and instructions: < 1 means shunt takes less; throughput and rates: > 1 means shunt does more."
              % meta.get("runs", 0))
    text += ["", legend]
    md += ["", legend]
    return {"text": text, "md": md}


PINGPONG = [("loopback_pingpong_spin", "loopback, spinning"), ("loopback_pingpong_spinclient", "loopback, client spins"),
            ("loopback_pingpong_block", "loopback, blocking"), ("wire_pingpong", "wire, blocking")]


def render_pingpong(doc):
    """Figure 3 in full: avg, p50 and p99 of the half round trip, both sides."""
    head = ["ping-pong (µs)", "avg shunt/kernel", "p50 shunt/kernel", "p99 shunt/kernel", "ratio avg/p50/p99"]
    rows = []
    for name, label in PINGPONG:
        for proto in ("tcp", "udp"):
            k = "%s_%s_" % (name, proto)
            if k + "avg_ratio" not in doc:
                continue
            cells = [label + ", " + proto.upper()]
            for st in ("avg", "p50", "p99"):
                cells.append("%s / %s" % (fmt(doc.get(k + st + "_us_shunt", {}).get("median")),
                                          fmt(doc.get(k + st + "_us_kernel", {}).get("median"))))
            cells.append(" / ".join(fmt(doc.get(k + st + "_ratio", {}).get("median")) for st in ("avg", "p50", "p99")))
            rows.append(cells)
    if not rows:
        return {"text": [], "md": []}
    widths = [max(len(r[i]) for r in [head] + rows) for i in range(len(head))]
    text = ["", "  ".join(c.ljust(widths[i]) for i, c in enumerate(head)), "  ".join("-" * w for w in widths)]
    text += ["  ".join(c.ljust(widths[i]) for i, c in enumerate(r)) for r in rows]
    md = ["", "| " + " | ".join(head) + " |", "|" + "---|" * len(head)] + ["| " + " | ".join(r) + " |" for r in rows]
    return {"text": text, "md": md}


def plot(table, meta, out_png):
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("plot skipped: matplotlib is not installed for %s (./dev deps installs python3-matplotlib)"
              % sys.executable)
        return
    rows = [r for r in table if "ratio" in r and r["ratio"] and r["ratio"] > 0]
    if not rows:
        print("plot skipped: no ratio was measured")
        return
    fig, ax = plt.subplots(figsize=(10, 0.42 * len(rows) + 1.6))
    ys = list(range(len(rows)))[::-1]
    for y, r in zip(ys, rows):
        color = {True: "tab:green", False: "tab:red", None: "tab:gray"}[r.get("met")]
        ax.barh(y, r["ratio"] - 1.0, left=1.0, color=color, alpha=0.75)  # from 1: left less, right more
        ax.errorbar(r["ratio"], y, xerr=[[r["ratio"] - r["lo"]], [r["hi"] - r["ratio"]]], fmt="none",
                    ecolor="black", capsize=3, lw=1)
        if r["target"]:
            ax.plot([r["target"][1]], [y], marker="|", markersize=18, color="black", mew=2)
    ax.set_yticks(ys)
    ax.set_yticklabels([r["label"] for r in rows], fontsize=8)
    ax.set_xscale("log")
    ax.axvline(1.0, color="black", lw=0.8, ls="--")
    lo = min(min(r["lo"] for r in rows), min((r["target"][1] for r in rows if r["target"]), default=1.0))
    hi = max(max(r["hi"] for r in rows), max((r["target"][1] for r in rows if r["target"]), default=1.0))
    ax.set_xlim(lo / 1.5, hi * 1.5)
    ax.set_xlabel("shunt / kernel (log scale; bar: median from 1, whiskers: min–max, tick: target; "
                  "green met, red missed)")
    ax.set_title("shunt ./dev bench%s, %s, %s runs, %s" % (" --quick" if meta.get("quick") else "",
                 meta.get("date", ""), meta.get("runs", ""), meta.get("commit", "")[:12]), fontsize=9)
    fig.tight_layout()
    fig.savefig(out_png, dpi=110)
    print("-> %s" % out_png)


if __name__ == "__main__":
    main()
