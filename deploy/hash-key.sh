#!/usr/bin/env bash
# deploy/hash-key.sh: print the salted hash of an API key read on standard input,
# in the form Sonia expects in Sonia__Auth__Keys__<name>__Hash:
#     pbkdf2-sha256:<iterations>:<salt hex>:<hash hex>
# The key itself is never stored: configure only this line and its role.
#
# Usage: ./deploy/hash-key.sh [--iterations N] < keyfile
#        openssl rand -hex 32 | tee /dev/stderr | ./deploy/hash-key.sh
# Only the first line of input is used; a trailing newline is not part of the key.
set -euo pipefail

iterations=100000
while [[ $# -gt 0 ]]; do
  case "$1" in
    --iterations) iterations="${2:?--iterations needs a number}"; shift 2 ;;
    -h|--help) sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "hash-key.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done

if ! [[ "$iterations" =~ ^[0-9]+$ ]] || (( iterations < 1000 || iterations > 10000000 )); then
  echo "hash-key.sh: --iterations must be a number from 1000 to 10000000" >&2
  exit 2
fi

exec python3 -c '
import hashlib, os, sys
line = sys.stdin.buffer.readline().rstrip(b"\r\n")
if not line:
    sys.exit("hash-key.sh: no key on standard input")
if len(line) > 256:
    sys.exit("hash-key.sh: a key is at most 256 bytes")
iterations = int(sys.argv[1])
salt = os.urandom(16)
digest = hashlib.pbkdf2_hmac("sha256", line, salt, iterations, 32)
print("pbkdf2-sha256:%d:%s:%s" % (iterations, salt.hex(), digest.hex()))
' "$iterations"
