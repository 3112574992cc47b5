resource "aws_s3_bucket" "leaf" {
  bucket = "leaf"
}
