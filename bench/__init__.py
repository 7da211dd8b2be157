"""The benchmark behind `./bin/bench` (issue 6): SeaweedFS, a generated log, two baselines and ours."""
