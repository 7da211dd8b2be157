variable "bucket_name" {
  description = "Name of the state bucket: the `bucket` of ../backend/<env>.s3.tfbackend."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$", var.bucket_name))
    error_message = "bucket_name must be an S3 bucket name."
  }
}

variable "region" {
  description = "Region of the state bucket: the `region` of ../backend/<env>.s3.tfbackend."
  type        = string
  default     = "us-east-1"
}

variable "noncurrent_state_days" {
  description = "Days an overwritten state version is kept (the ten newest are kept whatever their age)."
  type        = number
  default     = 365

  validation {
    condition     = var.noncurrent_state_days >= 1
    error_message = "noncurrent_state_days must be at least 1."
  }
}

variable "tags" {
  description = "Tags added to every resource here, beside Service = terraform-state."
  type        = map(string)
  default     = {}
}
