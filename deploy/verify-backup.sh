#!/usr/bin/env bash
# deploy/verify-backup.sh: check a backup exported by GET /v1/backups/{id}/export, offline: no database and no
# Sonia needed, only python3. Every file's size and SHA-256 are compared with manifest.json, and manifest.json with
# its own digest (manifest.json.sha256). Each problem is named on standard error; the exit status is 0 when all
# match, 1 when anything differs or is missing, 2 when the file cannot be read as an export.
#
# Usage: ./deploy/verify-backup.sh FILE.zip
set -euo pipefail

case "${1:-}" in
  -h|--help) sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
  "") echo "verify-backup.sh: which file? (see --help)" >&2; exit 2 ;;
esac
if [[ $# -gt 1 ]]; then
  echo "verify-backup.sh: one file at a time (see --help)" >&2
  exit 2
fi
command -v python3 >/dev/null || { echo "verify-backup.sh: python3 is needed" >&2; exit 2; }

exec python3 - "$1" <<'PY'
import hashlib, json, sys, zipfile

path = sys.argv[1]
try:
    archive = zipfile.ZipFile(path)
except (OSError, zipfile.BadZipFile) as error:
    print(f"verify-backup.sh: {path}: not a readable zip ({error})", file=sys.stderr)
    sys.exit(2)

def digest(name):
    sha, size = hashlib.sha256(), 0
    with archive.open(name) as stream:
        for block in iter(lambda: stream.read(1 << 16), b""):
            sha.update(block)
            size += len(block)
    return sha.hexdigest(), size

# Folder entries (a name ending in "/", which a zip tool adds when it packs an unpacked export again) hold no bytes.
names = {name for name in archive.namelist() if not name.endswith("/")}
problems = []
for required in ("manifest.json", "manifest.json.sha256"):
    if required not in names:
        print(f"verify-backup.sh: {path}: {required} is missing: not a Sonia backup export", file=sys.stderr)
        sys.exit(2)

recorded = archive.read("manifest.json.sha256").decode("ascii", "replace").split()
actual, _ = digest("manifest.json")
if not recorded or recorded[0] != actual:
    problems.append(f"manifest.json: sha256 {actual}, but manifest.json.sha256 records {recorded[0] if recorded else 'nothing'}")

try:
    artifacts = json.loads(archive.read("manifest.json"))["artifacts"]
except (ValueError, KeyError, TypeError) as error:
    problems.append(f"manifest.json: cannot be read ({error})")
    artifacts = []

listed = set()
for artifact in artifacts:
    name = artifact.get("name", "?")
    listed.add(name)
    if name not in names:
        problems.append(f"{name}: missing from the export")
        continue
    sha, size = digest(name)
    if size != artifact.get("bytes"):
        problems.append(f"{name}: {size} bytes, the manifest says {artifact.get('bytes')}")
    if sha != artifact.get("sha256"):
        problems.append(f"{name}: sha256 {sha}, the manifest says {artifact.get('sha256')}")
    if size == artifact.get("bytes") and sha == artifact.get("sha256"):
        print(f"ok: {name} ({size} bytes)")

for extra in sorted(names - listed - {"manifest.json", "manifest.json.sha256"}):
    problems.append(f"{extra}: not in the manifest")

for problem in problems:
    print(f"FAILED: {problem}", file=sys.stderr)
if problems:
    sys.exit(1)
print(f"verified: manifest.json and {len(artifacts)} artifact(s) of {path}")
PY
