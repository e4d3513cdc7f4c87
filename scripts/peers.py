#!/usr/bin/env python3
"""Builds streamsql in release, runs the shared peer benchmark, prints README's Performance table.

    scripts/peers.py [peers.py options]      # e.g. --events 200000 --runs 1 --queries q1,q3
    scripts/peers.py --from-json FILE        # only print the table of an earlier --json FILE

Every option other than --from-json goes to ../shared/bench/peers.py unchanged (PEERS_PY names
another copy). Its own report is printed as it runs; then the results, read back from its
--json file (a temporary one unless you pass --json), are printed as the markdown table of
README.md's Performance section: per query streamsql's MB/s and peak RSS, and for each peer the
ratio of its time to streamsql's (above 1 means streamsql is faster).
"""
import json
import os
import shlex
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BINARY = ".build/release/streamsql"

QUERY_NAMES = {
    "q1": "Q1 filter + project",
    "q2": "Q2 tumbling 1 min per country",
    "q3": "Q3 sliding 2 min / 10 s, COUNT(DISTINCT)",
}
PEER_NAMES = {"duckdb1": "DuckDB, 1 thread", "duckdb2": "DuckDB, 2 threads", "jq": "jq"}
# Peers' memory is quoted where bounded memory is the point of the query.
PEER_RSS_QUERIES = {"q3"}


def megabytes(value):
    return "{:,.0f} MB".format(value)


def table(results):
    """The markdown table (and a line on the answers) for peers.py's --json results."""
    queries = []
    tools = []
    by_key = {}
    for r in results:
        if r["query"] not in queries:
            queries.append(r["query"])
        if r["tool"] != "streamsql" and r["tool"] not in tools:
            tools.append(r["tool"])
        by_key[(r["query"], r["tool"])] = r
    known = list(PEER_NAMES)
    tools.sort(key=lambda t: (known.index(t) if t in known else len(known), t))
    lines = [
        "| query | streamsql | " + " | ".join(PEER_NAMES.get(t, t) for t in tools) + " |",
        "| --- | --- | " + " | ".join("---" for _ in tools) + " |",
    ]
    for q in queries:
        own = by_key.get((q, "streamsql"))
        cells = [QUERY_NAMES.get(q, q)]
        if own:
            cells.append("%.0f MB/s, %s RSS" % (own["mb_s"], megabytes(own["rss_mb"])))
        else:
            cells.append("failed")
        for t in tools:
            r = by_key.get((q, t))
            if not r or r["ratio"] is None:
                cells.append("")
                continue
            cell = "%.2f" % r["ratio"]
            if q in PEER_RSS_QUERIES:
                cell += " (%s RSS)" % megabytes(r["rss_mb"])
            cells.append(cell)
        row = "| " + " | ".join(cells) + " |"
        while "|  |" in row:
            row = row.replace("|  |", "| |")
        lines.append(row)
    answers = {by_key[(q, "streamsql")]["answer"] for q in queries if (q, "streamsql") in by_key}
    if len(answers) == 1 and next(iter(answers)).startswith("same as"):
        lines.append("")
        lines.append('Every answer was "%s".' % next(iter(answers)))
    else:
        lines.append("")
        for q in queries:
            own = by_key.get((q, "streamsql"))
            answer = own["answer"] if own else "streamsql failed"
            lines.append("%s: %s" % (QUERY_NAMES.get(q, q), answer))
    return "\n".join(lines)


def main(argv):
    if argv[:1] == ["--from-json"]:
        if len(argv) != 2:
            sys.exit("usage: scripts/peers.py --from-json FILE")
        with open(argv[1]) as f:
            print(table(json.load(f)))
        return 0
    args = list(argv)
    temporary = None
    json_path = None
    # A --json path given here is relative to where the script was started, not to ROOT.
    for i, a in enumerate(args):
        if a == "--json" and i + 1 < len(args):
            json_path = args[i + 1] = os.path.abspath(args[i + 1])
        elif a.startswith("--json="):
            json_path = os.path.abspath(a[len("--json="):])
            args[i] = "--json=" + json_path
    default = os.path.join(ROOT, "..", "shared", "bench", "peers.py")
    peers = os.path.abspath(os.environ.get("PEERS_PY", default))
    if not os.path.exists(peers):
        sys.exit("scripts/peers.py: %s not found (set PEERS_PY)" % peers)
    os.chdir(ROOT)
    subprocess.run(["swift", "build", "-c", "release", "--product", "streamsql"], check=True)
    if json_path is None:
        temporary = tempfile.NamedTemporaryFile(
            prefix="streamsql-peers-", suffix=".json", delete=False)
        temporary.close()
        json_path = temporary.name
        args += ["--json", json_path]
    command = [sys.executable, peers, BINARY] + args
    try:
        subprocess.run(command, check=True)
        with open(json_path) as f:
            results = json.load(f)
    finally:
        if temporary:
            os.unlink(temporary.name)
    shown = ["python3", os.path.relpath(peers, ROOT), BINARY] + list(argv)
    print()
    print("Command: " + " ".join(shlex.quote(a) for a in shown))
    print()
    print(table(results))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
