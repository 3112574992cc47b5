module "a" {
  source     = "./modules/bucket"
  name       = "alpha"
  versioning = true
}

module "b" {
  source     = "./modules/bucket"
  name       = "beta"
  versioning = false
}

module "many" {
  source   = "./modules/bucket"
  for_each = toset(["x", "y"])
  name     = "many-${each.key}"
}

module "off" {
  source = "./modules/bucket"
  count  = 0
  name   = "off"
}

resource "aws_s3_bucket_policy" "uses_output" {
  bucket = module.a.bucket_name
  policy = module.b.bucket_arn
}
