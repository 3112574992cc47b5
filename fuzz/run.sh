#!/usr/bin/env bash
# Run every fuzz target for SECONDS (default 900) each, two at a time, and
# print one line per target: duration, executions, crashes. Seeds come from
# the repository's fixtures (see README.md here). Needs cargo-fuzz; on a
# stable toolchain RUSTC_BOOTSTRAP=1 lets it pass its -Z flags.
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:-900}
targets=(yaml_ingest hcl_ingest terraform_eval pipeline)
export RUSTC_BOOTSTRAP=1
cargo fuzz build -s none >/dev/null

seed() {
  local t=$1 dir=corpus/$1 i=0
  mkdir -p "$dir"
  case $t in
    yaml_ingest) find ../fixtures ../examples -name '*.yaml' -o -name '*.yml' ;;
    hcl_ingest|terraform_eval) find ../fixtures -name '*.tf' ;;
    pipeline) find ../fixtures -name '*.tf' -o -name '*.yaml' ;;
  esac | sort | while read -r f; do
    i=$((i + 1))
    case $t in
      # The pipeline target's first byte picks the file kind.
      pipeline) { case $f in *.tf) printf '\001' ;; *) printf '\000' ;; esac; cat "$f"; } >"$dir/seed-$i" ;;
      *) cp "$f" "$dir/seed-$i" ;;
    esac
  done
}

run() {
  local t=$1
  seed "$t"
  mkdir -p logs artifacts/"$t"
  cargo fuzz run -s none "$t" -- -max_total_time="$seconds" -rss_limit_mb=4096 \
    -timeout=30 -print_final_stats=1 >"logs/$t.log" 2>&1 || true
  local execs crashes
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "logs/$t.log" | grep -o '[0-9]*$' || echo "?")
  crashes=$(find artifacts/"$t" -type f | wc -l)
  echo "$t ${seconds}s executions=$execs crashes=$crashes"
}

for ((i = 0; i < ${#targets[@]}; i += 2)); do
  run "${targets[i]}" &
  run "${targets[i + 1]}" &
  wait
done
