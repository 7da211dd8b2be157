output "bucket" {
  description = "The state bucket: put it in ../backend/<env>.s3.tfbackend as `bucket`."
  value       = aws_s3_bucket.state.bucket
}

output "bucket_arn" {
  description = "ARN of the state bucket, for the deployers' IAM policies."
  value       = aws_s3_bucket.state.arn
}
