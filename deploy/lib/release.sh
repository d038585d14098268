#!/usr/bin/env bash
# deploy/lib/release.sh: helpers shared by deploy/release.sh and
# deploy/rollback.sh. Sourced after common.sh, never executed.
#
# A release root holds releases/<version>/ (silo/, gateway/, sql/,
# release.json), current -> releases/<version> and run/ (pid files).
# shellcheck shell=bash

if [[ -n "${SONIA_RELEASE_SH_LOADED:-}" ]]; then
  return 0
fi
SONIA_RELEASE_SH_LOADED=1

# release_highest_migration SQL_DIR: the highest NNNN of SQL_DIR/NNNN_*.sql (empty when none).
release_highest_migration() {
  find "$1" -maxdepth 1 -type f -name '[0-9][0-9][0-9][0-9]_*.sql' -printf '%f\n' | cut -c1-4 | sort | tail -n 1
}

# release_field FILE KEY: print one top-level field of a release.json.
release_field() {
  python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"
}

# release_versions ROOT: every release under ROOT, oldest first, one
# "<created_at> <version> <migration> <min_compatible_migration>" line each.
release_versions() {
  python3 - "$1/releases" <<'PY'
import json, os, sys
rows = []
for name in os.listdir(sys.argv[1]) if os.path.isdir(sys.argv[1]) else []:
    path = os.path.join(sys.argv[1], name, "release.json")
    if not name.startswith(".") and os.path.isfile(path):
        r = json.load(open(path))
        rows.append((r["created_at"], name, r["migration"], r["min_compatible_migration"]))
for row in sorted(rows):
    print(*row)
PY
}

# release_current ROOT: the version DIR/current points at (empty when none).
release_current() {
  local link="$1/current"
  [[ -L "$link" ]] || return 0
  basename "$(readlink "$link")"
}

# release_switch_current ROOT VERSION: point ROOT/current at releases/VERSION
# atomically: a new symlink under a temp name renamed over the old one, so a
# reader sees the old release or the new one, never no release.
release_switch_current() {
  local root="$1" version="$2" tmp
  tmp="$root/.current.$$.tmp"
  ln -sfn "releases/$version" "$tmp"
  mv -T "$tmp" "$root/current"
}
