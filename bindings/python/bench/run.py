"""Runs every benchmark and checks every output, in one run.

    bench/run.sh [--n N] [--repeat R] [--seconds S] [--connections C] [--stacks h11,standard]

Part 1, loggers: for each logger, R times, a subprocess runs
bench/loggers.py with N events; the output file is checked (N lines, each
a JSON object whose user_id values are 0..N-1 in order) and the per-call
cost (wall and CPU time of the calling thread per call) and end-to-end
rate (N / time until everything is written) are reported, as medians.

Part 2, HTTP: for each server stack (uvicorn with h11 and asyncio, and
with httptools and uvloop) and each variant of bench/app.py, a uvicorn
process on 127.0.0.1, all started at once and each stopped with SIGSTOP
while another is loaded. Each is warmed up, then loaded by wrk (or
bench/load.py) from another process for S seconds, in R rounds, the
order reversed every other round. Reported: requests/s (median) and the
microseconds per request each variant adds over "none", as the median
of the rounds' differences; each request log is checked to hold a line
for every request served.

Results go to bench/results/ as JSON, and a Markdown summary to stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
LOGGERS = ["asynclog", "stdlib", "structlog", "loguru", "fapilog"]
VARIANTS = ["none", "asynclog", "stdlib", "fapilog"]


def find_user_id(value: Any) -> Any:
    if isinstance(value, dict):
        if "user_id" in value:
            return value["user_id"]
        for v in value.values():
            found = find_user_id(v)
            if found is not None:
                return found
    return None


def output_lines(path: Path) -> list[str]:
    if path.is_dir():
        lines: list[str] = []
        for f in sorted(path.iterdir()):
            lines.extend(f.read_text().splitlines())
        return lines
    return path.read_text().splitlines()


def check_logger_output(path: Path, n: int) -> str:
    lines = output_lines(path)
    if len(lines) != n:
        return f"{len(lines)} lines of {n}"
    ids = [find_user_id(json.loads(line)) for line in lines]
    if ids != list(range(n)):
        return "user_id values out of order or missing"
    return "ok"


def bench_loggers(n: int, repeat: int, work: Path) -> list[dict[str, Any]]:
    rows = []
    for name in LOGGERS:
        runs = []
        for r in range(repeat):
            out = work / f"{name}-{r}"
            proc = subprocess.run(
                [sys.executable, str(HERE / "loggers.py"), name, str(n), str(out)],
                capture_output=True, text=True, timeout=1800,
            )
            if proc.returncode != 0:
                raise SystemExit(f"{name} failed:\n{proc.stderr}")
            result = json.loads(proc.stdout.strip().splitlines()[-1])
            result["check"] = check_logger_output(Path(result["output"]), n)
            runs.append(result)
            shutil.rmtree(out, ignore_errors=True)
            print(f"  {name} run {r + 1}: {result['calls_s'] / n * 1e6:.2f} us/call, "
                  f"{n / result['total_s']:,.0f} events/s, {result['check']}", file=sys.stderr)
        rows.append(
            {
                "logger": name,
                "n": n,
                "us_per_call": statistics.median(x["calls_s"] / n * 1e6 for x in runs),
                "cpu_us_per_call": statistics.median(x["cpu_s"] / n * 1e6 for x in runs),
                "events_per_s": statistics.median(n / x["total_s"] for x in runs),
                "checks": [x["check"] for x in runs],
                "runs": runs,
            }
        )
    return rows


def free_port() -> int:
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port: int = s.getsockname()[1]
    s.close()
    return port


def load(port: int, seconds: float, connections: int) -> tuple[int, float]:
    path = "/items/7"
    if shutil.which("wrk"):
        cmd = ["wrk", "-t1", f"-c{connections}", f"-d{max(1, round(seconds))}s", f"http://127.0.0.1:{port}{path}"]
    else:
        cmd = [sys.executable, str(HERE / "load.py"), "127.0.0.1", str(port), path,
               str(seconds), str(connections)]
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60)
    total = re.search(r"(\d+) requests in", run.stdout)
    rps = re.search(r"Requests/sec:\s*([\d.]+)", run.stdout)
    if not total or not rps:
        raise LoadFailed(
            f"{cmd[0]} exited with {run.returncode}; stdout: {run.stdout.strip()!r}; "
            f"stderr: {run.stderr.strip()!r}"
        )
    return int(total.group(1)), float(rps.group(1))


class LoadFailed(Exception):
    """The load generator gave no result: not a measurement."""


def count_log_lines(variant: str, log_dir: Path) -> int | None:
    if variant == "none":
        return None
    path = log_dir / ("fapilog" if variant == "fapilog" else f"{variant}.ndjson")
    if not path.exists():
        return 0
    return len(output_lines(path))


#: The server stacks: uvicorn as `pip install uvicorn` gives it (h11 and
#: asyncio), and as `uvicorn[standard]` (or `fastapi[standard]`) does.
STACKS = {
    "h11": ["--http", "h11", "--loop", "asyncio"],
    "standard": ["--http", "httptools", "--loop", "uvloop"],
}


class Server:
    """One variant of bench/app.py served by uvicorn, stopped (SIGSTOP)
    whenever it is not the one under load, so that the idle servers'
    own threads take no CPU from the measured one."""

    def __init__(self, variant: str, stack: str, work: Path) -> None:
        self.variant = variant
        self.port = free_port()
        self.log_dir = work / f"http-{stack}-{variant}"
        env = dict(os.environ, BENCH_VARIANT=variant, BENCH_LOG_DIR=str(self.log_dir))
        env["PYTHONPATH"] = str(HERE)
        # To a file, not a pipe: a server that stays up for the whole run
        # would block once a pipe nobody reads filled up.
        self.stderr = work / f"http-{stack}-{variant}.stderr"
        with self.stderr.open("wb") as err:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "uvicorn", "app:app", "--host", "127.0.0.1",
                 "--port", str(self.port), "--no-access-log", "--log-level", "warning",
                 *STACKS[stack]],
                env=env, cwd=HERE, stdout=subprocess.DEVNULL, stderr=err,
            )
        self.served = 0
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/items/1", timeout=1).read()
                self.served += 1
                break
            except OSError:
                if time.monotonic() > deadline or self.proc.poll() is not None:
                    self.stop()
                    raise SystemExit(f"uvicorn ({variant}, {stack}) did not start: "
                                     f"{self.stderr.read_text(errors='replace')}")
                time.sleep(0.1)
        self.pause()

    def pause(self) -> None:
        self.proc.send_signal(signal.SIGSTOP)

    def load(self, seconds: float, connections: int) -> float:
        """Requests/s under load for `seconds`. A load generator that gives
        no result is run once more (and said so) when the server is still
        up; a server that died stops the benchmark with its stderr."""
        for attempt in (1, 2):
            self.proc.send_signal(signal.SIGCONT)
            try:
                total, rps = load(self.port, seconds, connections)
            except LoadFailed as e:
                if self.proc.poll() is not None:
                    raise SystemExit(
                        f"uvicorn ({self.variant}) exited with {self.proc.returncode} under "
                        f"load: {self.stderr.read_text(errors='replace')}"
                    ) from e
                if attempt == 2:
                    raise SystemExit(f"the load generator failed twice on {self.variant}: {e}") from e
                print(f"  {self.variant}: the load generator failed ({e}); once more",
                      file=sys.stderr)
                continue
            finally:
                self.pause()
            self.served += total
            return rps
        raise AssertionError("not reached")

    def stop(self) -> int | None:
        """Shuts the server down (its lifespan drains the logger) and
        returns the request log's line count."""
        self.proc.send_signal(signal.SIGCONT)
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
        lines = count_log_lines(self.variant, self.log_dir)
        shutil.rmtree(self.log_dir, ignore_errors=True)
        return lines


