//! Tagging rules: AWS071 required-tags.

use super::{attr, blocks, child, path};
use crate::model::{AttrPath, Node, Platform, Resource, Value};
use crate::rules::{Applies, Check, Ctx, Hit, Level, Rule, RuleMeta, Scope, Setting};

pub static REQUIRED_TAGS: Rule = Rule {
    meta: RuleMeta {
        id: "AWS071",
        slug: "required-tags",
        title: "AWS resources carry the required tags",
        level: Level::Note,
        security_severity: "3.0",
        scope: Scope::All,
        guide: "002 Cost Optimization \"Resource Tagging: Cost allocation\"; 004 Cost Optimization (owner, cost_center)",
        tags: &["cost", "governance", "terraform", "aws", "tagging"],
        rationale: "Cost allocation reports, budgets, incident routing and clean-up of orphaned resources all key on tags. A resource without an environment, an owner and a cost center cannot be charged back, paged for or safely deleted.",
        help: "Add the required tags (setting `required_tags`, default Environment, Owner, CostCenter), preferably once for every resource through the AWS provider's `default_tags`. Tag keys are compared ignoring case and `_`/`-`/spaces (so `cost_center` satisfies CostCenter) unless `exact_case` is set; an empty value counts as missing.\n\n**Bad**\n\n```hcl\nresource \"aws_instance\" \"worker\" {\n  ami           = data.aws_ami.al2023.id\n  instance_type = \"m6i.large\"\n  tags = {\n    Name = \"worker\"\n  }\n}\n```\n\n**Good**\n\n```hcl\nprovider \"aws\" {\n  region = \"eu-west-1\"\n  default_tags {\n    tags = {\n      Environment = \"production\"\n      Owner       = \"platform-team\"\n      CostCenter  = \"CC-1042\"\n    }\n  }\n}\n\nresource \"aws_instance\" \"worker\" {\n  ami           = data.aws_ami.al2023.id\n  instance_type = \"m6i.large\"\n  tags = {\n    Name = \"worker\"\n  }\n}\n```",
        settings: &[
            Setting {
                name: "required_tags",
                default: "[\"Environment\", \"Owner\", \"CostCenter\"]",
                help: "Tag keys every taggable AWS resource must carry.",
            },
            Setting {
                name: "exact_case",
                default: "false",
                help: "Compare tag keys exactly instead of ignoring case and `_`, `-`, spaces.",
            },
        ],
        // Every resource: the check keeps the taggable AWS ones (see below).
        applies: Applies::Any,
    },
    check: Check::Native(required_tags),
};

