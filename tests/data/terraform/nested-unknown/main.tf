# Known collections that hold values only known after apply (a security
# group id), as terraform-aws-eks passes its node groups.
resource "aws_security_group" "remote" {}

module "groups" {
  source = "./modules/groups"

  groups = {
    small = {
      min_size   = 1
      subnet_ids = [aws_security_group.remote.id]
    }
    large = {
      min_size = 3
    }
  }
}

locals {
  with_unknown = { a = aws_security_group.remote.id }
}

resource "aws_s3_bucket" "compare" {
  bucket = local.with_unknown != null ? "known-not-null" : "null"
  # Equal only when every element is: unknown.
  acl = local.with_unknown == { a = "x" } ? "same" : "different"
  # A null never equals a known collection, whatever it holds.
  bucket_prefix = local.with_unknown == null ? "null" : "not-null"
}
