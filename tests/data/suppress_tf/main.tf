# infra-lint:ignore AWS001 legacy db, migrating in Q1
resource "aws_db_instance" "legacy" {
  engine = "postgres"
}

resource "aws_db_instance" "trailing" {
  engine            = "postgres"
  storage_encrypted = false # infra-lint:ignore AWS001
}

resource "aws_db_instance" "above" {
  engine = "postgres"
  // infra-lint:ignore AWS001
  storage_encrypted = false
}

# infra-lint:ignore AWS001 reporting module is encrypted by the account default
module "reporting" {
  source    = "./modules/db"
  encrypted = false
}

module "orders" {
  source    = "./modules/db"
  encrypted = false
}

resource "aws_s3_bucket" "archive" {
  bucket = "archive"
  # infra-lint:ignore TEST001 versioning is handled by the backup vault
  versioning {
    enabled = false
  }
}

resource "aws_s3_bucket" "media" {
  bucket = "media"
  versioning {
    enabled = false
  }
}
