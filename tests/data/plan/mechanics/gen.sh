#!/bin/sh
# Regenerates plan.json with the real terraform binary (v1.11) and only
# built-in resources: apply a first version of the configuration (with
# `terraform_data.gone` and `var.name` = "web"), then plan the committed one
# (`gone` removed: a deletion; `name` = "web2": updates whose results are
# unknown until apply). Run from this directory.
set -eu
here=$(pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -r main.tf mods "$work"/
cd "$work"
sed -i 's/default = "web2"/default = "web"/' main.tf
cat >> main.tf <<'TF'
resource "terraform_data" "gone" {
  input = "bye"
}
TF
terraform init -input=false >/dev/null
terraform apply -auto-approve -input=false >/dev/null
cp "$here/main.tf" main.tf
terraform plan -input=false -out=plan.out >/dev/null
terraform show -json plan.out | python3 -m json.tool --indent 1 > "$here/plan.json"
