//! The Terraform half of the generated corpus: root modules ("stacks") with
//! variables, locals, `for_each`, `count`, `dynamic` blocks and two local
//! modules each, one calling the other.
//!
//! A stack is [`FILES_PER_STACK`] files; terraform file `j` of the corpus is
//! part `j % FILES_PER_STACK` of stack `j / FILES_PER_STACK`, generated from
//! the stack's seed alone, so any prefix of the corpus is deterministic too (a
//! cut stack simply lacks its last files; a call to a module whose files are
//! missing is an unresolved module, as in a tree before `terraform init`).
//!
//! Every stack declares the same variables; their defaults (how many buckets,
//! services, databases, zones, instances) vary per stack, so the same files
//! expand to between a few dozen and a few hundred resource instances, with
//! good and bad settings for the AWS rules.

use super::{GeneratedFile, Rng, APPS};

/// Files of one stack, in corpus order.
pub const PARTS: [&str; FILES_PER_STACK] = [
    "main.tf",
    "variables.tf",
    "locals.tf",
    "outputs.tf",
    "modules/service/main.tf",
    "modules/service/variables.tf",
    "modules/service/outputs.tf",
    "modules/storage/main.tf",
    "modules/storage/variables.tf",
    "modules/storage/outputs.tf",
];
pub const FILES_PER_STACK: usize = 10;

/// Sizes of a stack's maps and counts, so a module can be made heavy on purpose.
#[derive(Clone, Copy, Debug)]
pub struct Shape {
    pub zones: usize,
    pub buckets: usize,
    pub services: usize,
    pub databases: usize,
    pub instances: usize,
    pub ingress_cidrs: usize,
}

impl Shape {
    fn random(rng: &mut Rng) -> Shape {
        Shape {
            zones: rng.range(2, 3),
            buckets: rng.range(1, 6),
            services: rng.range(1, 4),
            databases: rng.range(0, 2),
            instances: rng.range(0, 4),
            ingress_cidrs: rng.range(1, 4),
        }
    }
}

fn stack_rng(seed: u64, stack: usize) -> Rng {
    let mut r = Rng::new(seed ^ 0x7e44_a3c1 ^ (stack as u64).wrapping_mul(0x9fb2_1c65_1e98_df25));
    r.next_u64();
    r
}

/// The directory of stack `stack`, relative to the corpus root.
pub fn stack_dir(stack: usize) -> String {
    format!("terraform/team-{:02}/stack-{stack:04}", stack / 25)
}

/// Terraform file `j` of the corpus of `seed`.
pub fn file(seed: u64, j: usize) -> GeneratedFile {
    let stack = j / FILES_PER_STACK;
    let part = j % FILES_PER_STACK;
    let mut rng = stack_rng(seed, stack);
    let shape = Shape::random(&mut rng);
    let text = part_text(&mut rng, stack, part, &shape);
    GeneratedFile {
        path: format!("{}/{}", stack_dir(stack), PARTS[part]),
        text,
        documents: 0,
        terraform: true,
    }
}

/// Every file of one stack with the given shape (for a module made heavy on purpose).
pub fn stack(seed: u64, stack: usize, shape: &Shape) -> Vec<GeneratedFile> {
    (0..FILES_PER_STACK)
        .map(|part| {
            let mut rng = stack_rng(seed, stack);
            let _ = Shape::random(&mut rng);
            GeneratedFile {
                path: format!("{}/{}", stack_dir(stack), PARTS[part]),
                text: part_text(&mut rng, stack, part, shape),
                documents: 0,
                terraform: true,
            }
        })
        .collect()
}

/// The stack's facts every part agrees on, then the part itself from a
/// generator of its own.
fn part_text(rng: &mut Rng, stack: usize, part: usize, shape: &Shape) -> String {
    let s = Stack::new(rng, stack);
    let rng = &mut Rng::new(rng.next_u64() ^ (part as u64).wrapping_mul(0xc2b2_ae3d_27d4_eb4f));
    match part {
        0 => root_main(rng, &s),
        1 => root_variables(rng, &s, shape),
        2 => root_locals(rng),
        3 => root_outputs(),
        4 => service_main(rng),
        5 => service_variables(rng),
        6 => service_outputs(),
        7 => storage_main(rng),
        8 => storage_variables(),
        _ => storage_outputs(),
    }
}

