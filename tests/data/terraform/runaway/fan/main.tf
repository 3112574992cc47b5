module "leaf" {
  source   = "../leaf"
  for_each = toset([for i in range(1000) : tostring(i)])
}
