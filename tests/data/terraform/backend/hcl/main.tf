terraform {
  required_version = ">= 1.6"

  backend "s3" {
    bucket  = "acme-terraform-state"
    key     = "network/terraform.tfstate"
    region  = "eu-west-1"
    encrypt = false
    # Not allowed by Terraform; read as unknown.
    role_arn = var.state_role
  }
}

variable "state_role" {
  default = "arn:aws:iam::123456789012:role/state"
}

module "child" {
  source = "./modules/child"
}
