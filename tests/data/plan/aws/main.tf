provider "aws" {
  region = "eu-west-1"
  default_tags {
    tags = {
      Owner      = "platform"
      CostCenter = "cc-42"
    }
  }
}

variable "encrypted" {
  type = bool
}

variable "rotate" {
  type = bool
}

variable "buckets" {
  type = map(string)
}

resource "aws_db_instance" "main" {
  engine            = "postgres"
  instance_class    = "db.t3.micro"
  storage_encrypted = var.encrypted
  multi_az          = false
  tags = {
    Environment = "production"
  }
}

module "storage" {
  source     = "./modules/bucket"
  for_each   = var.buckets
  name       = "acme-${each.key}"
  versioning = each.value
}

resource "aws_kms_key" "data" {
  enable_key_rotation = var.rotate
  tags = {
    Environment = "production"
  }
}

resource "aws_kms_key" "logs" {
  enable_key_rotation = false
  tags = {
    Environment = "production"
  }
}

resource "aws_ebs_volume" "new" {
  availability_zone = "eu-west-1a"
  size              = 10
  encrypted         = true
}

resource "aws_ebs_volume" "swap" {
  availability_zone = "eu-west-1a"
  size              = 20
  encrypted         = false
  tags = {
    Environment = "production"
  }
}
