variable "base" {
  type = string
}

output "full" {
  value = "acme-${var.base}"
}
