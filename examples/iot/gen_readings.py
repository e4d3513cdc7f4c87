#!/usr/bin/env python3
"""Generate seeded IoT sensor readings as NDJSON, one reading per line.

    python3 gen_readings.py --count 1200 --sensors 4 --seed 1 > readings.ndjson
    python3 gen_readings.py --count 0 --rate 5 | mosquitto_pub -l -t sensors/readings

Each line looks like
    {"ts":"2026-11-26T08:00:01.000Z","sensor":"s1","temp":21.4,"humidity":40.2}

Event time starts at --start and moves on by --step seconds per reading (the sensors take
turns); up to --jitter seconds are added to each timestamp, so lines arrive slightly out of
order (a GRACE PERIOD larger than --jitter keeps every reading on time). --rate paces the
output in lines per second of wall-clock time (0: as fast as possible); --count 0 runs until
interrupted. The same arguments always give the same lines. Python standard library only.
"""
import argparse
import datetime
import json
import random
import sys
import time


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--count", type=int, default=1200, help="readings to write; 0 = endless (default 1200)")
    p.add_argument("--sensors", type=int, default=4, help="number of sensors s1..sN (default 4)")
    p.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    p.add_argument("--start", default="2026-11-26T08:00:00Z", help="event time of the first reading")
    p.add_argument("--step", type=float, default=1.0, help="event-time seconds between readings (default 1)")
    p.add_argument("--jitter", type=float, default=2.0, help="up to this many seconds added to each ts (default 2)")
    p.add_argument("--rate", type=float, default=0.0, help="lines per wall-clock second; 0 = unpaced (default)")
    a = p.parse_args()
    if a.sensors < 1 or a.count < 0 or a.step <= 0 or a.jitter < 0 or a.rate < 0:
        p.error("--sensors must be >= 1; --count, --jitter and --rate >= 0; --step > 0")

    rng = random.Random(a.seed)
    start = datetime.datetime.fromisoformat(a.start.replace("Z", "+00:00"))
    start_ms = int(start.timestamp() * 1000)
    names = [f"s{i + 1}" for i in range(a.sensors)]
    # Each sensor drifts around its own baseline.
    temp = {s: rng.uniform(18.0, 26.0) for s in names}
    humidity = {s: rng.uniform(35.0, 55.0) for s in names}

    began = time.monotonic()
    i = 0
    try:
        while a.count == 0 or i < a.count:
            s = names[i % len(names)]
            temp[s] = min(40.0, max(5.0, temp[s] + rng.gauss(0.0, 0.3)))
            humidity[s] = min(95.0, max(10.0, humidity[s] + rng.gauss(0.0, 0.5)))
            ms = start_ms + round(i * a.step * 1000) + round(rng.uniform(0.0, a.jitter) * 1000)
            ts = datetime.datetime.fromtimestamp(ms / 1000, tz=datetime.timezone.utc)
            reading = {
                "ts": ts.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z",
                "sensor": s,
                "temp": round(temp[s], 1),
                "humidity": round(humidity[s], 1),
            }
            sys.stdout.write(json.dumps(reading, separators=(",", ":")) + "\n")
            i += 1
            if a.rate > 0:
                sys.stdout.flush()
                delay = began + i / a.rate - time.monotonic()
                if delay > 0:
                    time.sleep(delay)
        sys.stdout.flush()
    except (BrokenPipeError, KeyboardInterrupt):
        return 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
