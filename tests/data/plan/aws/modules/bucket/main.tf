variable "name" {
  type = string
}

variable "versioning" {
  type = string
}

resource "aws_s3_bucket" "this" {
  bucket = var.name
  tags = {
    Environment = "production"
  }
}

resource "aws_s3_bucket_versioning" "this" {
  bucket = aws_s3_bucket.this.id
  versioning_configuration {
    status = var.versioning
  }
}
