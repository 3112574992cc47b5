locals {
  prefix = "${var.name}-${var.region}"
  tags = {
    Name        = local.prefix
    Environment = "dev"
  }
}

resource "aws_s3_bucket" "this" {
  bucket = local.prefix
  tags   = local.tags

  replicas    = var.replicas
  from_tfvars = var.from_tfvars
  from_auto   = var.from_auto
  secret      = var.secret
  versioning  = var.settings.versioning
  cli_list    = var.cli_list
}
