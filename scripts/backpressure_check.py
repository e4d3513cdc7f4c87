#!/usr/bin/env python3
"""Backpressure at full size (issue 5): 2 GB of NDJSON flow into streamsql while the consumer of
its output stops reading for 5 seconds. Every row must arrive and peak RSS must stay small.

    swift build -c release && python3 scripts/backpressure_check.py [.build/release/streamsql] [GB]

The test suite runs the same check at 64 MB on the debug build (SinksTests); this is the size the
issue names, for a release build.
"""
import subprocess
import sys
import threading
import time

binary = sys.argv[1] if len(sys.argv) > 1 else ".build/release/streamsql"
gigabytes = float(sys.argv[2]) if len(sys.argv) > 2 else 2.0
line = (b'{"ts":"2026-11-26T08:00:00.123Z","user_id":"u48213","event":"purchase",'
        b'"url":"/checkout/42","status":200,"amount":12.5}\n')
lines = int(gigabytes * 1024**3) // len(line)
proc = subprocess.Popen([binary, "SELECT user_id, url, status FROM stdin"],
                        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
peak_kb = 0


def feed():
    block = line * 8192
    sent = 0
    while sent < lines:
        k = min(8192, lines - sent)
        proc.stdin.write(block if k == 8192 else line * k)
        sent += k
    proc.stdin.close()


def watch():
    global peak_kb
    while proc.poll() is None:
        try:
            with open(f"/proc/{proc.pid}/status") as f:
                for entry in f:
                    if entry.startswith("VmHWM"):
                        peak_kb = max(peak_kb, int(entry.split()[1]))
        except OSError:
            pass
        time.sleep(0.2)


feeder = threading.Thread(target=feed)
watcher = threading.Thread(target=watch)
feeder.start()
watcher.start()
time.sleep(5)  # the consumer stops reading for 5 seconds
rows = 0
while chunk := proc.stdout.read(1 << 20):
    rows += chunk.count(b"\n")
proc.wait()
feeder.join()
watcher.join()
ok = rows == lines and proc.returncode == 0 and peak_kb < 200 * 1024
print(f"lines in {lines}, rows out {rows}, peak RSS {peak_kb // 1024} MB, exit {proc.returncode}: "
      + ("ok" if ok else "FAILED"))
sys.exit(0 if ok else 1)
