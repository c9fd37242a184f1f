"""``pip install ./clients/python`` gives an importable registry_client and the
``registry-verify`` command, without the services beside it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

CLIENT = Path(__file__).resolve().parents[2] / "clients" / "python"


def test_the_client_installs_with_pip_and_runs_its_command(tmp_path):
    target, source = tmp_path / "site", tmp_path / "client"
    # From a copy: setuptools leaves build/ beside the sources it builds.
    shutil.copytree(CLIENT, source, ignore=shutil.ignore_patterns("build", "*.egg-info"))
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target),
         str(source)],
        check=True,
        timeout=600,
    )  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(target), "PYTHONSAFEPATH": "1"}
    where = subprocess.run(
        [sys.executable, "-c", "import registry_client.cli as c; print(c.__file__)"],
        cwd=tmp_path, env=env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert where.stdout.startswith(str(target))
    command = subprocess.run(
        [str(target / "bin" / "registry-verify"), "witness", "--help"],
        cwd=tmp_path, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert command.returncode == 0 and "--state" in command.stdout


def test_the_client_imports_nothing_of_the_services():
    for source in (CLIENT / "registry_client").rglob("*.py"):
        text = source.read_text()
        for line in text.splitlines():
            words = line.split()
            if words[:1] in (["import"], ["from"]) and len(words) > 1:
                assert words[1].split(".")[0] not in ("shared", "services", "tests"), source
