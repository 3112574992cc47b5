variable "encrypted" {}
resource "aws_db_instance" "this" {
  engine            = "postgres"
  storage_encrypted = var.encrypted
}
