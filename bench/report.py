#!/usr/bin/env python3
"""Turns bench/run's measurements into the Markdown report (bench/RESULTS.md).

    report.py --results results.tsv --syncs syncs.tsv --meta meta.env --out RESULTS.md \
              [--resumption L.json]

results.tsv: one line per run (scenario, tool, rep, wall_s, user_s, sys_s,
maxrss_kb, expected, fetched, status). Medians and min-max are taken over the
runs that fetched every message; the ratio column is the tool's median wall
time divided by popfetchd's in the same scenario (above 1: popfetchd is
faster). The targets of issue 7 are checked against these medians.
L.json: scenario L's polls (bench/resumption_polls.py), reported as a section
of its own: full handshakes against resumed ones, as ratios within the run.
"""

import argparse
import csv
import json
import statistics
from collections import OrderedDict, defaultdict

TOOL_LABELS = {
    "popfetchd": "popfetchd",
    "popfetchd-maildir": "popfetchd + delivery to a Maildir",
    "mpop": "mpop (Maildir)",
    "fetchmail": "fetchmail (MDA: sh + cat per message)",
    "fetchmail-bsmtp": "fetchmail (bsmtp: one file, no MDA)",
    "getmail": "getmail6 (Maildir)",
    "limit": "limit (counts bytes, stores nothing)",
}
SCENARIO_TITLES = {
    "A": "A: one account, many 2 KB messages, direct",
    "B": "B: one account, mixed sizes, direct",
    "C-A": "C: data set A at 50 ms round trip",
    "C-B": "C: data set B at 50 ms round trip",
    "D": "D: many accounts, direct",
    "D-50ms": "D: many accounts at 50 ms round trip",
}
RSS_LIMIT_KB = 32 * 1024


def read_meta(path):
    meta = {}
    with open(path) as f:
        for line in f:
            key, sep, value = line.rstrip("\n").partition("=")
            if sep:
                meta[key] = value
    return meta


def read_results(path):
    runs = defaultdict(list)  # (scenario, tool) -> rows
    order = OrderedDict()
    with open(path) as f:
        for row in csv.DictReader(f, delimiter="\t"):
            key = (row["scenario"], row["tool"])
            runs[key].append(row)
            order.setdefault(row["scenario"], OrderedDict())[row["tool"]] = True
    return runs, order


class Figures:
    """Medians of one tool in one scenario, over its successful runs."""

    def __init__(self, rows):
        self.total = len(rows)
        ok = [r for r in rows if r["status"] == "ok"]
        self.ok = len(ok)
        self.failures = sorted({r["status"] for r in rows if r["status"] != "ok"})
        self.fetched = [int(r["fetched"]) for r in rows]
        self.expected = int(rows[0]["expected"]) if rows else 0
        if ok:
            walls = [float(r["wall_s"]) for r in ok]
            cpus = [float(r["user_s"]) + float(r["sys_s"]) for r in ok]
            rss = [int(r["maxrss_kb"]) for r in ok]
            self.wall = statistics.median(walls)
            self.wall_min, self.wall_max = min(walls), max(walls)
            self.cpu = statistics.median(cpus)
            self.rss = statistics.median(rss)
            self.rss_max = max(rss)
        else:
            self.wall = None


def seconds(value):
    if value is None:
        return "—"
    if value < 10:
        return f"{value:.2f}"
    return f"{value:.1f}"


def ratio_text(value):
    if value is None:
        return "—"
    return f"{value:.2f}×" if value < 10 else f"{value:.0f}×"


def scenario_bytes(meta, scenario):
    data = scenario.split("-")[-1] if scenario.startswith("C-") else scenario.split("-")[0]
    value = meta.get(f"{data}_bytes")
    return int(value) if value else None


