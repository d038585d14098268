#!/usr/bin/env bash
# deploy/release.sh: publishes the silo and the gateway as one versioned
# release under a release root and makes it the current one.
#
# Usage: ./deploy/release.sh --root DIR [--version V] [--from DIR]
#                            [--min-compatible-migration N]
#
#   --root DIR     release root; the release goes to DIR/releases/<version>/
#                  {silo,gateway,sql,release.json} and DIR/current is switched
#                  to it atomically (a symlink under a temp name, then mv -T)
#   --version V    release name (letters, digits, . _ -); default
#                  <UTC date>-<short commit>. An existing version is never
#                  overwritten.
#   --from DIR     copy an existing publish output (DIR/silo, DIR/gateway)
#                  instead of running `dotnet publish -c Release` (fast
#                  re-releases of one build, and the tests)
#   --min-compatible-migration N
#                  the oldest migration level a release must know to still run
#                  on this release's schema. Default: the migration level of the
#                  release that is current now (expand-then-contract: the
#                  previous release keeps working after the upgrade). Raise it
#                  only for a release that ships a contract migration.
#
# release.json: version, commit, created_at, migration (the highest
# deploy/sql/postgresql/NNNN this release needs), min_compatible_migration and
# the migration scripts shipped. deploy/rollback.sh reads them.
set -euo pipefail

# shellcheck source-path=SCRIPTDIR source=lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
# shellcheck source-path=SCRIPTDIR source=lib/release.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/release.sh"


ROOT="" VERSION="" FROM="" MIN_COMPATIBLE=""
while (($#)); do
  case "$1" in
    --root)    ROOT="${2:?--root needs a folder}"; shift 2 ;;
    --version) VERSION="${2:?--version needs a value}"; shift 2 ;;
    --from)    FROM="${2:?--from needs a folder}"; shift 2 ;;
    --min-compatible-migration) MIN_COMPATIBLE="${2:?--min-compatible-migration needs a number}"; shift 2 ;;
    -h|--help) usage; exit 0 ;;
    *)         die "unknown option '$1' (see --help)" ;;
  esac
done
[[ -n "$ROOT" ]] || die "--root DIR is required (see --help)"
command -v python3 >/dev/null 2>&1 || die "python3 is needed to write release.json"
ROOT="$(abs_path "$ROOT")"

COMMIT="$(git -C "$SONIA_REPO_ROOT" rev-parse HEAD 2>/dev/null || echo unknown)"
if [[ -z "$VERSION" ]]; then
  VERSION="$(date -u +%Y%m%d-%H%M%S)-${COMMIT:0:8}"
fi
[[ "$VERSION" =~ ^[A-Za-z0-9][A-Za-z0-9._-]*$ ]] || die "--version '$VERSION' may hold only letters, digits, '.', '_' and '-'"
TARGET="$ROOT/releases/$VERSION"
[[ ! -e "$TARGET" ]] || die "release $VERSION already exists at $TARGET; releases are never overwritten (pick another --version)"

SQL_DIR="$SONIA_REPO_ROOT/deploy/sql/postgresql"
MIGRATION="$(release_highest_migration "$SQL_DIR")"
[[ -n "$MIGRATION" ]] || die "no NNNN_*.sql migration under $SQL_DIR"
if [[ -z "$MIN_COMPATIBLE" ]]; then
  MIN_COMPATIBLE="$MIGRATION"
  if [[ -e "$ROOT/current/release.json" ]]; then
    MIN_COMPATIBLE="$(release_field "$ROOT/current/release.json" migration)"
  fi
fi
[[ "$MIN_COMPATIBLE" =~ ^[0-9]+$ ]] || die "--min-compatible-migration must be a number, got '$MIN_COMPATIBLE'"
((10#$MIN_COMPATIBLE <= 10#$MIGRATION)) ||
  die "--min-compatible-migration $MIN_COMPATIBLE is above this release's own migration $MIGRATION"

# Build into a staging folder beside the target, so a failed publish leaves no half release behind.
mkdir -p "$ROOT/releases"
STAGE="$(mktemp -d "$ROOT/releases/.staging-$VERSION.XXXXXX")"
trap 'rm -rf "$STAGE"' EXIT
if [[ -n "$FROM" ]]; then
  FROM="$(abs_path "$FROM")"
  for part in silo gateway; do
    [[ -d "$FROM/$part" ]] || die "--from $FROM has no $part/ folder"
    say "copying $FROM/$part"
    cp -a "$FROM/$part" "$STAGE/$part"
  done
else
  require_dotnet
  say "publishing the silo (dotnet publish -c Release)"
  dotnet publish "$SONIA_REPO_ROOT/Silo/Sonia.Silo.csproj" -c Release -nologo -v q -o "$STAGE/silo" >&2
  say "publishing the gateway (dotnet publish -c Release)"
  dotnet publish "$SONIA_REPO_ROOT/Gateway/Sonia.Gateway.csproj" -c Release -nologo -v q -o "$STAGE/gateway" >&2
fi
mkdir -p "$STAGE/sql"
cp -a "$SONIA_REPO_ROOT/deploy/sql/postgresql" "$SONIA_REPO_ROOT/deploy/sql/sqlserver" "$STAGE/sql/"

python3 - "$STAGE/release.json" "$VERSION" "$COMMIT" "$MIGRATION" "$MIN_COMPATIBLE" "$SQL_DIR" <<'EOF'
import datetime, json, os, re, sys
path, version, commit, migration, min_compatible, sql_dir = sys.argv[1:]
scripts = sorted(f for f in os.listdir(sql_dir) if re.match(r"^\d{4}_.*\.sql$", f))
release = {
    "version": version,
    "commit": commit,
    "created_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="milliseconds"),
    "migration": int(migration, 10),
    "min_compatible_migration": int(min_compatible, 10),
    "migrations": scripts,
}
with open(path, "w") as f:
    json.dump(release, f, indent=2)
    f.write("\n")
EOF
mv -T "$STAGE" "$TARGET"
trap - EXIT

release_switch_current "$ROOT" "$VERSION"
say "release $VERSION (commit ${COMMIT:0:12}, migration $MIGRATION) is current at $ROOT/current"
