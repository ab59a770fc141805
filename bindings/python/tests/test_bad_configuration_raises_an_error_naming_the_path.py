import os
import subprocess
import sys
from pathlib import Path

import pytest

import asynclog
from asynclog import _native


def test_a_bad_value_names_its_path_in_the_document() -> None:
    previous = _native.peek()
    with pytest.raises(asynclog.ConfigError) as info:
        asynclog.configure({"sinks": [{"type": "file", "path": "relative.log"}]})
    assert info.value.path == "sinks[0].path"
    assert str(info.value).startswith("sinks[0].path: ")
    assert _native.peek() is previous, "a refused configuration replaced the logger"


def test_an_unknown_key_names_the_key() -> None:
    with pytest.raises(asynclog.ConfigError) as info:
        asynclog.configure({"queue": {"capacityy": 10}})
    assert info.value.path == "queue.capacityy"
    assert "unknown key" in str(info.value)


def test_a_bad_file_names_the_file_and_the_path(tmp_path: Path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('level = "loud"\n')
    with pytest.raises(asynclog.ConfigError) as info:
        asynclog.configure(file=bad)
    assert info.value.file == str(bad)
    assert info.value.path == "level"
    assert str(bad) in str(info.value)


def test_a_missing_file_is_an_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(asynclog.ConfigError, match="cannot read the file"):
        asynclog.configure(file=tmp_path / "nope.json")


def test_a_bad_environment_override_names_the_variable() -> None:
    env = dict(os.environ, ASYNCLOG_QUEUE_CAPACITY="abc")
    code = (
        "import asynclog\n"
        "try:\n    asynclog.get_logger().info('x')\n"
        "except asynclog.ConfigError as e:\n    print(e.path)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert out.stdout.strip() == "ASYNCLOG_QUEUE_CAPACITY", out.stderr


def test_a_config_error_is_a_value_error() -> None:
    assert issubclass(asynclog.ConfigError, ValueError)
