#!/usr/bin/env bash
# infra-lint and Checkov side by side on the same trees, one after the other,
# with /usr/bin/time -v (wall time and peak RSS). See benches/README.md.
#
#   benches/compare-checkov.sh OUT_DIR TREE...
#
# Needs target/release/infra-lint (cargo build --release) and Checkov in a
# virtualenv (CHECKOV, default /work/checkov-venv/bin/checkov).
set -euo pipefail
out=$1
shift
bin=${INFRA_LINT:-target/release/infra-lint}
checkov=${CHECKOV:-/work/checkov-venv/bin/checkov}
mkdir -p "$out"
field() { grep -F "$1" "$2" | sed 's/.*: //'; }
printf '%-45s %12s %11s %12s %11s %8s\n' tree infra-lint RSS checkov RSS speedup
for tree in "$@"; do
  name=$(basename "$tree")
  /usr/bin/time -v "$bin" "$tree" --format json -o "$out/$name.infra-lint.json" \
    --fail-on never --no-progress -q 2> "$out/$name.infra-lint.time"
  /usr/bin/time -v "$checkov" -d "$tree" --quiet --compact -o json \
    > "$out/$name.checkov.json" 2> "$out/$name.checkov.time" || true
  python3 - "$name" "$out" <<'PY'
import re, sys
name, out = sys.argv[1], sys.argv[2]
def read(tool):
    t = open(f"{out}/{name}.{tool}.time").read()
    wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", t).group(1)
    secs = 0.0
    for part in wall.split(":"):
        secs = secs * 60 + float(part)
    rss = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", t).group(1)) / 1024
    return secs, rss
a, b = read("infra-lint"), read("checkov")
print(f"{name:45s} {a[0]:10.2f} s {a[1]:7.1f} MiB {b[0]:10.2f} s {b[1]:7.1f} MiB {b[0] / max(a[0], 0.01):7.0f}x")
PY
done
