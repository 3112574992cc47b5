variable "name" {
  default = "web2"
}

resource "terraform_data" "keep" {
  input = {
    name = var.name
    tags = { Environment = "production" }
  }
}

resource "terraform_data" "gone2" {
  input = "bye"
}

resource "terraform_data" "each" {
  for_each = toset(["a", "b"])
  input    = { key = each.key, ref = terraform_data.keep.output }
}

resource "terraform_data" "counted" {
  count = 2
  input = terraform_data.each["a"].id
}

module "child" {
  source = "./mods/child"
  label  = "x-${var.name}"
}

module "many" {
  source   = "./mods/child"
  for_each = { one = 1 }
  label    = each.key
}
