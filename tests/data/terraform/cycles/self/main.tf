module "me" {
  source = "."
}

resource "aws_s3_bucket" "s" {
  bucket = "self"
}
