# Terraform and provider versions, the remote state, and the one provider this root module
# configures. One deployment per environment: terraform.<env>.tfvars with backend/<env>.s3.tfbackend
# (bin/deploy ENV passes both; DEPLOY.md).
terraform {
  # 1.10: the S3 backend locks with a lock object beside the state (use_lockfile), no DynamoDB.
  required_version = ">= 1.10"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
  }

  # Partial configuration: bucket, key and region come from backend/<env>.s3.tfbackend
  # (terraform init -backend-config=backend/prod.s3.tfbackend); the state bucket is made by the
  # root module in state_bucket/.
  backend "s3" {
    use_lockfile = true
    encrypt      = true
  }
}

provider "aws" {
  region = var.region

  default_tags {
    tags = merge({ Service = local.base_name, Environment = var.environment }, var.tags)
  }
}