struct Stack {
    name: String,
    team: usize,
    env: &'static str,
    region: &'static str,
    net: usize,
}

const ENVS: [&str; 4] = ["prod", "prod", "staging", "dev"];
const REGIONS: [&str; 4] = ["eu-west-1", "us-east-1", "eu-central-1", "ap-southeast-2"];

impl Stack {
    fn new(rng: &mut Rng, stack: usize) -> Stack {
        Stack {
            name: format!("{}-{stack:04}", rng.pick(APPS)),
            team: stack / 25,
            env: ENVS[rng.below(ENVS.len())],
            region: REGIONS[rng.below(REGIONS.len())],
            net: rng.below(250),
        }
    }
}

fn bool_of(rng: &mut Rng, p: usize) -> &'static str {
    if rng.percent(p) {
        "true"
    } else {
        "false"
    }
}

fn root_main(rng: &mut Rng, s: &Stack) -> String {
    let mut t = String::new();
    t.push_str("terraform {\n  required_version = \">= 1.5\"\n\n  required_providers {\n    aws = {\n      source  = \"hashicorp/aws\"\n      version = \"~> 5.40\"\n    }\n  }\n");
    if rng.percent(70) {
        t.push_str(&format!(
            "\n  backend \"s3\" {{\n    bucket         = \"tfstate-team-{:02}\"\n    key            = \"{}/terraform.tfstate\"\n    region         = \"{}\"\n    encrypt        = {}\n    dynamodb_table = \"terraform-locks\"\n  }}\n",
            s.team,
            s.name,
            s.region,
            bool_of(rng, 80)
        ));
    }
    t.push_str("}\n\n");
    t.push_str("provider \"aws\" {\n  region = var.region\n\n  default_tags {\n    tags = local.common_tags\n  }\n}\n\n");
    t.push_str("resource \"aws_vpc\" \"main\" {\n  cidr_block           = var.vpc_cidr\n  enable_dns_support   = true\n  enable_dns_hostnames = true\n\n  tags = {\n    Name = \"${local.prefix}-vpc\"\n  }\n}\n\n");
    t.push_str("resource \"aws_subnet\" \"public\" {\n  for_each = local.public_subnets\n\n  vpc_id                  = aws_vpc.main.id\n  cidr_block              = each.value\n  availability_zone       = each.key\n  map_public_ip_on_launch = true\n\n  tags = {\n    Name = \"${local.prefix}-public-${each.key}\"\n    Tier = \"public\"\n  }\n}\n\n");
    t.push_str("resource \"aws_subnet\" \"private\" {\n  for_each = local.private_subnets\n\n  vpc_id            = aws_vpc.main.id\n  cidr_block        = each.value\n  availability_zone = each.key\n\n  tags = {\n    Name = \"${local.prefix}-private-${each.key}\"\n    Tier = \"private\"\n  }\n}\n\n");
    t.push_str("resource \"aws_internet_gateway\" \"main\" {\n  vpc_id = aws_vpc.main.id\n}\n\n");
    t.push_str(if rng.percent(60) {
        "resource \"aws_nat_gateway\" \"main\" {\n  for_each = local.is_prod ? local.public_subnets : {}\n\n  subnet_id     = aws_subnet.public[each.key].id\n  allocation_id = aws_eip.nat[each.key].id\n}\n\nresource \"aws_eip\" \"nat\" {\n  for_each = local.is_prod ? local.public_subnets : {}\n\n  domain = \"vpc\"\n}\n\n"
    } else {
        "resource \"aws_nat_gateway\" \"main\" {\n  subnet_id     = aws_subnet.public[var.azs[0]].id\n  allocation_id = aws_eip.nat.id\n}\n\nresource \"aws_eip\" \"nat\" {\n  domain = \"vpc\"\n}\n\n"
    });
    t.push_str(&format!(
        "resource \"aws_cloudwatch_log_group\" \"flow\" {{\n  count = {}\n\n  name              = \"/vpc/${{local.prefix}}/flow\"\n  retention_in_days = {}\n  kms_key_id        = aws_kms_key.main.arn\n}}\n\n",
        if rng.percent(50) { "local.is_prod ? 1 : 0" } else { "1" },
        rng.pick(&["30", "90", "365", "0", "local.is_prod ? 365 : 7"])
    ));
    t.push_str("resource \"aws_flow_log\" \"main\" {\n  count = length(aws_cloudwatch_log_group.flow)\n\n  vpc_id          = aws_vpc.main.id\n  traffic_type    = \"ALL\"\n  log_destination = aws_cloudwatch_log_group.flow[count.index].arn\n  iam_role_arn    = \"arn:aws:iam::123456789012:role/flow-logs\"\n}\n\n");
    t.push_str(&format!(
        "resource \"aws_kms_key\" \"main\" {{\n  description             = \"${{local.prefix}} data key\"\n  deletion_window_in_days = {}\n  enable_key_rotation     = {}\n}}\n\n",
        rng.pick(&["7", "10", "30"]),
        if rng.percent(50) { "local.is_prod" } else { bool_of(rng, 70) }
    ));
    t.push_str(&format!(
        "resource \"aws_security_group\" \"edge\" {{\n  name        = \"${{local.prefix}}-edge\"\n  description = \"Edge traffic for ${{var.name}}\"\n  vpc_id      = aws_vpc.main.id\n\n  dynamic \"ingress\" {{\n    for_each = var.ingress_cidrs\n    content {{\n      description = \"HTTPS from ${{ingress.value}}\"\n      from_port   = 443\n      to_port     = 443\n      protocol    = \"tcp\"\n      cidr_blocks = [ingress.value]\n    }}\n  }}\n{}\n  egress {{\n    from_port   = 0\n    to_port     = 0\n    protocol    = \"-1\"\n    cidr_blocks = [\"0.0.0.0/0\"]\n  }}\n}}\n\n",
        if rng.percent(20) {
            "\n  ingress {\n    description = \"SSH\"\n    from_port   = 22\n    to_port     = 22\n    protocol    = \"tcp\"\n    cidr_blocks = [\"0.0.0.0/0\"]\n  }\n"
        } else {
            ""
        }
    ));
    t.push_str(&format!(
        "resource \"aws_instance\" \"bastion\" {{\n  count = var.instance_count\n\n  ami           = \"ami-{}\"\n  instance_type = \"{}\"\n  subnet_id     = aws_subnet.public[var.azs[count.index % length(var.azs)]].id\n\n  vpc_security_group_ids = [aws_security_group.edge.id]\n\n  metadata_options {{\n    http_tokens = \"{}\"\n  }}\n\n  root_block_device {{\n    volume_size = {}\n    encrypted   = {}\n  }}\n\n  tags = {{\n    Name = format(\"%s-bastion-%02d\", local.prefix, count.index)\n  }}\n}}\n\n",
        rng.hex(17),
        rng.pick(&["t3.micro", "t3.small", "m6i.large"]),
        rng.pick(&["required", "required", "optional"]),
        rng.pick(&[8, 20, 50]),
        bool_of(rng, 70)
    ));
    t.push_str("resource \"aws_ebs_volume\" \"data\" {\n  count = var.instance_count\n\n  availability_zone = var.azs[count.index % length(var.azs)]\n  size              = 100\n  type              = \"gp3\"\n  encrypted         = local.is_prod\n  kms_key_id        = local.is_prod ? aws_kms_key.main.arn : null\n}\n\n");
    t.push_str("module \"storage\" {\n  source   = \"./modules/storage\"\n  for_each = var.buckets\n\n  name        = local.bucket_names[each.key]\n  versioning  = each.value.versioning\n  kms_key_arn = each.value.kms ? aws_kms_key.main.arn : null\n  expire_days = each.value.expire_days\n  tags        = merge(local.common_tags, { Bucket = each.key })\n}\n\n");
    t.push_str("module \"service\" {\n  source   = \"./modules/service\"\n  for_each = var.services\n\n  name          = \"${local.prefix}-${each.key}\"\n  port          = each.value.port\n  replicas      = each.value.replicas\n  public        = each.value.public\n  vpc_id        = aws_vpc.main.id\n  subnet_ids    = [for s in aws_subnet.private : s.id]\n  log_retention = local.is_prod ? 365 : 14\n  tags          = local.common_tags\n}\n\n");
    t.push_str("resource \"aws_db_subnet_group\" \"main\" {\n  name       = \"${local.prefix}-db\"\n  subnet_ids = [for s in aws_subnet.private : s.id]\n}\n\n");
    t.push_str(&format!(
        "resource \"aws_db_instance\" \"main\" {{\n  for_each = var.databases\n\n  identifier              = \"${{local.prefix}}-${{each.key}}\"\n  engine                  = each.value.engine\n  engine_version          = each.value.engine == \"postgres\" ? \"16.3\" : \"8.0.36\"\n  instance_class          = each.value.instance_class\n  allocated_storage       = 50\n  max_allocated_storage   = 500\n  db_subnet_group_name    = aws_db_subnet_group.main.name\n  multi_az                = each.value.multi_az\n  storage_encrypted       = each.value.storage_encrypted\n  kms_key_id              = each.value.storage_encrypted ? aws_kms_key.main.arn : null\n  backup_retention_period = local.backup_retention\n  deletion_protection     = local.is_prod\n  publicly_accessible     = {}\n  username                = \"app_admin\"\n\n  manage_master_user_password   = true\n  monitoring_interval           = {}\n  performance_insights_enabled  = local.is_prod\n  iam_database_authentication_enabled = true\n\n  tags = {{\n    Name = \"${{local.prefix}}-${{each.key}}\"\n  }}\n}}\n",
        bool_of(rng, 10),
        rng.pick(&["0", "60", "local.is_prod ? 60 : 0"])
    ));
    t
}

