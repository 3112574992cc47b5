module "vpc" {
  source  = "terraform-aws-modules/vpc/aws"
  version = "5.0.0"

  name            = "main"
  cidr            = "10.0.0.0/16"
  azs             = ["eu-west-1a", "eu-west-1b"]
  private_subnets = [for i in range(2) : cidrsubnet("10.0.0.0/16", 8, i)]
}

module "vpc_flow" {
  source = "git::https://example.com/flow.git"
  vpc_id = module.vpc.vpc_id
}

resource "aws_flow_log" "f" {
  vpc_id = module.vpc.vpc_id
}
