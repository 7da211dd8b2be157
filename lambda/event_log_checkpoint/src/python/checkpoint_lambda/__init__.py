"""Turns the NACC visit event log on S3 into one parquet checkpoint, incrementally."""
