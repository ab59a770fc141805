import json
import subprocess
import sys
from pathlib import Path

import pytest

PROGRAM = """
import sys, threading, asynclog
path, n = sys.argv[1], int(sys.argv[2])
asynclog.configure({"sinks": [{"type": "file", "path": path}],
                    "batch": {"max_delay_ms": 5000}})
log = asynclog.get_logger("exit")
def other():
    for i in range(n):
        log.info("from a thread", i=i)
t = threading.Thread(target=other)
t.start()
for i in range(n):
    log.info("pending at exit", i=i, pad="x" * 200)
t.join()
{ending}
"""


@pytest.mark.parametrize(
    "ending",
    [
        "",
        "raise SystemExit(3)",
        "import atexit; atexit.register(lambda: log.info('from a later atexit hook'))",
    ],
    ids=["falls-off-the-end", "system-exit", "atexit-hook-logs"],
)
def test_every_record_logged_before_exit_is_in_the_file(tmp_path: Path, ending: str) -> None:
    path = tmp_path / "out.ndjson"
    n = 50000
    out = subprocess.run(
        [sys.executable, "-c", PROGRAM.replace("{ending}", ending), str(path), str(n)],
        capture_output=True, text=True, timeout=120,
    )
    assert out.returncode in (0, 3), out.stderr
    lines = path.read_text().splitlines()
    hooks = 1 if "atexit" in ending else 0
    assert len(lines) == 2 * n + hooks
    main = [json.loads(x)["i"] for x in lines if '"pending at exit"' in x]
    thread = [json.loads(x)["i"] for x in lines if '"from a thread"' in x]
    assert main == list(range(n)) and thread == list(range(n))


def test_exit_with_an_unhandled_exception_still_drains(tmp_path: Path) -> None:
    path = tmp_path / "out.ndjson"
    code = (
        "import sys, asynclog\n"
        f"asynclog.configure({{'sinks': [{{'type': 'file', 'path': {str(path)!r}}}]}})\n"
        "log = asynclog.get_logger()\n"
        "for i in range(10000): log.info('x', i=i)\n"
        "raise RuntimeError('crash')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert out.returncode == 1 and "crash" in out.stderr
    assert len(path.read_text().splitlines()) == 10000
