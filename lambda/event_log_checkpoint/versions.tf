# Terraform and provider versions, and the one provider this root module configures.
# One environment per tfvars file or workspace: see terraform.tfvars.example and DEPLOY.md.
terraform {
  required_version = ">= 1.5"

  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "~> 6.0"
    }
  }
}

provider "aws" {
  region = var.region

  default_tags {
    tags = merge({ Service = local.service_name }, var.tags)
  }
}
