#!/usr/bin/env bash
# Stops this checkout's dev container (it keeps its state; bin/start-devcontainer.sh resumes it).
# The devcontainer CLI has no stop command, so this asks Docker for the container it labelled.
set -euo pipefail
# shellcheck source=bin/lib/devcontainer.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/devcontainer.sh"
require_tools docker devcontainer

container="$(running_container)"
if [ -z "$container" ]; then
  say "no dev container is running for $DEVCONTAINER_ROOT"
  exit 0
fi
# shellcheck disable=SC2086 # one id per line: each is its own argument
docker stop $container > /dev/null
say "stopped."
