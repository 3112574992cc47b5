variable "groups" {
  type = map(object({
    min_size   = optional(number)
    subnet_ids = optional(list(string))
  }))
  default = null
}

resource "aws_eks_node_group" "this" {
  for_each = var.groups != null ? var.groups : {}

  scaling_config {
    min_size = each.value.min_size
  }
}
