import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import asynclog
from asynclog import _native


def run(code: str, **env: str) -> subprocess.CompletedProcess[str]:
    full_env = {k: v for k, v in os.environ.items() if not k.startswith("ASYNCLOG_")}
    full_env.update(env)
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, env=full_env, timeout=60
    )


def test_without_configuration_records_go_to_stdout_as_ndjson_at_info() -> None:
    out = run(
        "import asynclog\n"
        "log = asynclog.get_logger('app')\n"
        "log.debug('hidden')\n"
        "log.info('shown', n=1)\n"
    )
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert len(lines) == 1
    record = json.loads(lines[0])
    assert record["msg"] == "shown" and record["n"] == 1 and record["level"] == "INFO"


def test_asynclog_level_overrides_the_default() -> None:
    out = run("import asynclog\nasynclog.get_logger().debug('now shown')\n", ASYNCLOG_LEVEL="debug")
    assert json.loads(out.stdout)["msg"] == "now shown"


def test_asynclog_config_names_a_file_read_on_first_use(tmp_path: Path) -> None:
    log_file = tmp_path / "out.ndjson"
    config = tmp_path / "asynclog.toml"
    config.write_text(f'level = "warn"\n[[sinks]]\ntype = "file"\npath = "{log_file}"\n')
    out = run(
        "import asynclog\nasynclog.configure()\nlog = asynclog.get_logger()\n"
        "log.info('no')\nlog.warning('yes')\n",
        ASYNCLOG_CONFIG=str(config),
    )
    assert out.returncode == 0, out.stderr
    assert [json.loads(x)["msg"] for x in log_file.read_text().splitlines()] == ["yes"]


def test_configure_takes_a_dict_with_keyword_overrides(tmp_path: Path) -> None:
    log_file = tmp_path / "out.ndjson"
    previous = _native.peek()
    try:
        asynclog.configure(
            {"level": "error"}, level="debug", name="svc",
            sinks=[{"type": "file", "path": str(log_file)}],
        )
        asynclog.get_logger().debug("debug now passes")
        assert asynclog.flush(5) == 0
        record = json.loads(log_file.read_text())
        assert record["logger"] == "svc" and record["msg"] == "debug now passes"
    finally:
        current = _native.install(previous)
        assert current is not None
        current.shutdown(5)


def test_configure_takes_json_or_toml_text_and_files(tmp_path: Path) -> None:
    for i, text in enumerate(
        [
            json.dumps({"name": "from-json", "sinks": [{"type": "capture", "name": "m"}]}),
            'name = "from-toml"\n[[sinks]]\ntype = "capture"\nname = "m"\n',
        ]
    ):
        path = tmp_path / f"c{i}.{'json' if i == 0 else 'toml'}"
        path.write_text(text)
        for root in (_native.Root.build(text=text), _native.Root.build(path=str(path))):
            assert root.name == ("from-json" if i == 0 else "from-toml")
            root.shutdown(1)


def test_a_config_and_a_file_together_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="not both"):
        asynclog.configure({}, file=tmp_path / "x.json")
