#!/usr/bin/env bash
# The body of `make demo`, run inside scripts/with-emulator.sh: creates the
# table, registers the demo partner with partner-admin, and sends every file
# in events/ to the function.
set -euo pipefail
cd "$(dirname "$0")/.."

export TABLE_NAME=k9-partner-analysis-demo
# Cargo's target directory, which CARGO_TARGET_DIR or a config may move.
target_dir=$(cargo metadata --format-version 1 --no-deps |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
admin="$target_dir/debug/partner-admin"

echo "== partner-admin create-table"
"$admin" create-table
echo "== partner-admin put-partner"
"$admin" put-partner --partner-id P123456 \
  --principal arn:aws:iam::111122223333:role/PartnerAnalysisCaller
"$admin" get-partner --partner-id P123456
echo
echo "== trigger-analysis on events/"
"$target_dir/debug/examples/demo" events/*.json
echo
echo "== partner-admin list-customers"
"$admin" list-customers --partner-id P123456