/// AWS resource types that take `tags` (and so the provider's
/// `default_tags`), sorted for a binary search: the common ones of each
/// service, with the IAM, listener, rule and object types that real modules
/// most often leave untagged. A resource of another `aws_*` type is checked when it
/// writes a `tags` argument, which proves it taggable; companion types
/// without tags (`aws_route`, `aws_iam_role_policy_attachment`, the
/// `aws_s3_bucket_*` configurations…) are never checked.
const TAGGABLE: &[&str] = &[
    "aws_accessanalyzer_analyzer",
    "aws_acm_certificate",
    "aws_alb",
    "aws_alb_listener",
    "aws_alb_listener_rule",
    "aws_alb_target_group",
    "aws_ami",
    "aws_ami_copy",
    "aws_api_gateway_api_key",
    "aws_api_gateway_client_certificate",
    "aws_api_gateway_domain_name",
    "aws_api_gateway_rest_api",
    "aws_api_gateway_stage",
    "aws_api_gateway_usage_plan",
    "aws_api_gateway_vpc_link",
    "aws_apigatewayv2_api",
    "aws_apigatewayv2_domain_name",
    "aws_apigatewayv2_stage",
    "aws_apigatewayv2_vpc_link",
    "aws_appautoscaling_target",
    "aws_appsync_graphql_api",
    "aws_athena_workgroup",
    "aws_autoscaling_group",
    "aws_backup_plan",
    "aws_backup_vault",
    "aws_batch_compute_environment",
    "aws_batch_job_definition",
    "aws_batch_job_queue",
    "aws_cloudformation_stack",
    "aws_cloudformation_stack_set",
    "aws_cloudfront_distribution",
    "aws_cloudtrail",
    "aws_cloudwatch_composite_alarm",
    "aws_cloudwatch_event_bus",
    "aws_cloudwatch_event_rule",
    "aws_cloudwatch_log_group",
    "aws_cloudwatch_metric_alarm",
    "aws_cloudwatch_metric_stream",
    "aws_codebuild_project",
    "aws_codecommit_repository",
    "aws_codedeploy_app",
    "aws_codepipeline",
    "aws_codestarconnections_connection",
    "aws_cognito_identity_pool",
    "aws_cognito_user_pool",
    "aws_config_aggregate_authorization",
    "aws_config_config_rule",
    "aws_config_configuration_aggregator",
    "aws_customer_gateway",
    "aws_datasync_task",
    "aws_dax_cluster",
    "aws_db_cluster_snapshot",
    "aws_db_event_subscription",
    "aws_db_instance",
    "aws_db_option_group",
    "aws_db_parameter_group",
    "aws_db_proxy",
    "aws_db_snapshot",
    "aws_db_subnet_group",
    "aws_default_network_acl",
    "aws_default_route_table",
    "aws_default_security_group",
    "aws_default_vpc",
    "aws_directory_service_directory",
    "aws_dms_endpoint",
    "aws_dms_replication_instance",
    "aws_docdb_cluster",
    "aws_docdb_cluster_instance",
    "aws_docdb_subnet_group",
    "aws_dynamodb_table",
    "aws_ebs_snapshot",
    "aws_ebs_volume",
    "aws_ec2_capacity_reservation",
    "aws_ec2_client_vpn_endpoint",
    "aws_ec2_fleet",
    "aws_ec2_host",
    "aws_ec2_managed_prefix_list",
    "aws_ec2_transit_gateway",
    "aws_ec2_transit_gateway_peering_attachment",
    "aws_ec2_transit_gateway_peering_attachment_accepter",
    "aws_ec2_transit_gateway_route_table",
    "aws_ec2_transit_gateway_vpc_attachment",
    "aws_ecr_public_repository",
    "aws_ecr_repository",
    "aws_ecs_capacity_provider",
    "aws_ecs_cluster",
    "aws_ecs_service",
    "aws_ecs_task_definition",
    "aws_ecs_task_set",
    "aws_efs_access_point",
    "aws_efs_file_system",
    "aws_egress_only_internet_gateway",
    "aws_eip",
    "aws_eks_access_entry",
    "aws_eks_addon",
    "aws_eks_cluster",
    "aws_eks_fargate_profile",
    "aws_eks_identity_provider_config",
    "aws_eks_node_group",
    "aws_eks_pod_identity_association",
    "aws_elastic_beanstalk_application",
    "aws_elastic_beanstalk_environment",
    "aws_elasticache_cluster",
    "aws_elasticache_parameter_group",
    "aws_elasticache_replication_group",
    "aws_elasticache_serverless_cache",
    "aws_elasticache_subnet_group",
    "aws_elasticache_user",
    "aws_elasticache_user_group",
    "aws_elasticsearch_domain",
    "aws_elb",
    "aws_emr_cluster",
    "aws_flow_log",
    "aws_fsx_lustre_file_system",
    "aws_fsx_ontap_file_system",
    "aws_fsx_openzfs_file_system",
    "aws_fsx_windows_file_system",
    "aws_globalaccelerator_accelerator",
    "aws_glue_crawler",
    "aws_glue_job",
    "aws_grafana_workspace",
    "aws_guardduty_detector",
    "aws_iam_instance_profile",
    "aws_iam_openid_connect_provider",
    "aws_iam_policy",
    "aws_iam_role",
    "aws_iam_saml_provider",
    "aws_iam_server_certificate",
    "aws_iam_service_linked_role",
    "aws_iam_user",
    "aws_imagebuilder_component",
    "aws_imagebuilder_distribution_configuration",
    "aws_imagebuilder_image_pipeline",
    "aws_imagebuilder_image_recipe",
    "aws_imagebuilder_infrastructure_configuration",
    "aws_instance",
    "aws_internet_gateway",
    "aws_key_pair",
    "aws_kinesis_analytics_application",
    "aws_kinesis_firehose_delivery_stream",
    "aws_kinesis_stream",
    "aws_kms_external_key",
    "aws_kms_key",
    "aws_kms_replica_external_key",
    "aws_kms_replica_key",
    "aws_lambda_function",
    "aws_launch_template",
    "aws_lb",
    "aws_lb_listener",
    "aws_lb_listener_rule",
    "aws_lb_target_group",
    "aws_lb_trust_store",
    "aws_memorydb_acl",
    "aws_memorydb_cluster",
    "aws_memorydb_parameter_group",
    "aws_memorydb_subnet_group",
    "aws_memorydb_user",
    "aws_mq_broker",
    "aws_msk_cluster",
    "aws_msk_serverless_cluster",
    "aws_mskconnect_connector",
    "aws_mwaa_environment",
    "aws_nat_gateway",
    "aws_neptune_cluster",
    "aws_neptune_cluster_instance",
    "aws_network_acl",
    "aws_network_interface",
    "aws_networkfirewall_firewall",
    "aws_networkfirewall_firewall_policy",
    "aws_networkfirewall_rule_group",
    "aws_opensearch_domain",
    "aws_opensearchserverless_collection",
    "aws_organizations_account",
    "aws_organizations_organizational_unit",
    "aws_pipes_pipe",
    "aws_placement_group",
    "aws_prometheus_scraper",
    "aws_prometheus_workspace",
    "aws_rds_cluster",
    "aws_rds_cluster_endpoint",
    "aws_rds_cluster_instance",
    "aws_rds_cluster_parameter_group",
    "aws_rds_reserved_instance",
    "aws_redshift_cluster",
    "aws_redshift_subnet_group",
    "aws_redshiftserverless_namespace",
    "aws_redshiftserverless_workgroup",
    "aws_rolesanywhere_profile",
    "aws_rolesanywhere_trust_anchor",
    "aws_route53_health_check",
    "aws_route53_resolver_endpoint",
    "aws_route53_resolver_rule",
    "aws_route53_zone",
    "aws_route_table",
    "aws_s3_bucket",
    "aws_s3_bucket_object",
    "aws_s3_object",
    "aws_sagemaker_domain",
    "aws_sagemaker_endpoint",
    "aws_sagemaker_endpoint_configuration",
    "aws_sagemaker_model",
    "aws_sagemaker_notebook_instance",
    "aws_scheduler_schedule_group",
    "aws_secretsmanager_secret",
    "aws_security_group",
    "aws_service_discovery_http_namespace",
    "aws_service_discovery_private_dns_namespace",
    "aws_service_discovery_public_dns_namespace",
    "aws_service_discovery_service",
    "aws_servicecatalog_portfolio",
    "aws_sfn_activity",
    "aws_sfn_state_machine",
    "aws_shield_protection",
    "aws_signer_signing_profile",
    "aws_sns_topic",
    "aws_spot_instance_request",
    "aws_sqs_queue",
    "aws_ssm_activation",
    "aws_ssm_document",
    "aws_ssm_maintenance_window",
    "aws_ssm_parameter",
    "aws_ssm_patch_baseline",
    "aws_storagegateway_gateway",
    "aws_subnet",
    "aws_synthetics_canary",
    "aws_transfer_server",
    "aws_transfer_user",
    "aws_vpc",
    "aws_vpc_dhcp_options",
    "aws_vpc_endpoint",
    "aws_vpc_endpoint_service",
    "aws_vpc_ipam",
    "aws_vpc_ipam_pool",
    "aws_vpc_peering_connection",
    "aws_vpc_peering_connection_accepter",
    "aws_vpc_security_group_egress_rule",
    "aws_vpc_security_group_ingress_rule",
    "aws_vpclattice_service",
    "aws_vpclattice_service_network",
    "aws_vpn_connection",
    "aws_vpn_gateway",
    "aws_wafv2_ip_set",
    "aws_wafv2_regex_pattern_set",
    "aws_wafv2_rule_group",
    "aws_wafv2_web_acl",
    "aws_workspaces_workspace",
    "aws_xray_group",
    "aws_xray_sampling_rule",
];

