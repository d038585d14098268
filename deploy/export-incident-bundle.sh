#!/usr/bin/env bash
# deploy/export-incident-bundle.sh: fetch an incident bundle from a running Sonia
# gateway into one zip file (GET /v1/diagnostics/bundle), then print its path,
# its size and every part the gateway could not collect (read from the bundle's
# metadata.json). A bundle with failed parts is still written: it is exit 0.
#
# Usage: ./deploy/export-incident-bundle.sh [--window-minutes N] [--out FILE] [--url URL] [--api-key KEY]
#   --window-minutes  how many minutes before now the bundle covers, 1..10080 (default 60)
#   --out             where to write the zip (default ./sonia-incident-<UTC time>.zip)
#   --url             gateway base URL (default $SONIA_URL or http://127.0.0.1:5080)
#   --api-key         an Operator (or Admin) key; default $SONIA_API_KEY. Not needed
#                     in open local mode. Prefer the variable: arguments show in `ps`.
# Exit status: 0 written; 1 the gateway did not answer or refused; 2 bad arguments.
# Needs curl and python3.
set -euo pipefail

me="export-incident-bundle.sh"
window=60
out=""
url="${SONIA_URL:-http://127.0.0.1:5080}"
key="${SONIA_API_KEY:-}"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --window-minutes) window="${2:?--window-minutes needs a value}"; shift 2 ;;
    --out) out="${2:?--out needs a value}"; shift 2 ;;
    --url) url="${2:?--url needs a value}"; shift 2 ;;
    --api-key) key="${2:?--api-key needs a value}"; shift 2 ;;
    -h|--help) sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "$me: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done

if ! [[ "$window" =~ ^[0-9]+$ ]] || (( window < 1 || window > 10080 )); then
  echo "$me: --window-minutes must be a whole number from 1 to 10080" >&2
  exit 2
fi
for tool in curl python3; do
  command -v "$tool" >/dev/null || { echo "$me: $tool is needed" >&2; exit 2; }
done

out="${out:-./sonia-incident-$(date -u +%Y%m%dT%H%M%SZ).zip}"
mkdir -p "$(dirname "$out")"
partial="$out.partial"
trap 'rm -f "$partial" "$partial.err"' EXIT

fetch() {
  curl -sS --max-time 900 "$@" -o "$partial" -w '%{http_code}' \
    "${url%/}/v1/diagnostics/bundle?window_minutes=$window" 2>"$partial.err"
}

# The key reaches curl as a config file on its stdin, never on a command line (which `ps` shows).
set +e
if [[ -n "$key" ]]; then
  quoted="${key//\\/\\\\}"
  quoted="${quoted//\"/\\\"}"
  status="$(printf 'header = "Authorization: Bearer %s"\n' "$quoted" | fetch --config -)"
else
  status="$(fetch)"
fi
rc=$?
set -e
if (( rc != 0 )); then
  echo "$me: the gateway at $url did not answer: $(cat "$partial.err")" >&2
  rm -f "$partial.err"
  exit 1
fi
rm -f "$partial.err"
if [[ "$status" != "200" ]]; then
  echo "$me: the gateway at $url answered $status:" >&2
  head -c 2000 "$partial" >&2 || true
  echo >&2
  exit 1
fi

mv "$partial" "$out"
python3 - "$out" <<'PY'
import json, os, sys, zipfile
path = sys.argv[1]
try:
    with zipfile.ZipFile(path) as bundle:
        meta = json.loads(bundle.read("metadata.json"))
except (zipfile.BadZipFile, KeyError) as error:
    sys.exit(f"export-incident-bundle.sh: {path} is not a complete bundle ({error}); the gateway may have stopped mid-way")
print(f"bundle:  {meta['bundle_id']} ({meta['window']['minutes']} minutes up to {meta['window']['to']})")
print(f"path:    {os.path.abspath(path)}")
print(f"size:    {os.path.getsize(path)} bytes")
failed = meta.get("failed_collectors") or []
if failed:
    print(f"failed:  {len(failed)} collector(s); the bundle is partial")
    for item in failed:
        print(f"  - {item['name']}: {item['error']}")
else:
    print("failed:  none")
for note in meta.get("limits_reached") or []:
    print(f"limit:   {note}")
PY
