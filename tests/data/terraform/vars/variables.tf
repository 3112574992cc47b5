variable "name" {
  type    = string
  default = "from-default"
}

variable "region" {
  default = "us-east-1"
}

variable "replicas" {
  type    = number
  default = 1
}

variable "from_tfvars" {
  type = string
}

variable "from_auto" {
  type    = string
  default = "default"
}

variable "secret" {
  type = string
}

variable "settings" {
  type = object({
    versioning = optional(bool, true)
    prefix     = optional(string)
  })
  default = {}
}

variable "cli_list" {
  type    = list(string)
  default = []
}
