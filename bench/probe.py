#!/usr/bin/env python3
"""Watches the machine while a benchmark runs, to explain the odd slow request.

    bench/probe.py watch <out.jsonl>                 until killed
    bench/probe.py explain <results.jsonl> <out.jsonl>

`watch` runs a 5 ms timer in its own process and writes a JSON line for every tick at
least 20 ms late ("stall": this process, unrelated to debrief, was not run, so the whole
machine or its CPU was held up), and, every 100 ms, one for any disk stall or stolen CPU
time in that window ("pressure": /proc/pressure/io "full", the time every runnable task
waited on I/O; /proc/stat "steal", time the hypervisor gave to another machine).

`explain` takes the "slow" lines `load run --slow-ms` printed and, for each slow request,
the probe's records that overlap it, then counts which explanation each request has:
the generator sent it late, the machine stalled, the hypervisor took 20 ms or more of CPU
in an overlapping 100 ms, the disk stalled, or none of these (the server itself).
"""

import json
import sys
import time

TICK = 0.005
STALL = 0.020
WINDOW = 0.1


def now_ms():
    return time.time() * 1000.0


def io_full_us():
    with open("/proc/pressure/io") as f:
        for line in f:
            if line.startswith("full"):
                return int(line.rsplit("total=", 1)[1])
    return 0


def steal_ticks():
    with open("/proc/stat") as f:
        fields = f.readline().split()
    # cpu user nice system idle iowait irq softirq steal ...
    return int(fields[8]) if len(fields) > 8 else 0


def watch(out_path):
    hz = 100  # USER_HZ on Linux
    with open(out_path, "w", buffering=1) as out:
        last_tick = time.monotonic()
        window_start = last_tick
        io0, steal0 = io_full_us(), steal_ticks()
        while True:
            time.sleep(TICK)
            t = time.monotonic()
            late = t - last_tick - TICK
            if late >= STALL:
                out.write(json.dumps({"kind": "stall", "at_unix_ms": round(now_ms() - late * 1000),
                                      "ms": round(late * 1000, 1)}) + "\n")
            last_tick = t
            if t - window_start >= WINDOW:
                io1, steal1 = io_full_us(), steal_ticks()
                io_ms = (io1 - io0) / 1000.0
                steal_ms = (steal1 - steal0) * 1000.0 / hz
                if io_ms >= 5 or steal_ms >= 10:
                    out.write(json.dumps({"kind": "pressure",
                                          "at_unix_ms": round(now_ms() - (t - window_start) * 1000),
                                          "window_ms": round((t - window_start) * 1000),
                                          "io_full_ms": round(io_ms, 1),
                                          "steal_ms": round(steal_ms, 1)}) + "\n")
                io0, steal0, window_start = io1, steal1, t


def explain(results_path, probe_path, late_send_ms=10.0):
    slow = [json.loads(l) for l in open(results_path) if '"kind":"slow"' in l]
    probe = [json.loads(l) for l in open(probe_path) if l.strip()]
    counts = {"generator sent it late": 0, "machine stalled": 0, "CPU stolen": 0,
              "disk stalled": 0, "none of these (the server)": 0}
    print("| due (UTC) | command | latency | sent late by | overlapping probe records | explanation |")
    print("|---|---|---|---|---|---|")
    for s in sorted(slow, key=lambda s: s["due_unix_ms"]):
        start, end = s["due_unix_ms"], s["due_unix_ms"] + s["latency_ms"]
        seen = []
        for p in probe:
            p_start = p["at_unix_ms"]
            p_end = p_start + p.get("ms", p.get("window_ms", 0))
            if p_start <= end and p_end >= start:
                seen.append(p)
        stalls = [p for p in seen if p["kind"] == "stall"]
        disk = [p for p in seen if p["kind"] == "pressure" and p["io_full_ms"] >= 5]
        stolen = [p for p in seen if p["kind"] == "pressure" and p["steal_ms"] >= 20]
        if s["send_lag_ms"] >= late_send_ms:
            why = "generator sent it late"
        elif stalls:
            why = "machine stalled"
        elif stolen:
            why = "CPU stolen"
        elif disk:
            why = "disk stalled"
        else:
            why = "none of these (the server)"
        counts[why] += 1
        described = "; ".join(
            f"stall {p['ms']} ms" if p["kind"] == "stall"
            else f"disk full-stall {p['io_full_ms']} ms, steal {p['steal_ms']} ms in {p['window_ms']} ms"
            for p in seen) or "none"
        due = time.strftime("%H:%M:%S", time.gmtime(start / 1000)) + f".{int(start % 1000):03d}"
        print(f"| {due} | {s['command']} | {s['latency_ms']:.1f} ms | {s['send_lag_ms']:.1f} ms "
              f"| {described} | {why} |")
    print()
    print(f"{len(slow)} slow request(s): " + ", ".join(f"{n} {k}" for k, n in counts.items()))
    stalls = [p for p in probe if p["kind"] == "stall"]
    disk = [p for p in probe if p["kind"] == "pressure"]
    print(f"probe, whole run: {len(stalls)} stall(s) of its 5 ms timer (longest "
          f"{max((p['ms'] for p in stalls), default=0)} ms); of its 100 ms windows, "
          f"{sum(p['io_full_ms'] >= 5 for p in disk)} with 5 ms or more of disk full-stall "
          f"(most {max((p['io_full_ms'] for p in disk), default=0)} ms) and "
          f"{sum(p['steal_ms'] >= 20 for p in disk)} with 20 ms or more of CPU stolen "
          f"(most {max((p['steal_ms'] for p in disk), default=0)} ms)")


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "watch":
        try:
            watch(sys.argv[2])
        except KeyboardInterrupt:
            pass
    elif len(sys.argv) == 4 and sys.argv[1] == "explain":
        explain(sys.argv[2], sys.argv[3])
    else:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
