"""The command line over both packages: `run` (the job) and `report` (the analysts' monthly report)."""
