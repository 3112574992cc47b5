module "naming" {
  source = "../naming"
  base   = var.name
}

resource "aws_s3_bucket" "b" {
  bucket = module.naming.full
}

resource "aws_s3_bucket_versioning" "b" {
  bucket = aws_s3_bucket.b.id
  versioning_configuration {
    status = var.versioning ? "Enabled" : "Disabled"
  }
}

output "bucket_name" {
  value = module.naming.full
}

output "bucket_arn" {
  value = aws_s3_bucket.b.arn
}
