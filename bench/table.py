#!/usr/bin/env python3
"""Markdown table of one side-by-side run (bench/run.sh): AIMS bench output vs peers.py results.

Standard library only. Peer times are peers.py's compute_s (the measured calls, after the Parquet
file is loaded into pandas) and load_s + compute_s; AIMS times include reading the Parquet files.
"""
from __future__ import annotations

import argparse
import json
import os
import re

LINE = re.compile(r"^(\S+)\s+(\d+) rows\s+([\d.]+) s wall\s+([\d.]+) s CPU.*peak RSS so far (\d+) MB")

# AIMS check -> the peers doing the same job (what each computes: see peers.py).
PEERS = {
    "fairness": ["fairlearn", "numpy_fairness", "aif360"],
    "drift": ["evidently_drift", "nannyml_drift", "numpy_psi_ks", "whylogs_drift"],
    "quality": ["pandas_dq", "evidently_dq"],
    "performance": [],
    "all": [],
}
WHAT = {
    "fairness": "fairness: 4 groupings incl. sex x race; DPD, DPR, EOD, EOR, EOpp, AIF360 view, 200 bootstrap replicates",
    "drift": "drift: Evidently preset, 24 columns, reference vs current",
    "quality": "quality: 26 columns, 3 rules, ranges, domains, regex, duplicates, timeliness",
    "performance": "performance: confusion, ROC AUC, log loss, Brier, calibration, ECE, cost",
    "all": "all five checks in one run",
}


def aims(path: str) -> dict:
    out = {}
    with open(path) as f:
        for line in f:
            m = LINE.match(line.strip())
            if m:
                out[m.group(1)] = {"wall": float(m.group(3)), "cpu": float(m.group(4)), "rss": float(m.group(5))}
            elif line.strip().endswith("FAILED"):
                out[line.split()[0]] = {"error": "failed"}
    return out


def peers(path: str) -> dict:
    out = {}
    if path and os.path.exists(path):
        with open(path) as f:
            for line in f:
                d = json.loads(line)
                out[d["task"]] = d
    return out


def fmt(x, unit=""):
    if x is None:
        return "-"
    if x >= 100:
        return f"{x:,.0f}{unit}"
    if x >= 10:
        return f"{x:.1f}{unit}"
    return f"{x:.2f}{unit}" if x >= 0.1 else f"{x:.3f}{unit}"


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, required=True)
    ap.add_argument("--aims", required=True)
    ap.add_argument("--peers", default="")
    ap.add_argument("--pip-failed", default="")
    ap.add_argument("--loadavg", default="")
    a = ap.parse_args()
    us, them = aims(a.aims), peers(a.peers)

    print(f"### {a.rows:,} rows (reference and current, Parquet; 2 cores; load average at the end {a.loadavg})")
    print()
    print("| AIMS check | AIMS wall s | AIMS CPU s | AIMS peak RSS MB | peer task | peer compute s | peer load + compute s | peer peak RSS MB | speed-up (compute) | speed-up (load + compute) |")
    print("| --- | ---: | ---: | ---: | --- | ---: | ---: | ---: | ---: | ---: |")
    for check, tasks in PEERS.items():
        u = us.get(check)
        if not u:
            continue
        if "error" in u:
            print(f"| {WHAT[check]} | failed | | | | | | | | |")
            continue
        head = f"| {WHAT[check]} | {fmt(u['wall'])} | {fmt(u['cpu'])} | {u['rss']:.0f}"
        if not tasks:
            print(f"{head} | - | | | | | |")
            continue
        for i, t in enumerate(tasks):
            lead = head if i == 0 else "| | | |"
            d = them.get(t)
            if d is None:
                print(f"{lead} | {t} | not run | | | | |")
            elif "error" in d:
                err = d["error"]
                if "signal 15" in err:
                    err = "stopped (SIGTERM, not run to the end)"
                print(f"{lead} | {t} | {err} | | | | |")
            else:
                c, lc = d["compute_s"], d["load_s"] + d["compute_s"]
                print(f"{lead} | {t} | {fmt(c)} | {fmt(lc)} | {d['peak_rss_mb']:,.0f} | "
                      f"{fmt(c / u['wall'], 'x')} | {fmt(lc / u['wall'], 'x')} |")
    print()
    print("Decode floor: the same columns only decoded from Parquet (one arrow reader, 65,536-row batches).")
    print()
    print("| check | check wall s | decode wall s | check / decode |")
    print("| --- | ---: | ---: | ---: |")
    for check in ["fairness", "drift", "quality"]:
        u, d = us.get(check), us.get(f"decode-{check}")
        if u and d and "error" not in u and "error" not in d:
            print(f"| {check} | {fmt(u['wall'])} | {fmt(d['wall'])} | {fmt(u['wall'] / d['wall'], 'x')} |")
    failed = []
    if a.pip_failed and os.path.exists(a.pip_failed):
        failed = [l.strip() for l in open(a.pip_failed) if l.strip()]
    if failed:
        print()
        print("Not installed (their tasks did not run): " + ", ".join(failed))


if __name__ == "__main__":
    main()
