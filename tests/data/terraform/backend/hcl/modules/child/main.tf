# A backend in a called module is ignored by Terraform.
terraform {
  backend "s3" {
    bucket = "ignored"
  }
}

resource "aws_s3_bucket" "child" {
  bucket = "child"
}
