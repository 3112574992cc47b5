locals {
  a = local.b
  b = "${local.c}-x"
  c = local.a
  ok = "fine"
}

resource "aws_s3_bucket" "c" {
  bucket = local.a
  other  = local.ok
}

resource "aws_instance" "huge" {
  count         = 1000000
  instance_type = "t3.micro"
}

resource "aws_iam_user" "many" {
  for_each = toset([for i in range(1000) : "u${i}"])
  name     = each.key
}

resource "aws_instance" "self" {
  count = length(aws_instance.self)
}