def bench_http(
    stack: str, seconds: float, connections: int, repeat: int, work: Path
) -> list[dict[str, Any]]:
    """Every variant's server runs for the whole measurement; each round
    loads each in turn (the order reversed every other round, so a
    drifting machine favours none), and a variant's cost is the median
    over rounds of what it added to the request time against the server
    without logging in the same round."""
    servers: dict[str, Server] = {}
    rps: dict[str, list[float]] = {v: [] for v in VARIANTS}
    lines: dict[str, int | None] = {}
    try:
        # Inside the try: when one fails to start, those already up (and
        # paused) are still stopped.
        for v in VARIANTS:
            servers[v] = Server(v, stack, work)
        for srv in servers.values():
            srv.load(2, connections)  # warm-up
        for rnd in range(repeat):
            order = VARIANTS if rnd % 2 == 0 else VARIANTS[::-1]
            for v in order:
                r = servers[v].load(seconds, connections)
                rps[v].append(r)
                print(f"  {stack} {v} round {rnd + 1}: {r:,.0f} req/s", file=sys.stderr)
    finally:
        for v, srv in servers.items():
            lines[v] = srv.stop()
    rows = []
    for v in VARIANTS:
        added = [1e6 / a - 1e6 / b for a, b in zip(rps[v], rps["none"])]
        served = servers[v].served
        logged = lines[v]
        rows.append(
            {
                "stack": stack,
                "variant": v,
                "rps": statistics.median(rps[v]),
                "us_per_request": statistics.median(1e6 / r for r in rps[v]),
                "us_added": statistics.median(added),
                "us_added_rounds": added,
                "rps_rounds": rps[v],
                # wrk counts the responses it read; requests still in
                # flight when it stopped are served and logged too.
                "served_at_least": served,
                "log_lines": logged,
                "log_lines_ok": logged is None or logged >= served,
            }
        )
    return rows


