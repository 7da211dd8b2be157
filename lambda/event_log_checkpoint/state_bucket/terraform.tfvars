# The state bucket of ../backend/{dev,staging,prod}.s3.tfbackend (terraform apply here reads this file).
bucket_name = "nacc-terraform-state"
region      = "us-east-1"
