"""Fault-injection tests: S3 misbehaving under the run (a package, so module names stay unique)."""
