#!/usr/bin/env python3
"""What --checkpoint costs: the three peer-benchmark queries over the same file, each run
without and with --checkpoint (at the default 10 s interval and at shorter ones), alternating
so that the machine's noise hits both alike. Prints medians and the slowdown per interval.

    swift build -c release
    python3 scripts/checkpoint_overhead.py .build/release/streamsql [--events 5000000] [--runs 3]

The input is ../shared/bench/gen_events.py's clickstream (seed 42), read with -i FILE (a
checkpoint needs a file it can seek), results written with -o FILE.
"""
import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
GEN = os.path.join(HERE, "..", "..", "shared", "bench", "gen_events.py")

QUERIES = {
    "q1 filter+project": "SELECT user_id, url, status FROM stdin WHERE status >= 500",
    "q2 tumbling/country": (
        "SELECT country, COUNT(*) AS n, SUM(amount) AS revenue, AVG(latency_ms) AS avg_latency "
        "FROM stdin TIMESTAMP BY ts WINDOW TUMBLING (SIZE 1 MINUTE, GRACE PERIOD 3 SECONDS) GROUP BY country"),
    "q3 sliding distinct": (
        "SELECT COUNT(DISTINCT user_id) AS active_users FROM stdin TIMESTAMP BY ts "
        "WINDOW SLIDING (SIZE 2 MINUTES, ADVANCE BY 10 SECONDS, GRACE PERIOD 3 SECONDS)"),
}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("binary")
    ap.add_argument("--events", type=int, default=5_000_000)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--intervals", default="10s,1s,200ms",
                    help="checkpoint intervals to compare with no checkpoint (default 10s,1s,200ms)")
    args = ap.parse_args()
    binary = os.path.abspath(args.binary)
    cache = os.path.join(tempfile.gettempdir(), "streamsql-bench")
    os.makedirs(cache, exist_ok=True)
    data = os.path.join(cache, f"events-{args.events}-42.ndjson")
    if not os.path.exists(data):
        print(f"generating {data} ...", file=sys.stderr)
        with open(data + ".tmp", "wb") as f:
            subprocess.run([sys.executable, GEN, "--events", str(args.events), "--seed", "42"],
                           stdout=f, check=True)
        os.rename(data + ".tmp", data)
    size_mb = os.path.getsize(data) / 1e6
    work = tempfile.mkdtemp(prefix="streamsql-ckpt-")
    modes = ["none"] + args.intervals.split(",")
    print(f"{args.events} events, {size_mb:.0f} MB, {args.runs} runs each, medians of wall time")
    print(f"| query | no checkpoint | " + " | ".join(f"--checkpoint-interval {m}" for m in modes[1:]) + " |")
    print("| --- " * len(modes) + "| --- |")
    try:
        for name, sql in QUERIES.items():
            times = {m: [] for m in modes}
            outputs = {}
            for _ in range(args.runs):
                for m in modes:
                    out = os.path.join(work, f"out-{m}.ndjson")
                    state = os.path.join(work, f"state-{m}")
                    shutil.rmtree(state, ignore_errors=True)
                    if os.path.exists(out):
                        os.remove(out)
                    cmd = [binary, "-i", data, "-o", out, sql]
                    if m != "none":
                        cmd[1:1] = ["--checkpoint", state, "--checkpoint-interval", m]
                    t0 = time.monotonic()
                    subprocess.run(cmd, check=True, stderr=subprocess.DEVNULL)
                    times[m].append(time.monotonic() - t0)
                    with open(out, "rb") as f:
                        outputs[m] = f.read()
            base = statistics.median(times["none"])
            cells = [f"{base:.2f} s ({size_mb / base:.0f} MB/s)"]
            for m in modes[1:]:
                t = statistics.median(times[m])
                same = "" if outputs[m] == outputs["none"] else ", OUTPUT DIFFERS"
                cells.append(f"{t:.2f} s ({(t / base - 1) * 100:+.1f}%{same})")
            print(f"| {name} | " + " | ".join(cells) + " |", flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