fn root_variables(rng: &mut Rng, s: &Stack, shape: &Shape) -> String {
    let mut t = String::new();
    let var = |t: &mut String, name: &str, desc: &str, ty: &str, default: &str| {
        t.push_str(&format!(
            "variable \"{name}\" {{\n  description = \"{desc}\"\n  type        = {ty}\n  default     = {default}\n}}\n\n"
        ));
    };
    var(
        &mut t,
        "name",
        "Name of the stack; prefixes every resource name.",
        "string",
        &format!("\"{}\"", s.name),
    );
    t.push_str(&format!(
        "variable \"environment\" {{\n  description = \"Deployment environment.\"\n  type        = string\n  default     = \"{}\"\n\n  validation {{\n    condition     = contains([\"prod\", \"staging\", \"dev\"], var.environment)\n    error_message = \"The environment must be prod, staging or dev.\"\n  }}\n}}\n\n",
        s.env
    ));
    var(
        &mut t,
        "region",
        "AWS region.",
        "string",
        &format!("\"{}\"", s.region),
    );
    var(
        &mut t,
        "vpc_cidr",
        "CIDR block of the VPC.",
        "string",
        &format!("\"10.{}.0.0/16\"", s.net),
    );
    let zones: Vec<String> = ["a", "b", "c"]
        .iter()
        .take(shape.zones)
        .map(|z| format!("\"{}{z}\"", s.region))
        .collect();
    var(
        &mut t,
        "azs",
        "Availability zones to spread subnets over.",
        "list(string)",
        &format!("[{}]", zones.join(", ")),
    );
    let cidrs: Vec<String> = (0..shape.ingress_cidrs)
        .map(|i| {
            if i == 0 && rng.percent(25) {
                "\"0.0.0.0/0\"".to_string()
            } else {
                format!("\"{}.{}.0.0/16\"", 10 + rng.below(150), rng.below(255))
            }
        })
        .collect();
    var(
        &mut t,
        "ingress_cidrs",
        "Networks allowed to reach the edge security group.",
        "list(string)",
        &format!("[{}]", cidrs.join(", ")),
    );
    var(
        &mut t,
        "instance_count",
        "Bastion hosts.",
        "number",
        &shape.instances.to_string(),
    );
    let mut buckets = String::from("{\n");
    for i in 0..shape.buckets {
        let name = if i < 6 {
            ["logs", "assets", "backups", "exports", "uploads", "reports"][i].to_string()
        } else {
            format!("data-{i:03}")
        };
        buckets.push_str(&format!(
            "    {name} = {{\n      versioning  = {}\n      kms         = {}\n      expire_days = {}\n    }}\n",
            bool_of(rng, 60),
            bool_of(rng, 50),
            rng.pick(&[0, 30, 90, 365])
        ));
    }
    buckets.push_str("  }");
    var(
        &mut t,
        "buckets",
        "Buckets of the stack by short name.",
        "map(object({\n    versioning  = bool\n    kms         = bool\n    expire_days = number\n  }))",
        &buckets,
    );
    let mut services = String::from("{\n");
    for i in 0..shape.services {
        let name = if i < APPS.len() {
            APPS[(s.net + i) % APPS.len()].to_string()
        } else {
            format!("svc-{i:03}")
        };
        services.push_str(&format!(
            "    {name}-{i} = {{\n      port     = {}\n      replicas = {}\n      public   = {}\n    }}\n",
            8000 + i * 10 + rng.below(10),
            rng.range(1, 4),
            bool_of(rng, 40)
        ));
    }
    services.push_str("  }");
    var(
        &mut t,
        "services",
        "Services of the stack: port, replicas, whether internet facing.",
        "map(object({\n    port     = number\n    replicas = number\n    public   = bool\n  }))",
        &services,
    );
    let mut databases = String::from("{\n");
    for i in 0..shape.databases {
        databases.push_str(&format!(
            "    db{i} = {{\n      engine            = \"{}\"\n      instance_class    = \"{}\"\n      multi_az          = {}\n      storage_encrypted = {}\n    }}\n",
            rng.pick(&["postgres", "mysql"]),
            rng.pick(&["db.t4g.medium", "db.r6g.large"]),
            bool_of(rng, 50),
            bool_of(rng, 80)
        ));
    }
    databases.push_str("  }");
    var(
        &mut t,
        "databases",
        "RDS instances of the stack.",
        "map(object({\n    engine            = string\n    instance_class    = string\n    multi_az          = bool\n    storage_encrypted = bool\n  }))",
        &databases,
    );
    let mut tags = format!(
        "{{\n    Team       = \"team-{:02}\"\n    CostCenter = \"cc-{}\"\n",
        s.team,
        rng.range(100, 999)
    );
    if rng.percent(60) {
        tags.push_str(&format!(
            "    Owner      = \"team-{:02}@example.com\"\n",
            s.team
        ));
    }
    tags.push_str("  }");
    var(
        &mut t,
        "tags",
        "Tags added to every resource.",
        "map(string)",
        &tags,
    );
    t
}