/// AWS071. The tags a resource carries are `tags_all` (the provider's
/// `default_tags` merged with `tags`) when present, else `tags`; for
/// `aws_autoscaling_group`, which takes no `default_tags`, the keys of its
/// `tag` blocks (and of the legacy `tags` list). An unknown tags map, or an
/// unknown key in it, passes; an unknown value counts as present. One
/// finding per resource lists every missing tag.
///
/// Location: the `tags` (ASG: `tag`) argument when written, else the header.
fn required_tags(ctx: &Ctx, r: &Resource, out: &mut Vec<Hit>) {
    if r.platform != Platform::Terraform || !r.kind.starts_with("aws_") {
        return;
    }
    let writes_tags = r.attributes.get("tags").is_some();
    if !writes_tags && TAGGABLE.binary_search(&&*r.kind).is_err() {
        return;
    }
    let Some(present) = tag_keys(r) else {
        return;
    };
    let exact = ctx.settings.bool(ctx.rule, "exact_case");
    // Compared without building normalized copies: this runs on every AWS
    // resource of a tree.
    let same = |a: &str, b: &str| {
        if exact {
            a == b
        } else {
            same_loose(a, b)
        }
    };
    let required = ctx.settings.get(ctx.rule, "required_tags");
    let missing: Vec<&str> = required
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
        .iter()
        .filter_map(serde_json::Value::as_str)
        .filter(|t| !present.iter().any(|k| same(k, t)))
        .collect();
    if missing.is_empty() {
        return;
    }
    let at = if &*r.kind == "aws_autoscaling_group" && attr(r, "tag").is_some() {
        path(&["tag"])
    } else if attr(r, "tags").is_some() {
        path(&["tags"])
    } else {
        AttrPath::root()
    };
    out.push(Hit::new(
        at,
        format!(
            "{} lacks the required tag{} {}",
            r.address,
            if missing.len() == 1 { "" } else { "s" },
            missing.join(", ")
        ),
    ));
}

