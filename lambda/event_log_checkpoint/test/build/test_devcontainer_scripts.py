"""The dev container scripts refuse clearly without Docker or the devcontainer CLI, and otherwise
hand this checkout to the devcontainer CLI.

No Docker engine runs on the machines that test this: each script runs with PATH reduced to a
folder of basic tools, plus, where a case needs them, small fakes of `docker` and `devcontainer`
that record how they were called.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[4]
SCRIPTS = ("start-devcontainer.sh", "exec-in-devcontainer.sh", "terminal.sh", "stop-devcontainer.sh")
BASIC_TOOLS = ("bash", "dirname", "cat", "env")
NO_DOCKER = "docker is not installed"
NO_DAEMON = "daemon does not answer"
NO_CLI = "npm install -g @devcontainers/cli"
CONTAINER_ID = "0123456789ab"


@dataclass(frozen=True)
class Sandbox:
    bin: Path
    calls: Path

    def add_docker(self, *, daemon_up: bool = True, running: bool = False) -> None:
        ps_output = f"echo {CONTAINER_ID}" if running else ":"
        self._fake(
            "docker",
            f"""case "$1" in
  info) exit {0 if daemon_up else 1} ;;
  ps) {ps_output} ;;
esac""",
        )

    def add_devcontainer(self) -> None:
        self._fake("devcontainer", "exit 0")

    def run(self, script: str, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(REPO_ROOT / "bin" / script), *args],
            env={"PATH": str(self.bin), "HOME": str(self.bin.parent)},
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )

    def recorded(self) -> list[str]:
        return self.calls.read_text(encoding="utf-8").splitlines() if self.calls.exists() else []

    def _fake(self, name: str, body: str) -> None:
        path = self.bin / name
        path.write_text(f'#!/bin/sh\necho "{name} $*" >> "{self.calls}"\n{body}\n', encoding="utf-8")
        path.chmod(0o755)


@pytest.fixture
def sandbox(tmp_path: Path) -> Sandbox:
    folder = tmp_path / "bin"
    folder.mkdir()
    for tool in BASIC_TOOLS:
        found = shutil.which(tool, path=os.environ.get("PATH") or "/usr/bin:/bin")  # Pants' sandbox may set no PATH
        assert found, f"{tool} is needed to run the scripts"
        (folder / tool).symlink_to(found)
    return Sandbox(bin=folder, calls=tmp_path / "calls.log")


@pytest.mark.parametrize("script", SCRIPTS)
def test_without_docker_or_cli_names_both_and_fails(sandbox: Sandbox, script: str) -> None:
    result = sandbox.run(script, "true")
    assert result.returncode == 1
    assert NO_DOCKER in result.stderr
    assert NO_CLI in result.stderr


@pytest.mark.parametrize("script", SCRIPTS)
def test_without_the_cli_says_how_to_install_it(sandbox: Sandbox, script: str) -> None:
    sandbox.add_docker()
    result = sandbox.run(script, "true")
    assert result.returncode == 1
    assert NO_CLI in result.stderr
    assert NO_DOCKER not in result.stderr
    assert not [call for call in sandbox.recorded() if call.startswith("docker") and "info" not in call]


@pytest.mark.parametrize("script", SCRIPTS)
def test_with_docker_stopped_says_so(sandbox: Sandbox, script: str) -> None:
    sandbox.add_docker(daemon_up=False)
    sandbox.add_devcontainer()
    result = sandbox.run(script, "true")
    assert result.returncode == 1
    assert NO_DAEMON in result.stderr
    assert not [call for call in sandbox.recorded() if call.startswith("devcontainer")]


def test_start_brings_up_this_checkout(sandbox: Sandbox) -> None:
    sandbox.add_docker()
    sandbox.add_devcontainer()
    result = sandbox.run("start-devcontainer.sh")
    assert result.returncode == 0, result.stderr
    assert f"devcontainer up --workspace-folder {REPO_ROOT}" in sandbox.recorded()


def test_exec_runs_the_command_in_the_running_container(sandbox: Sandbox) -> None:
    sandbox.add_docker(running=True)
    sandbox.add_devcontainer()
    result = sandbox.run("exec-in-devcontainer.sh", "pants", "test", "::")
    assert result.returncode == 0, result.stderr
    assert f"devcontainer exec --workspace-folder {REPO_ROOT} pants test ::" in sandbox.recorded()


@pytest.mark.parametrize("script", ["exec-in-devcontainer.sh", "terminal.sh"])
def test_exec_and_terminal_ask_to_start_a_stopped_container(sandbox: Sandbox, script: str) -> None:
    sandbox.add_docker(running=False)
    sandbox.add_devcontainer()
    result = sandbox.run(script, "pants", "--version")
    assert result.returncode == 1
    assert "start it with bin/start-devcontainer.sh" in result.stderr
    assert not [call for call in sandbox.recorded() if call.startswith("devcontainer")]


def test_exec_without_a_command_shows_usage(sandbox: Sandbox) -> None:
    result = sandbox.run("exec-in-devcontainer.sh")
    assert result.returncode == 2
    assert "usage:" in result.stderr


def test_stop_stops_the_labelled_container(sandbox: Sandbox) -> None:
    sandbox.add_docker(running=True)
    sandbox.add_devcontainer()
    result = sandbox.run("stop-devcontainer.sh")
    assert result.returncode == 0, result.stderr
    calls = sandbox.recorded()
    assert f"docker ps --quiet --filter label=devcontainer.local_folder={REPO_ROOT}" in calls
    assert f"docker stop {CONTAINER_ID}" in calls
