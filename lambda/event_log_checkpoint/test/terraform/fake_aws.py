"""A stand-in for the `aws` CLI's few `lambda` commands that bin/promote uses, over a JSON state file.

The state (FAKE_AWS_STATE) holds the aliases, each version's description and what an invocation
answers; every call is appended to FAKE_AWS_CALLS as one JSON list of its arguments. It answers
as the real CLI does: `--query X --output text` prints the field alone; `invoke` writes the
function's answer to the outfile and prints the invocation's metadata.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import Any


def _options(args: list[str]) -> tuple[dict[str, str], list[str]]:
    options: dict[str, str] = {}
    positional: list[str] = []
    index = 0
    while index < len(args):
        if args[index].startswith("--"):
            options[args[index][2:]] = args[index + 1]
            index += 2
        else:
            positional.append(args[index])
            index += 1
    return options, positional


def _print(value: Any, options: dict[str, str]) -> None:
    if "query" in options:
        value = value[options["query"]]
    print(value if options.get("output") == "text" else json.dumps(value))


def main() -> int:
    state_file = Path(os.environ["FAKE_AWS_STATE"])
    with Path(os.environ["FAKE_AWS_CALLS"]).open("a", encoding="utf-8") as calls:
        calls.write(json.dumps(sys.argv[1:]) + "\n")
    state = json.loads(state_file.read_text(encoding="utf-8"))
    service, command, *rest = sys.argv[1:]
    assert service == "lambda", service
    options, positional = _options(rest)
    assert options["function-name"] == state["function"], f"no function {options['function-name']}"
    if command == "get-alias":
        alias = state["aliases"][options["name"]]
        _print({"FunctionVersion": alias["version"], "Description": alias["description"]}, options)
    elif command == "get-function-configuration":
        _print({"Description": state["descriptions"][options["qualifier"]]}, options)
    elif command == "update-alias":
        state["aliases"][options["name"]] = {
            "version": options["function-version"],
            "description": options.get("description", ""),
        }
        state_file.write_text(json.dumps(state), encoding="utf-8")
        _print({"Name": options["name"], "FunctionVersion": options["function-version"]}, options)
    elif command == "invoke":
        if state.get("invoke_refused"):
            print(state["invoke_refused"], file=sys.stderr)
            return 254
        Path(positional[0]).write_text(json.dumps(state["response"]), encoding="utf-8")
        metadata: dict[str, Any] = {"StatusCode": 200, "ExecutedVersion": options["qualifier"]}
        if state.get("function_error"):
            metadata["FunctionError"] = state["function_error"]
        print(json.dumps(metadata))
    else:
        print(f"fake aws: no command {command}", file=sys.stderr)
        return 252
    return 0


if __name__ == "__main__":
    sys.exit(main())