fn root_locals(rng: &mut Rng) -> String {
    let mut t = String::from("locals {\n");
    t.push_str("  prefix  = \"${var.name}-${var.environment}\"\n  is_prod = var.environment == \"prod\"\n\n");
    t.push_str("  common_tags = merge(var.tags, {\n    Environment = var.environment\n    Stack       = var.name\n    ManagedBy   = \"terraform\"\n  })\n\n");
    t.push_str(
        "  public_subnets  = { for i, az in var.azs : az => cidrsubnet(var.vpc_cidr, 8, i) }\n",
    );
    t.push_str("  private_subnets = { for i, az in var.azs : az => cidrsubnet(var.vpc_cidr, 8, i + 100) }\n\n");
    t.push_str("  bucket_names      = { for k, v in var.buckets : k => lower(\"${local.prefix}-${k}\") }\n");
    t.push_str("  versioned_buckets = [for k, v in var.buckets : k if v.versioning]\n\n");
    t.push_str("  service_ports = flatten([\n    for name, svc in var.services : [\n      for p in [svc.port, svc.port + 1000] : {\n        service = name\n        port    = p\n      }\n    ]\n  ])\n\n");
    t.push_str(&format!(
        "  backup_retention = local.is_prod ? {} : {}\n",
        rng.pick(&[7, 14, 35]),
        rng.pick(&[0, 1, 3])
    ));
    t.push_str("}\n");
    t
}

