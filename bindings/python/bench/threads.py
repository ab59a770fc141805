"""Where a loaded server's time goes, thread by thread.

    python bench/threads.py [--stack h11] [--variants none,asynclog]
                            [--rounds 4] [--seconds 5] [--connections 32]

Serves each variant of bench/app.py with uvicorn as bench/run.py does
(all started at once, each stopped with SIGSTOP while another is loaded,
the order reversed every other round) and, around each wrk run, reads
for every thread of the server its CPU time (/proc/PID/task/TID/schedstat
and stat: user and system), minor page faults, context switches and
migrations, and for the machine the interrupts (/proc/interrupts: timer,
rescheduling, function call, TLB shootdown), CPU time by mode
(/proc/stat) and page faults (/proc/vmstat). Everything is divided by
the requests served and the medians over rounds are printed, one table
per variant, threads grouped by name. Needs wrk.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from run import Server  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK")


def thread_stats(pid: int) -> dict[str, dict[str, float]]:
    """Per thread name (threads of one name summed): CPU µs, user and
    system µs, minor faults, voluntary and involuntary switches,
    migrations."""
    out: dict[str, dict[str, float]] = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            comm = (task / "comm").read_text().strip()
            run_ns, _wait, _slices = (task / "schedstat").read_text().split()
            stat = (task / "stat").read_text()
            fields = stat[stat.rindex(")") + 2 :].split()
            status = (task / "status").read_text()
            sched = (task / "sched").read_text()
        except OSError:
            continue
        name = "event loop" if task.name == str(pid) else re.sub(r"\d+$", "", comm)
        vol = int(re.search(r"voluntary_ctxt_switches:\s*(\d+)", status).group(1))  # type: ignore[union-attr]
        invol = int(re.search(r"nonvoluntary_ctxt_switches:\s*(\d+)", status).group(1))  # type: ignore[union-attr]
        mig = int(re.search(r"se\.nr_migrations\s*:\s*(\d+)", sched).group(1))  # type: ignore[union-attr]
        row = out.setdefault(name, dict.fromkeys(
            ["cpu_us", "user_us", "sys_us", "minflt", "vol_cs", "invol_cs", "migrations"], 0.0))
        row["cpu_us"] += int(run_ns) / 1e3
        row["user_us"] += int(fields[11]) / TICK * 1e6
        row["sys_us"] += int(fields[12]) / TICK * 1e6
        row["minflt"] += int(fields[7])
        row["vol_cs"] += vol
        row["invol_cs"] += invol
        row["migrations"] += mig
    return out


def machine_stats() -> dict[str, float]:
    out: dict[str, float] = {}
    for line in Path("/proc/interrupts").read_text().splitlines():
        parts = line.split()
        if parts and parts[0].rstrip(":") in ("LOC", "RES", "CAL", "TLB"):
            out["irq_" + parts[0].rstrip(":")] = sum(int(p) for p in parts[1:] if p.isdigit())
    cpu = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    for name, v in zip(["user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal"], cpu):
        out["cpu_" + name + "_us"] = int(v) / TICK * 1e6
    vm = dict(line.split() for line in Path("/proc/vmstat").read_text().splitlines())
    for k in ("pgfault", "thp_fault_alloc", "pgfree"):
        out["vm_" + k] = int(vm.get(k, 0))
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    out["wrk_cpu_us"] = (ru.ru_utime + ru.ru_stime) * 1e6
    return out


def diff(a: dict[str, float], b: dict[str, float], n: int) -> dict[str, float]:
    return {k: (b[k] - a.get(k, 0.0)) / n for k in b}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--stack", default="h11")
    ap.add_argument("--variants", default="none,asynclog")
    ap.add_argument("--rounds", type=int, default=4)
    ap.add_argument("--seconds", type=int, default=5)
    ap.add_argument("--connections", type=int, default=32)
    args = ap.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("threads.py needs wrk")
    variants = args.variants.split(",")
    work = Path(tempfile.mkdtemp(prefix="asynclog-threads-"))
    servers: dict[str, Server] = {}
    per: dict[str, list[tuple[float, dict[str, dict[str, float]], dict[str, float]]]] = {
        v: [] for v in variants
    }
    try:
        for v in variants:
            servers[v] = Server(v, args.stack, work)
        for srv in servers.values():
            srv.load(2, args.connections)
        for rnd in range(args.rounds):
            for v in variants if rnd % 2 == 0 else variants[::-1]:
                srv = servers[v]
                srv.proc.send_signal(18)  # SIGCONT
                t0, m0 = thread_stats(srv.proc.pid), machine_stats()
                out = subprocess.run(
                    ["wrk", "-t1", f"-c{args.connections}", f"-d{args.seconds}s",
                     f"http://127.0.0.1:{srv.port}/items/7"],
                    capture_output=True, text=True, check=True).stdout
                t1, m1 = thread_stats(srv.proc.pid), machine_stats()
                srv.pause()
                n = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
                threads = {k: diff(t0.get(k, {}), t1[k], n) for k in t1}
                mach = diff(m0, m1, n)
                # CPU time on the machine that was neither the server's nor
                # wrk's: other work sharing the CPUs during the round.
                busy = sum(mach[f"cpu_{m}_us"] for m in ("user", "system", "irq", "softirq"))
                mach["others_us"] = busy - mach["wrk_cpu_us"] - sum(
                    t["cpu_us"] for t in threads.values())
                per[v].append((n / args.seconds, threads, mach))
                print(f"  {v} round {rnd + 1}: {n / args.seconds:,.0f} req/s, event loop "
                      f"{threads['event loop']['cpu_us']:.1f} us/request, others "
                      f"{mach['others_us']:.1f}", file=sys.stderr)
    finally:
        for srv in servers.values():
            srv.stop()
        shutil.rmtree(work, ignore_errors=True)

    for v in variants:
        rows = per[v]
        print(f"\n{v} ({args.stack}): {statistics.median(r[0] for r in rows):,.0f} req/s, "
              f"per request (medians of {len(rows)} rounds):")
        names = sorted({k for r in rows for k in r[1]})
        cols = ["cpu_us", "user_us", "sys_us", "minflt", "vol_cs", "invol_cs", "migrations"]
        print("| thread | " + " | ".join(cols) + " |")
        print("|---|" + "---:|" * len(cols))
        for name in names:
            vals = [statistics.median(r[1].get(name, {}).get(c, 0.0) for r in rows) for c in cols]
            print(f"| {name} | " + " | ".join(f"{x:.3f}" for x in vals) + " |")
        mkeys = list(rows[0][2])
        print("| machine | " + ", ".join(
            f"{k} {statistics.median(r[2][k] for r in rows):.3f}" for k in mkeys) + " |")


if __name__ == "__main__":
    main()
