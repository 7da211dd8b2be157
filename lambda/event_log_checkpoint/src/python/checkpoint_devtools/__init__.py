"""Developer tools beside the Lambda (not shipped in it): sample event logs, a local S3, the demo."""