def bench_middleware_cpu(work: Path) -> dict[str, float]:
    proc = subprocess.run(
        [sys.executable, str(HERE / "middleware_cpu.py"), "15", "1000", str(work / "mw")],
        capture_output=True, text=True, timeout=1800,
    )
    if proc.returncode != 0:
        raise SystemExit(f"middleware_cpu failed:\n{proc.stderr}")
    result: dict[str, float] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def machine() -> dict[str, Any]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpus": os.cpu_count(),
        "cpu": cpu,
        "python": platform.python_version(),
        "platform": platform.platform(),
        "load_generator": "wrk" if shutil.which("wrk") else "bench/load.py",
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--skip-http", action="store_true")
    ap.add_argument("--stacks", default="h11,standard",
                    help="server stacks to load, of: " + ", ".join(STACKS))
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="asynclog-bench-"))
    print("loggers:", file=sys.stderr)
    loggers = bench_loggers(args.n, args.repeat, work)
    http: list[dict[str, Any]] = []
    middleware_cpu: dict[str, float] = {}
    if not args.skip_http:
        print("middleware CPU in process:", file=sys.stderr)
        middleware_cpu = bench_middleware_cpu(work)
        print("http:", file=sys.stderr)
        for stack in args.stacks.split(","):
            http += bench_http(stack, args.seconds, args.connections, args.repeat, work)
    shutil.rmtree(work, ignore_errors=True)

    result: dict[str, Any] = {
        "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": machine(),
        "args": vars(args),
        "loggers": loggers,
        "middleware_cpu_us": middleware_cpu,
        "http": http,
    }
    results = HERE / "results"
    results.mkdir(exist_ok=True)
    out = results / f"{time.strftime('%Y-%m-%d-%H%M%S', time.gmtime())}.json"
    out.write_text(json.dumps(result, indent=2) + "\n")

    print(f"\nResults: {out.relative_to(HERE.parent)}\n")
    print(f"Machine: {result['machine']['cpus']} vCPU, {result['machine']['cpu']}, "
          f"Python {result['machine']['python']}\n")
    print(f"Loggers, {args.n:,} events each, median of {args.repeat} runs:\n")
    print("| logger | us per call (wall) | us per call (CPU) | events/s end to end | output check |")
    print("|---|---:|---:|---:|---|")
    for r in loggers:
        check = "ok" if all(c == "ok" for c in r["checks"]) else "; ".join(r["checks"])
        print(f"| {r['logger']} | {r['us_per_call']:.2f} | {r['cpu_us_per_call']:.2f} | "
              f"{r['events_per_s']:,.0f} | {check} |")
    stacks = list(dict.fromkeys(r["stack"] for r in http))
    for stack in stacks:
        print(f"\nFastAPI on uvicorn ({stack}: {' '.join(STACKS[stack])}), "
              f"{result['machine']['load_generator']} with {args.connections} connections, "
              f"{args.seconds:g} s a round, {args.repeat} rounds, medians:\n")
        print("| variant | requests/s | us per request | us added | us added by round | "
              "one log line per request |")
        print("|---|---:|---:|---:|---|---|")
        for r in http:
            if r["stack"] != stack:
                continue
            rounds = ", ".join(f"{x:.1f}" for x in r["us_added_rounds"])
            lines = "n/a" if r["log_lines"] is None else (
                "yes" if r["log_lines_ok"] else f"NO ({r['log_lines']} for {r['served_at_least']})")
            print(f"| {r['variant']} | {r['rps']:,.0f} | {r['us_per_request']:.1f} | "
                  f"{r['us_added']:.1f} | {rounds} | {lines} |")
    if middleware_cpu:
        base = middleware_cpu["none"]
        print("\nCPU time of the event loop's thread per request, ASGI called in process "
              "(least of 15 rounds of 1,000):\n")
        print("| variant | us per request | us added |")
        print("|---|---:|---:|")
        for v, us in middleware_cpu.items():
            print(f"| {v} | {us:.1f} | {us - base:.1f} |")


if __name__ == "__main__":
    main()