fn root_outputs() -> String {
    "output \"vpc_id\" {\n  description = \"ID of the VPC.\"\n  value       = aws_vpc.main.id\n}\n\n\
output \"private_subnet_ids\" {\n  value = { for k, s in aws_subnet.private : k => s.id }\n}\n\n\
output \"bucket_arns\" {\n  value = { for k, m in module.storage : k => m.arn }\n}\n\n\
output \"service_endpoints\" {\n  value = { for k, m in module.service : k => m.endpoint }\n}\n\n\
output \"service_ports\" {\n  value = local.service_ports\n}\n"
        .to_string()
}

fn service_main(rng: &mut Rng) -> String {
    let mut t = String::new();
    t.push_str("locals {\n  ports = [var.port, var.port + 1000]\n}\n\n");
    t.push_str(&format!(
        "resource \"aws_lb\" \"this\" {{\n  count = var.public ? 1 : 0\n\n  name                       = substr(var.name, 0, 32)\n  internal                   = false\n  load_balancer_type         = \"application\"\n  subnets                    = var.subnet_ids\n  security_groups            = [aws_security_group.this.id]\n  drop_invalid_header_fields = {}\n  enable_deletion_protection = {}\n\n  access_logs {{\n    bucket  = module.artifacts.id\n    enabled = {}\n  }}\n}}\n\n",
        bool_of(rng, 70),
        bool_of(rng, 50),
        bool_of(rng, 60)
    ));
    let (protocol, port) = if rng.percent(75) {
        ("HTTPS", 443)
    } else {
        ("HTTP", 80)
    };
    t.push_str(&format!(
        "resource \"aws_lb_listener\" \"front\" {{\n  count = var.public ? 1 : 0\n\n  load_balancer_arn = aws_lb.this[0].arn\n  port              = {port}\n  protocol          = \"{protocol}\"\n{}\n  default_action {{\n    type             = \"forward\"\n    target_group_arn = aws_lb_target_group.this.arn\n  }}\n}}\n\n",
        if protocol == "HTTPS" {
            "  ssl_policy        = \"ELBSecurityPolicy-TLS13-1-2-2021-06\"\n  certificate_arn   = \"arn:aws:acm:eu-west-1:123456789012:certificate/abc\"\n"
        } else {
            ""
        }
    ));
    t.push_str("resource \"aws_lb_target_group\" \"this\" {\n  name     = substr(var.name, 0, 32)\n  port     = var.port\n  protocol = \"HTTP\"\n  vpc_id   = var.vpc_id\n\n  health_check {\n    path                = \"/healthz\"\n    interval            = 15\n    healthy_threshold   = 2\n    unhealthy_threshold = 3\n  }\n}\n\n");
    t.push_str("resource \"aws_security_group\" \"this\" {\n  name        = var.name\n  description = \"Traffic to ${var.name}\"\n  vpc_id      = var.vpc_id\n}\n\n");
    t.push_str("resource \"aws_security_group_rule\" \"ingress\" {\n  for_each = toset([for p in local.ports : tostring(p)])\n\n  type              = \"ingress\"\n  description       = \"Port ${each.value}\"\n  from_port         = tonumber(each.value)\n  to_port           = tonumber(each.value)\n  protocol          = \"tcp\"\n  cidr_blocks       = var.public ? [\"0.0.0.0/0\"] : [\"10.0.0.0/8\"]\n  security_group_id = aws_security_group.this.id\n}\n\n");
    t.push_str("resource \"aws_cloudwatch_log_group\" \"this\" {\n  name              = \"/service/${var.name}\"\n  retention_in_days = var.log_retention\n}\n\n");
    t.push_str(&format!(
        "resource \"aws_launch_template\" \"this\" {{\n  name_prefix   = \"${{var.name}}-\"\n  image_id      = \"ami-{}\"\n  instance_type = \"{}\"\n\n  metadata_options {{\n    http_endpoint = \"enabled\"\n    http_tokens   = \"{}\"\n  }}\n\n  block_device_mappings {{\n    device_name = \"/dev/xvda\"\n\n    ebs {{\n      volume_size = 30\n      volume_type = \"gp3\"\n      encrypted   = {}\n    }}\n  }}\n}}\n\n",
        rng.hex(17),
        rng.pick(&["t3.medium", "m6i.large", "c6i.xlarge"]),
        rng.pick(&["required", "required", "optional"]),
        bool_of(rng, 75)
    ));
    t.push_str("resource \"aws_autoscaling_group\" \"this\" {\n  name                = var.name\n  min_size            = var.replicas\n  max_size            = var.replicas * 3\n  desired_capacity    = var.replicas\n  vpc_zone_identifier = var.subnet_ids\n  target_group_arns   = [aws_lb_target_group.this.arn]\n\n  launch_template {\n    id      = aws_launch_template.this.id\n    version = \"$Latest\"\n  }\n\n  dynamic \"tag\" {\n    for_each = var.tags\n    content {\n      key                 = tag.key\n      value               = tag.value\n      propagate_at_launch = true\n    }\n  }\n}\n\n");
    t.push_str("module \"artifacts\" {\n  source = \"../storage\"\n\n  name        = \"${var.name}-artifacts\"\n  versioning  = true\n  kms_key_arn = null\n  expire_days = 30\n  tags        = var.tags\n}\n");
    t
}

