variable "name" {
  type = string
}

variable "versioning" {
  type    = bool
  default = true
}
