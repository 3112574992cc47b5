# Hostile on purpose: every construct here would explode without limits.
module "fan" {
  source   = "./fan"
  for_each = toset([for i in range(1000) : tostring(i)])
}

locals {
  cube = [for i in range(1000) : [for j in range(1000) : [for k in range(1000) : k]]]
  s0   = "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
  s1   = "${local.s0}${local.s0}${local.s0}${local.s0}${local.s0}${local.s0}${local.s0}${local.s0}"
  s2   = "${local.s1}${local.s1}${local.s1}${local.s1}${local.s1}${local.s1}${local.s1}${local.s1}"
  s3   = "${local.s2}${local.s2}${local.s2}${local.s2}${local.s2}${local.s2}${local.s2}${local.s2}"
  s4   = "${local.s3}${local.s3}${local.s3}${local.s3}${local.s3}${local.s3}${local.s3}${local.s3}"
  s5   = "${local.s4}${local.s4}${local.s4}${local.s4}${local.s4}${local.s4}${local.s4}${local.s4}"
  s6   = "${local.s5}${local.s5}${local.s5}${local.s5}${local.s5}${local.s5}${local.s5}${local.s5}"
  s7   = "${local.s6}${local.s6}${local.s6}${local.s6}${local.s6}${local.s6}${local.s6}${local.s6}"
  s8   = "${local.s7}${local.s7}${local.s7}${local.s7}${local.s7}${local.s7}${local.s7}${local.s7}"
  s9   = "${local.s8}${local.s8}${local.s8}${local.s8}${local.s8}${local.s8}${local.s8}${local.s8}"
}

resource "aws_security_group" "blocks" {
  name = "blocks"
  dynamic "ingress" {
    for_each = range(1000)
    content {
      dynamic "nested" {
        for_each = range(1000)
        content {
          port = nested.value
        }
      }
    }
  }
}

resource "aws_s3_bucket" "cube" {
  bucket = length(flatten(local.cube))
  big    = length(local.s9)
}