fn service_variables(rng: &mut Rng) -> String {
    let mut t = String::new();
    for (name, ty, desc, default) in [
        ("name", "string", "Name of the service.", None),
        ("port", "number", "Port the service listens on.", None),
        (
            "replicas",
            "number",
            "Instances of the service.",
            Some("2".to_string()),
        ),
        (
            "public",
            "bool",
            "Whether the service is reachable from the internet.",
            Some("false".to_string()),
        ),
        ("vpc_id", "string", "VPC of the service.", None),
        (
            "subnet_ids",
            "list(string)",
            "Subnets the instances run in.",
            None,
        ),
        (
            "log_retention",
            "number",
            "Days the logs are kept.",
            Some(rng.pick(&["30", "90"]).to_string()),
        ),
        (
            "tags",
            "map(string)",
            "Tags of every resource.",
            Some("{}".to_string()),
        ),
    ] {
        t.push_str(&format!(
            "variable \"{name}\" {{\n  description = \"{desc}\"\n  type        = {ty}\n"
        ));
        if let Some(d) = default {
            t.push_str(&format!("  default     = {d}\n"));
        }
        t.push_str("}\n\n");
    }
    t
}

fn service_outputs() -> String {
    "output \"endpoint\" {\n  description = \"DNS name of the load balancer, when public.\"\n  value       = var.public ? aws_lb.this[0].dns_name : null\n}\n\n\
output \"security_group_id\" {\n  value = aws_security_group.this.id\n}\n\n\
output \"artifacts_bucket\" {\n  value = module.artifacts.id\n}\n"
        .to_string()
}

