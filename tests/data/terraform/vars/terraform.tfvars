from_tfvars = "tfvars"
from_auto   = "tfvars"
replicas    = "2"
