variable "label" {}

resource "terraform_data" "inner" {
  input = {
    label   = var.label
    enabled = true
  }
}

module "grand" {
  source = "./grand"
  v      = terraform_data.inner.output
}
