"""The hostile-input corpus and its one-run test (a package, so module names stay unique)."""
