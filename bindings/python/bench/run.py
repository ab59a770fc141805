"""Runs every benchmark and checks every output, in one run.

    bench/run.sh [--n N] [--repeat R] [--seconds S] [--connections C]

Part 1, loggers: for each logger, R times, a subprocess runs
bench/loggers.py with N events; the output file is checked (N lines, each
a JSON object whose user_id values are 0..N-1 in order) and the per-call
cost (wall and CPU time of the calling thread per call) and end-to-end
rate (N / time until everything is written) are reported, as medians.

Part 2, HTTP: for each variant of bench/app.py, a uvicorn process on
127.0.0.1 is loaded by wrk (or bench/load.py) from another process:
a warm-up, then S seconds measured, R rounds interleaved. Reported:
requests/s (median) and the microseconds per request each variant adds
over "none"; each request log is checked to hold one line per request
served.

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
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=seconds + 60).stdout
    total = re.search(r"(\d+) requests in", out)
    rps = re.search(r"Requests/sec:\s*([\d.]+)", out)
    if not total or not rps:
        raise SystemExit(f"could not read the load generator's output:\n{out}")
    return int(total.group(1)), float(rps.group(1))


def count_log_lines(variant: str, log_dir: Path) -> int | None:
    if variant == "none":
        return None
    path = log_dir / ("fapilog" if variant == "fapilog" else f"{variant}.ndjson")
    if not path.exists():
        return 0
    return len(output_lines(path))


def serve_and_load(
    variant: str, seconds: float, connections: int, work: Path, rnd: int
) -> dict[str, Any]:
    port = free_port()
    log_dir = work / f"http-{variant}-{rnd}"
    env = dict(os.environ, BENCH_VARIANT=variant, BENCH_LOG_DIR=str(log_dir))
    env["PYTHONPATH"] = str(HERE)
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "app:app", "--host", "127.0.0.1",
         "--port", str(port), "--no-access-log", "--log-level", "warning"],
        env=env, cwd=HERE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/items/1", timeout=1).read()
                break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit(f"uvicorn ({variant}) did not start: "
                                     f"{server.stderr.read().decode() if server.stderr else ''}")
                time.sleep(0.1)
        warm, _ = load(port, 2, connections)
        total, rps = load(port, seconds, connections)
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(60)
        except subprocess.TimeoutExpired:
            server.kill()
    served = 1 + warm + total
    lines = count_log_lines(variant, log_dir)
    shutil.rmtree(log_dir, ignore_errors=True)
    return {"variant": variant, "rps": rps, "requests": total, "served_at_least": served,
            "log_lines": lines}


def bench_http(seconds: float, connections: int, repeat: int, work: Path) -> list[dict[str, Any]]:
    runs: dict[str, list[dict[str, Any]]] = {v: [] for v in VARIANTS}
    for rnd in range(repeat):
        for v in VARIANTS:
            r = serve_and_load(v, seconds, connections, work, rnd)
            runs[v].append(r)
            print(f"  {v} round {rnd + 1}: {r['rps']:,.0f} req/s, log lines {r['log_lines']}"
                  f" for at least {r['served_at_least']} requests", file=sys.stderr)
    base = statistics.median(r["rps"] for r in runs["none"])
    rows = []
    for v in VARIANTS:
        rps = statistics.median(r["rps"] for r in runs[v])
        rows.append(
            {
                "variant": v,
                "rps": rps,
                "us_per_request": 1e6 / rps,
                "us_added": 1e6 / rps - 1e6 / base,
                "log_lines_ok": all(
                    r["log_lines"] is None or r["log_lines"] >= r["served_at_least"]
                    for r in runs[v]
                ),
                "runs": runs[v],
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
    args = ap.parse_args()

    work = Path(tempfile.mkdtemp(prefix="asynclog-bench-"))
    print("loggers:", file=sys.stderr)
    loggers = bench_loggers(args.n, args.repeat, work)
    http = []
    middleware_cpu: dict[str, float] = {}
    if not args.skip_http:
        print("middleware CPU in process:", file=sys.stderr)
        middleware_cpu = bench_middleware_cpu(work)
        print("http:", file=sys.stderr)
        http = bench_http(args.seconds, args.connections, args.repeat, work)
    shutil.rmtree(work, ignore_errors=True)

    result = {
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
    if http:
        print(f"\nFastAPI on uvicorn, {result['machine']['load_generator']} with "
              f"{args.connections} connections, {args.seconds:g} s, median of {args.repeat}:\n")
        print("| variant | requests/s | us per request | us added | one log line per request |")
        print("|---|---:|---:|---:|---|")
        for r in http:
            lines = "n/a" if r["variant"] == "none" else ("yes" if r["log_lines_ok"] else "NO")
            print(f"| {r['variant']} | {r['rps']:,.0f} | {r['us_per_request']:.1f} | "
                  f"{r['us_added']:.1f} | {lines} |")
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
