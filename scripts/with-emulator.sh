#!/usr/bin/env bash
# Runs a command with a fresh moto server (scripts/emulator.py) (DynamoDB and Step Functions) on a
# free loopback port, then stops that server by its PID.
#
# Usage: scripts/with-emulator.sh COMMAND [ARGUMENT...]
# The command gets AWS_ENDPOINT_URL, a region and dummy credentials, and
# AWS_EC2_METADATA_DISABLED=true so that no SDK probes instance metadata.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
python="$root/.venv/bin/python"
if [[ ! -x "$root/.venv/bin/moto_server" ]]; then
  echo "error: moto is not installed in $root/.venv; run 'make emulator' first" >&2
  exit 1
fi

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
log_dir="$root/.local"
mkdir -p "$log_dir"
log="$log_dir/emulator-$port.log"

"$python" "$root/scripts/emulator.py" "$port" >"$log" 2>&1 &
emulator_pid=$!
stop_emulator() {
  kill "$emulator_pid" 2>/dev/null || true
  wait "$emulator_pid" 2>/dev/null || true
}
trap stop_emulator EXIT

endpoint="http://127.0.0.1:$port"
if ! python3 - "$endpoint" <<'PY'
import sys, time, urllib.request
deadline = time.monotonic() + 30
while time.monotonic() < deadline:
    try:
        urllib.request.urlopen(sys.argv[1] + "/moto-api/data.json", timeout=1)
        sys.exit(0)
    except Exception:
        time.sleep(0.2)
sys.exit(1)
PY
then
  echo "error: the emulator did not respond on $endpoint within 30 s; its log is $log" >&2
  exit 1
fi

export AWS_ENDPOINT_URL="$endpoint"
export AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
export AWS_ACCESS_KEY_ID=test
export AWS_SECRET_ACCESS_KEY=test
export AWS_EC2_METADATA_DISABLED=true
unset AWS_PROFILE AWS_SESSION_TOKEN
"$@"
