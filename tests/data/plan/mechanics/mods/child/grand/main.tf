variable "v" {}

resource "terraform_data" "deep" {
  input            = var.v
  triggers_replace = [1, "two"]
}
