variable "enabled" {
  type    = bool
  default = false
}

variable "buckets" {
  default = {
    audit = { versioned = true }
    logs  = { versioned = false }
  }
}

resource "aws_s3_bucket" "never" {
  count  = 0
  bucket = "never"
}

resource "aws_s3_bucket" "maybe" {
  count  = var.enabled ? 1 : 0
  bucket = "maybe"
}

resource "aws_instance" "web" {
  count         = 2
  instance_type = "t3.micro"
  tags = {
    Name = "web-${count.index}"
  }
}

resource "aws_s3_bucket" "map" {
  for_each = var.buckets
  bucket   = "b-${each.key}"
}

resource "aws_s3_bucket_versioning" "map" {
  for_each = aws_s3_bucket.map
  bucket   = each.value.id

  versioning_configuration {
    status = var.buckets[each.key].versioned ? "Enabled" : "Suspended"
  }
}

resource "aws_iam_user" "set" {
  for_each = toset(["bob", "alice"])
  name     = each.value
}

data "aws_availability_zones" "all" {}

resource "aws_subnet" "unknown_count" {
  count             = length(data.aws_availability_zones.all.names)
  availability_zone = data.aws_availability_zones.all.names[count.index]
  cidr_block        = cidrsubnet("10.0.0.0/16", 8, count.index)
}

resource "aws_security_group" "sg" {
  name = "sg"

  dynamic "ingress" {
    for_each = [22, 443]
    iterator = port
    content {
      from_port   = port.value
      to_port     = port.value
      cidr_blocks = ["0.0.0.0/0"]
    }
  }

  ingress {
    from_port = 8080
    to_port   = 8080
  }

  dynamic "egress" {
    for_each = { all = "0.0.0.0/0" }
    content {
      description = egress.key
      cidr_blocks = [egress.value]
    }
  }
}

resource "aws_s3_bucket_policy" "ref" {
  bucket = aws_s3_bucket.map["audit"].id
  policy = jsonencode({ Resource = "${aws_instance.web[0].arn}/*" })
}

resource "aws_s3_bucket_public_access_block" "missing" {
}
