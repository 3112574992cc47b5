provider "aws" {
  region = "eu-west-1"
  default_tags {
    tags = {
      Team = "platform"
      Env  = "staging"
    }
  }
}

module "svc" {
  source = "../../modules/svc"
}

resource "aws_s3_bucket" "tagged" {
  bucket = "tagged"
  tags = {
    Team = "override"
    Name = "tagged"
  }
}

resource "aws_s3_bucket" "untagged" {
  bucket = "untagged"
}