def scenario_table(scenario, tools, runs, meta):
    figures = {tool: Figures(runs[(scenario, tool)]) for tool in tools}
    base = figures.get("popfetchd")
    base_wall = base.wall if base else None
    megabytes = (scenario_bytes(meta, scenario) or 0) / 1e6
    lines = [
        f"### {SCENARIO_TITLES.get(scenario, scenario)}",
        "",
        "| client | wall s, median (min–max) | × popfetchd | CPU s (user+sys) | CPU ms per MB | peak RSS MB | runs ok |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    for tool in tools:
        f = figures[tool]
        if f.wall is None:
            fetched = ", ".join(f"{n}/{f.expected}" for n in f.fetched)
            lines.append(
                f"| {TOOL_LABELS.get(tool, tool)} | failed ({', '.join(f.failures)}; fetched {fetched}) "
                f"| — | — | — | — | 0/{f.total} |"
            )
            continue
        ratio = f.wall / base_wall if base_wall else None
        per_mb = f"{f.cpu * 1000 / megabytes:.0f}" if megabytes else "—"
        status = f"{f.ok}/{f.total}"
        if f.failures:
            status += f" ({', '.join(f.failures)})"
        lines.append(
            f"| {TOOL_LABELS.get(tool, tool)} | {seconds(f.wall)} ({seconds(f.wall_min)}–{seconds(f.wall_max)}) "
            f"| {ratio_text(ratio)} | {f.cpu:.2f} | {per_mb} | {f.rss / 1024:.1f} | {status} |"
        )
    lines.append("")
    return lines, figures


def check_targets(all_figures):
    """Issue 7's targets, each as (text, measured, met or None when not measured)."""
    checks = []

    def get(scenario, tool):
        f = all_figures.get(scenario, {}).get(tool)
        return f if f is not None and f.wall is not None else None

    def compare(text, scenario, tool, bound, popfetchd_faster_by=None):
        p = get(scenario, "popfetchd")
        t = get(scenario, tool)
        if p is None or t is None:
            checks.append((f"{scenario}: {text}", "not measured", None))
            return
        if popfetchd_faster_by is None:
            value = p.wall / t.wall  # popfetchd relative to the tool: at most `bound`
            checks.append((f"{scenario}: {text}", f"{value:.2f}×", value <= bound))
        else:
            value = t.wall / p.wall  # the tool relative to popfetchd: at least `popfetchd_faster_by`
            checks.append((f"{scenario}: {text}", f"{value:.1f}×", value >= popfetchd_faster_by))

    for s in ("A", "B"):
        compare("popfetchd ≤ 1.1× mpop", s, "mpop", 1.1)
        compare("popfetchd ≤ 1.15× the limit client", s, "limit", 1.15)
        compare("fetchmail ≥ 3× popfetchd (MDA delivery)", s, "fetchmail", None, 3)
        compare("fetchmail ≥ 3× popfetchd (bsmtp, fetchmail's best case)", s, "fetchmail-bsmtp", None, 3)
    p = get("B", "popfetchd")
    d = get("B", "popfetchd-maildir")
    if p is None or d is None:
        checks.append(("B: delivery to a Maildir adds ≤ 30% to popfetchd", "not measured", None))
    else:
        value = d.wall / p.wall
        checks.append(("B: delivery to a Maildir adds ≤ 30% to popfetchd", f"{value:.2f}×", value <= 1.3))
    for s in ("C-A", "C-B"):
        if s not in all_figures:
            continue
        compare("popfetchd ≤ mpop", s, "mpop", 1.0)
        compare("fetchmail ≥ 10× popfetchd", s, "fetchmail", None, 10)
        compare("getmail6 ≥ 10× popfetchd", s, "getmail", None, 10)
    for tool in ("mpop", "fetchmail", "getmail"):
        compare(f"{tool} ≥ 10× popfetchd", "D-50ms", tool, None, 10)

    worst = max(
        (f.rss_max for scen in all_figures.values() for tool, f in scen.items()
         if tool == "popfetchd" and f.wall is not None),
        default=None,
    )
    if worst is not None:
        checks.append(("popfetchd peak RSS ≤ 32 MB in every scenario", f"{worst / 1024:.1f} MB", worst <= RSS_LIMIT_KB))

    for s in ("A", "B"):
        p, m = get(s, "popfetchd"), get(s, "mpop")
        if p and m:
            checks.append(
                (f"{s}: popfetchd CPU per MB ≤ mpop's (Maildir)", f"{p.cpu:.2f} s vs {m.cpu:.2f} s", p.cpu <= m.cpu)
            )
    return checks


def resumption_section(path, meta):
    """Scenario L: polls with a full handshake against resumed ones, in the same run."""
    data = json.load(open(path))
    once, daemon = data["poll_once"], data["daemon"]
    arms = [
        ("poll-once, a new process per poll", once["polls"]),
        ("daemon, first poll of each account", daemon["first_polls"]),
        ("daemon, later polls (SIGUSR1)", daemon["later_polls"]),
    ]
    resumed_ms = [p["ms"] for p in daemon["later_polls"] if p["resumed"]]
    base = statistics.median(resumed_ms) if resumed_ms else None
    rtt = int(meta.get("delay_ms", "25")) * 2
    tls = next((p["tls"] for _, polls in arms for p in polls), "no TLS seen")
    lines = [
        f"### L: TLS session resumption across daemon polls at {rtt} ms round trip",
        "",
        f"{data['accounts']} accounts (security: tls; {tls}) polled {data['rounds']} times "
        "each through the latency proxy, nothing new to fetch. A poll here is the time from popfetchd's "
        "\"connecting to\" to its \"> QUIT\" (connect, handshake, greeting, CAPA, AUTH, STAT/LIST/UIDL). "
        "× resumed: the row's median over the resumed polls' median, from this run (above 1: resumption "
        "is faster). No timing is asserted.",
        "",
        "| polls | n | handshake | round trips | bytes out / in | poll ms, median (min–max) | × resumed |",
        "|---|---:|---|---:|---:|---:|---:|",
    ]
    for label, polls in arms:
        if not polls:
            lines.append(f"| {label} | 0 | — | — | — | — | — |")
            continue
        ms = [p["ms"] for p in polls]
        resumed = sum(1 for p in polls if p["resumed"])
        kind = "resumed" if resumed == len(polls) else ("full" if resumed == 0 else f"{resumed} resumed")
        median = statistics.median(ms)
        ratio = ratio_text(median / base) if base else "—"
        lines.append(
            f"| {label} | {len(polls)} | {kind} | {statistics.median(p['rtt'] for p in polls):.0f} "
            f"| {statistics.median(p['out'] for p in polls):.0f} / {statistics.median(p['in'] for p in polls):.0f} "
            f"| {median:.0f} ({min(ms):.0f}–{max(ms):.0f}) | {ratio} |"
        )
    if once["process_wall_s"] and daemon["round_wall_s"]:
        process = statistics.median(once["process_wall_s"])
        rounds = statistics.median(daemon["round_wall_s"])
        lines += [
            "",
            f"Wall time of one round of every account: poll-once {seconds(process)} s (median process run, "
            f"start-up included), the daemon {seconds(rounds)} s (median, SIGUSR1 to the last \"poll done\"): "
            f"{ratio_text(process / rounds)}.",
        ]
    if data.get("failures"):
        lines += ["", f"**{data['failures']} poll(s) or run(s) failed** (see the work directory with `--keep`)."]
    lines.append("")
    return lines


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--results", required=True)
    parser.add_argument("--syncs", required=True)
    parser.add_argument("--meta", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--resumption", help="scenario L's JSON (bench/resumption_polls.py)")
    args = parser.parse_args()

    meta = read_meta(args.meta)
    runs, order = read_results(args.results)
    mode = meta.get("mode", "full")

    out = [
        "# popfetchd benchmark" + ("" if mode == "full" else f" ({mode} mode: small data, not for quoting)"),
        "",
        f"Produced by `bench/run{'' if mode == 'full' else ' --' + mode}` on {meta.get('date', '?')}. "
        "How it measures, and why each client is configured as it is: [bench/README.md](README.md).",
        "",
        "Every client fetches the same mailbox from the same private Dovecot on 127.0.0.1 over POP3S "
        "(implicit TLS, certificate verified against the fixture's CA), in keep mode, from a fresh empty "
        "state per run, writing to the same disk. Runs alternate between clients "
        f"({meta.get('reps', '?')} repetitions direct, {meta.get('latency_reps', '?')} at 50 ms). "
        "Wall time: medians (min–max) of the runs that fetched every message. "
        "× popfetchd: the client's median over popfetchd's (above 1: popfetchd is faster). "
        "CPU and peak RSS from `/usr/bin/time -v` (the client and its children, not Dovecot).",
        "",
        "## Machine",
        "",
        f"- CPU: {meta.get('cpu', '?')}, {meta.get('cores', '?')} cores; memory {meta.get('memory', '?')}",
        f"- Kernel: {meta.get('kernel', '?')}",
        f"- Disk: {meta.get('disk', '?')}; one 4 KiB write + fsync takes {meta.get('fsync_ms', '?')} ms (median)",
        f"- Load average (1/5/15 min) at start {meta.get('load_start', '?')}, at end {meta.get('load_end', '?')} "
        "(a shared machine: other work ran alongside)",
        f"- Data: {meta.get('sizes', '?')}; "
        + ", ".join(
            f"{k[0]} = {int(meta[k]) / 1e6:.1f} MB on the wire" for k in ("A_bytes", "B_bytes", "D_bytes") if k in meta
        ),
        "",
        "Versions: " + "; ".join(
            meta[k] for k in ("v_popfetchd", "v_mpop", "v_fetchmail", "v_getmail", "v_dovecot", "v_python",
                              "v_mbedtls", "v_sqlite") if meta.get(k)
        ) + ".",
        "",
        "## Results",
        "",
    ]

    all_figures = {}
    for scenario, tools in order.items():
        lines, figures = scenario_table(scenario, list(tools), runs, meta)
        out += lines
        all_figures[scenario] = figures

    if args.resumption:
        out += resumption_section(args.resumption, meta)

    if all_figures:
        out += ["## Targets (issue 7)", "", "| target | measured | met |", "|---|---:|:---:|"]
        for text, measured, met in check_targets(all_figures):
            out.append(f"| {text} | {measured} | {'—' if met is None else ('yes' if met else '**no**')} |")
        out.append("")

    syncs = list(csv.DictReader(open(args.syncs), delimiter="\t"))
    if syncs:
        out += [
            "## Durability: sync calls for one fetch of data set B (strace -f)",
            "",
            "| client | messages | fsync | fdatasync | sync_file_range | syncfs | messages stored |",
            "|---|---:|---:|---:|---:|---:|---:|",
        ]
        for row in syncs:
            out.append(
                f"| {TOOL_LABELS.get(row['tool'], row['tool'])} | {row['messages']} | {row['fsync']} "
                f"| {row['fdatasync']} | {row['sync_file_range']} | {row.get('syncfs', '0')} | {row['files_created']} |"
            )
        out += [
            "",
            "popfetchd commits in batches (500 messages or 16 MiB) with SQLite `synchronous=FULL` in WAL mode: "
            "each commit syncs the WAL once, and a checkpoint syncs the database file. mpop and getmail6 sync "
            "every Maildir file they deliver; popfetchd's Maildir delivery syncs per batch of up to 64 messages "
            "(one syncfs for the staged files, one fsync of new/, and the delivery table's two commits). fetchmail's MDA here (sh + cat) and its bsmtp file are never "
            "synced: a crash can lose mail they reported as delivered (with keep, it is still on the server).",
            "",
        ]

    with open(args.out, "w") as f:
        f.write("\n".join(out))


if __name__ == "__main__":
    main()
