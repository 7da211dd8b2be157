"""python_aws_lambda_function and python_aws_lambda_layer for Pants 2.17 (2.18 added them)."""
