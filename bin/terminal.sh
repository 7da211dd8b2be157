#!/usr/bin/env bash
# Opens an interactive shell inside the running dev container, in the repository folder.
set -euo pipefail
# shellcheck source=bin/lib/devcontainer.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/devcontainer.sh"
require_tools docker devcontainer
require_running

exec devcontainer exec --workspace-folder "$DEVCONTAINER_ROOT" bash -l
