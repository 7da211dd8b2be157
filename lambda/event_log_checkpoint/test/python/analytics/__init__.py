"""Tests of `checkpoint_analytics` (a package, so its module names stay unique under pytest)."""