/// A tag key as compared unless `exact_case`: lower case, without `_`, `-`
/// and spaces.
fn loose(key: &str) -> impl Iterator<Item = char> + '_ {
    key.chars()
        .filter(|c| !matches!(c, '_' | '-' | ' '))
        .flat_map(char::to_lowercase)
}

/// Whether two tag keys are the same [`loose`]ly; bytewise for ASCII keys
/// (nearly all), which skips Unicode lower-casing on every AWS resource.
fn same_loose(a: &str, b: &str) -> bool {
    if !(a.is_ascii() && b.is_ascii()) {
        return loose(a).eq(loose(b));
    }
    let mut x = a.bytes().filter(|c| !matches!(c, b'_' | b'-' | b' '));
    let mut y = b.bytes().filter(|c| !matches!(c, b'_' | b'-' | b' '));
    loop {
        match (x.next(), y.next()) {
            (None, None) => return true,
            (Some(p), Some(q)) if p.eq_ignore_ascii_case(&q) => {}
            _ => return false,
        }
    }
}

/// The keys of the tags a resource carries with a non-empty value; `None`
/// when they cannot be known.
fn tag_keys(r: &Resource) -> Option<Vec<&str>> {
    if &*r.kind == "aws_autoscaling_group" {
        let mut keys = Vec::new();
        let legacy = attr(r, "tags");
        if legacy.is_some_and(Node::is_unknown) {
            return None;
        }
        let items = attr(r, "tag")
            .map(Node::items)
            .unwrap_or_default()
            .iter()
            .chain(legacy.map(Node::items).unwrap_or_default());
        for t in items {
            let k = child(t, "key")?.as_str()?;
            if has_value(child(t, "value")) {
                keys.push(k);
            }
        }
        // `dynamic "tag"` over an unknown collection: the keys are unknown.
        if blocks(&r.attributes, "tag").iter().any(Node::is_unknown) {
            return None;
        }
        return Some(keys);
    }
    let tags = attr(r, "tags_all").or_else(|| attr(r, "tags"));
    match tags.map(|n| &n.value) {
        None => Some(Vec::new()),
        Some(Value::Map(entries)) => Some(
            entries
                .iter()
                .filter(|e| has_value(Some(&e.value)))
                .map(|e| &*e.key)
                .collect(),
        ),
        Some(_) => None,
    }
}

/// A tag value that says something: unknown, or a non-empty scalar.
fn has_value(v: Option<&Node>) -> bool {
    match v.map(|n| &n.value) {
        None | Some(Value::Null) => false,
        Some(Value::Unknown) => true,
        Some(Value::Str(s)) => !s.trim().is_empty(),
        Some(_) => true,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn taggable_types_are_sorted_for_binary_search() {
        assert!(super::TAGGABLE.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn loose_keys_ignore_case_and_separators() {
        let same = |a: &str, b: &str| {
            let fast = super::same_loose(a, b);
            assert_eq!(fast, super::loose(a).eq(super::loose(b)), "{a} ~ {b}");
            fast
        };
        assert!(same("cost_center", "CostCenter"));
        assert!(same("Cost Center", "cost-center"));
        assert!(!same("Owner", "Owners"));
        assert!(!same("Owners", "Owner"));
        assert!(same("Ünit", "ünit"));
        assert!(!same("Owner", "Ówner"));
        assert!(same("", "_-"));
    }
}
