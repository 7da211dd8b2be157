"""The benchmark behind `./bin/bench`: SeaweedFS, a generated log, two baselines and ours."""
