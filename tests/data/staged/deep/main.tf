# A directive above a block covers the whole block: the finding is three
# lines below it, so its scope comes from where the block ends.
# infra-lint:ignore AWS001 restored from an encrypted snapshot
resource "aws_db_instance" "deep" {
  engine            = "postgres"
  instance_class    = "db.t3.micro"
  storage_encrypted = false
}