fn storage_main(rng: &mut Rng) -> String {
    let mut t = String::new();
    t.push_str("resource \"aws_s3_bucket\" \"this\" {\n  bucket = var.name\n\n  tags = merge(var.tags, {\n    Name = var.name\n  })\n}\n\n");
    t.push_str("resource \"aws_s3_bucket_versioning\" \"this\" {\n  count = var.versioning ? 1 : 0\n\n  bucket = aws_s3_bucket.this.id\n\n  versioning_configuration {\n    status = \"Enabled\"\n  }\n}\n\n");
    t.push_str("resource \"aws_s3_bucket_server_side_encryption_configuration\" \"this\" {\n  bucket = aws_s3_bucket.this.id\n\n  rule {\n    apply_server_side_encryption_by_default {\n      sse_algorithm     = var.kms_key_arn == null ? \"AES256\" : \"aws:kms\"\n      kms_master_key_id = var.kms_key_arn\n    }\n    bucket_key_enabled = var.kms_key_arn != null\n  }\n}\n\n");
    if rng.percent(80) {
        t.push_str(&format!(
            "resource \"aws_s3_bucket_public_access_block\" \"this\" {{\n  bucket = aws_s3_bucket.this.id\n\n  block_public_acls       = true\n  block_public_policy     = true\n  ignore_public_acls      = true\n  restrict_public_buckets = {}\n}}\n\n",
            bool_of(rng, 80)
        ));
    }
    t.push_str("resource \"aws_s3_bucket_lifecycle_configuration\" \"this\" {\n  count = var.expire_days > 0 ? 1 : 0\n\n  bucket = aws_s3_bucket.this.id\n\n  rule {\n    id     = \"expire\"\n    status = \"Enabled\"\n\n    filter {}\n\n    expiration {\n      days = var.expire_days\n    }\n\n    noncurrent_version_expiration {\n      noncurrent_days = 30\n    }\n  }\n}\n");
    t
}

fn storage_variables() -> String {
    "variable \"name\" {\n  description = \"Bucket name.\"\n  type        = string\n}\n\n\
variable \"versioning\" {\n  description = \"Keep old object versions.\"\n  type        = bool\n  default     = true\n}\n\n\
variable \"kms_key_arn\" {\n  description = \"KMS key for default encryption; null for SSE-S3.\"\n  type        = string\n  default     = null\n}\n\n\
variable \"expire_days\" {\n  description = \"Days after which objects expire; 0 keeps them.\"\n  type        = number\n  default     = 0\n}\n\n\
variable \"tags\" {\n  type    = map(string)\n  default = {}\n}\n"
        .to_string()
}

fn storage_outputs() -> String {
    "output \"id\" {\n  value = aws_s3_bucket.this.id\n}\n\n\
output \"arn\" {\n  value = aws_s3_bucket.this.arn\n}\n"
        .to_string()
}
