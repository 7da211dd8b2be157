#!/usr/bin/env bash
# Builds (first time) and starts the dev container for this checkout: Python 3.12, Pants 2.29,
# Terraform, AWS CLI. Extra arguments go to `devcontainer up` (e.g. --remove-existing-container).
set -euo pipefail
# shellcheck source=bin/lib/devcontainer.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/devcontainer.sh"
require_tools docker devcontainer

devcontainer up --workspace-folder "$DEVCONTAINER_ROOT" "$@"
say "running. Next: bin/exec-in-devcontainer.sh pants test ::   or   bin/terminal.sh"
