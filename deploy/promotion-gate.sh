#!/usr/bin/env bash
# deploy/promotion-gate.sh: the release checklist, checked on the spot against
# the code and a running Sonia. A release is promotable only when every
# blocking gate passes.
#
# Usage: ./deploy/promotion-gate.sh [--url URL] [--api-key KEY] [--json FILE]
#                                   [--skip-tests] [--root DIR] [--connection CS]
#
#   --url URL        gateway base URL (default $SONIA_URL or http://127.0.0.1:5080)
#   --api-key KEY    an Admin key (default $SONIA_API_KEY; none in open local mode):
#                    gate 8 takes a backup and the run is recorded through the API
#   --json FILE      also write the report {promotable, commit, started_at,
#                    finished_at, gates: [{id, name, blocking, status, detail}]}
#   --skip-tests     skip gates 1 and 7 (the test suites) for a quick rerun; the
#                    result is then never promotable
#   --root DIR       the release root for gate 11 (deploy/rollback.sh --dry-run);
#                    without it gate 11 is skipped, so the run is not promotable
#   --connection CS  passed to that dry run, so it checks the schema too
#
# Gates (all blocking but 4): 1 full regression, 2 health, 3 breakers closed,
# 4 unresolved DLQ count (reported), 5 lock files (restore --locked-mode),
# 6 frozen dependency list, 7 chaos suite, 8 backup created and verified,
# 9 diagnostics snapshot, 10 correlation id, 11 rollback dry run,
# 12 incident bundle export.
#
# Prints a table; exit 0 when promotable, 1 when a blocking gate failed or was
# skipped, 3 when the run could not be recorded in the audit trail. Every run is
# recorded (POST /v1/releases/gate-runs: who, when, commit, result). Needs
# python3 and curl (no jq).
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"


URL="${SONIA_URL:-http://127.0.0.1:5080}" KEY="${SONIA_API_KEY:-}" JSON="" SKIP_TESTS=0 ROOT="" CS=""
while (($#)); do
  case "$1" in
    --url)        URL="${2:?--url needs a value}"; shift 2 ;;
    --api-key)    KEY="${2:?--api-key needs a value}"; shift 2 ;;
    --json)       JSON="$(abs_path "${2:?--json needs a file}")"; shift 2 ;;
    --skip-tests) SKIP_TESTS=1; shift ;;
    --root)       ROOT="$(abs_path "${2:?--root needs a folder}")"; shift 2 ;;
    --connection) CS="${2:?--connection needs a connection string}"; shift 2 ;;
    -h|--help)    usage; exit 0 ;;
    *)            die "unknown option '$1' (see --help)" ;;
  esac
done
command -v python3 >/dev/null 2>&1 || die "python3 is needed"
export SONIA_URL="$URL" SONIA_API_KEY="$KEY"
cd "$SONIA_REPO_ROOT"

STARTED_AT="$(date -u +%Y-%m-%dT%H:%M:%SZ)"
COMMIT="$(git rev-parse HEAD 2>/dev/null || echo unknown)"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/sonia-gate.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
RESULTS="$WORK/results.tsv"
: >"$RESULTS"
GATE_PY="$SONIA_REPO_ROOT/deploy/lib/promotion_gate.py"

# record ID NAME BLOCKING(1|0) STATUS DETAIL
record() {
  printf '%s\t%s\t%s\t%s\t%s\n' "$1" "$2" "$3" "$4" "$(printf '%s' "$5" | tr '\t\n' '  ' | cut -c1-1000)" >>"$RESULTS"
  say "gate $1 ($2): $4"
}

# http_gate ID NAME BLOCKING CHECK [ARGS]: one of promotion_gate.py's checks.
http_gate() {
  local id="$1" name="$2" blocking="$3" line
  shift 3
  line="$(python3 "$GATE_PY" check "$@")"
  record "$id" "$name" "$blocking" "${line%%$'\t'*}" "${line#*$'\t'}"
}

# command_gate ID NAME LOG COMMAND...: pass when COMMAND exits 0; the detail is its last output line.
command_gate() {
  local id="$1" name="$2" log="$WORK/$3"
  shift 3
  if "$@" >"$log" 2>&1; then
    local last
    last="$(grep -v '^\s*$' "$log" | tail -n 1 || true)"
    record "$id" "$name" 1 pass "${last:-$* succeeded}"
  else
    record "$id" "$name" 1 fail "exit $?: $(grep -v '^\s*$' "$log" | tail -n 3 | tr '\n' ' ')"
  fi
}

if ((SKIP_TESTS)); then
  record 1 "full regression" 1 skipped "--skip-tests"
else
  command_gate 1 "full regression" test.log ./deploy/test.sh
fi
http_gate 2 "health supervisor healthy" 1 health
http_gate 3 "every breaker closed" 1 breakers
http_gate 4 "unresolved dead letters" 0 dlq
command_gate 5 "lock file integrity" restore.log dotnet restore Sonia.sln --locked-mode -nologo -v q
command_gate 6 "frozen dependency manifest" freeze.log ./deploy/freeze-dependencies.sh --check
if ((SKIP_TESTS)); then
  record 7 "chaos suite" 1 skipped "--skip-tests"
else
  command_gate 7 "chaos suite" chaos.log ./deploy/test.sh --filter Category=Chaos
fi
http_gate 8 "backup created and verified" 1 backup
http_gate 9 "diagnostics snapshot" 1 snapshot
http_gate 10 "correlation id on actions" 1 correlation
if [[ ! -x deploy/rollback.sh ]]; then
  record 11 "rollback dry run" 1 fail "deploy/rollback.sh is missing or not executable"
elif [[ -z "$ROOT" ]]; then
  record 11 "rollback dry run" 1 skipped "no --root: there is no release root to dry-run a rollback on"
else
  command_gate 11 "rollback dry run" rollback.log ./deploy/rollback.sh --root "$ROOT" --dry-run ${CS:+--connection "$CS"}
fi
if ./deploy/export-incident-bundle.sh --url "$URL" ${KEY:+--api-key "$KEY"} --window-minutes 10 \
    --out "$WORK/bundle.zip" >"$WORK/bundle.log" 2>&1; then
  http_gate 12 "incident bundle export" 1 bundle-zip "$WORK/bundle.zip"
else
  record 12 "incident bundle export" 1 fail "export-incident-bundle.sh failed: $(tail -n 2 "$WORK/bundle.log" | tr '\n' ' ')"
fi

python3 "$GATE_PY" report "$RESULTS" "$JSON" "$COMMIT" "$STARTED_AT"
