resource "aws_sqs_queue" "q" {
  name = "q"
}

resource "aws_s3_bucket" "marked" {
  bucket = "marked"
  tags = {
    environment = "development"
  }
}
