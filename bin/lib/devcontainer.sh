# shellcheck shell=bash
# Shared by bin/start-devcontainer.sh, bin/exec-in-devcontainer.sh, bin/terminal.sh and
# bin/stop-devcontainer.sh (sourced, not run). The dev container is .devcontainer/, run by the
# devcontainer CLI on Docker; each script checks for both before doing anything.

DEVCONTAINER_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"

say() { printf '%s: %s\n' "${0##*/}" "$*" >&2; }

# Docker must be installed and its daemon must answer.
docker_problem() {
  if ! command -v docker > /dev/null 2>&1; then
    echo "docker is not installed (or not on PATH). The dev container runs on Docker:" \
      "install Docker Desktop (macOS, Windows) or Docker Engine (Linux), then retry."
  elif ! docker info > /dev/null 2>&1; then
    echo "docker is installed but its daemon does not answer. Start Docker" \
      "(Docker Desktop, or 'sudo systemctl start docker' on Linux), then retry."
  fi
}

devcontainer_problem() {
  if ! command -v devcontainer > /dev/null 2>&1; then
    echo "the devcontainer CLI is not installed (or not on PATH). Install it with:" \
      "npm install -g @devcontainers/cli"
  fi
}

# require_tools docker|devcontainer...: names every missing tool, then exits 1 if any is missing.
require_tools() {
  local tool problem missing=0
  for tool in "$@"; do
    problem="$("${tool}_problem")"
    if [ -n "$problem" ]; then
      say "$problem"
      missing=1
    fi
  done
  [ "$missing" -eq 0 ] || exit 1
}

# The id of this checkout's running dev container (the CLI labels it with the folder), if any.
running_container() {
  docker ps --quiet --filter "label=devcontainer.local_folder=$DEVCONTAINER_ROOT"
}

require_running() {
  if [ -z "$(running_container)" ]; then
    say "the dev container is not running: start it with bin/start-devcontainer.sh"
    exit 1
  fi
}
