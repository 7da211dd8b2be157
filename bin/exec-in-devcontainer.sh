#!/usr/bin/env bash
# Runs one command inside the running dev container, in the repository folder, e.g.
#   bin/exec-in-devcontainer.sh pants fix lint check test ::
#   bin/exec-in-devcontainer.sh pants package lambda/event_log_checkpoint/src/python/checkpoint_lambda::
set -euo pipefail
# shellcheck source=bin/lib/devcontainer.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/devcontainer.sh"
if [ "$#" -eq 0 ]; then
  say "usage: bin/exec-in-devcontainer.sh COMMAND [ARG...]"
  exit 2
fi
require_tools docker devcontainer
require_running

exec devcontainer exec --workspace-folder "$DEVCONTAINER_ROOT" "$@"
