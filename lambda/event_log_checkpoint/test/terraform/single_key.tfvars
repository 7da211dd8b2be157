# The single-object layout over any environment's tfvars (given after it, so it wins): used by the
# wiring tests and by bin/check-terraform's extra plan of that layout.
checkpoint_key          = "checkpoints/visit-events/checkpoint.parquet"
checkpoint_key_template = null
