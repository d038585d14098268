#!/usr/bin/env bash
# deploy/hostile-sweep.sh: send generated hostile requests to every endpoint of a
# running Sonia gateway and report what came back:
#   malformed, truncated, deep and huge JSON; wrong types; unicode edge cases;
#   path traversal and injection strings in ids and queries; bad and oversized
#   headers; wrong methods and content types.
# Prints how many requests it sent, the status-code histogram, and every request
# that got a 5xx or no answer; exits 1 if there was one.
#
# Usage: ./deploy/hostile-sweep.sh [--url URL] [--count N] [--seed S] [--workers W]
#   --url      gateway base URL (default http://127.0.0.1:5080)
#   --count    number of requests (default 10000)
#   --seed     random seed, to repeat a sweep exactly (default: random)
#   --workers  concurrent connections (default 4)
# A gateway that requires keys: put one (an admin key reaches every endpoint) in
# SONIA_API_KEY; it is never printed. Without it, keyed requests are answered 401.
#
# The sweep never sends a request that could be accepted: every submission names
# an unregistered tool or is malformed, every id is unknown, replays stay dry runs.
# Needs only python3.
set -euo pipefail

url="http://127.0.0.1:5080"
count=10000
seed=""
workers=4
while [[ $# -gt 0 ]]; do
  case "$1" in
    --url) url="${2:?--url needs a value}"; shift 2 ;;
    --count) count="${2:?--count needs a value}"; shift 2 ;;
    --seed) seed="${2:?--seed needs a value}"; shift 2 ;;
    --workers) workers="${2:?--workers needs a value}"; shift 2 ;;
    -h|--help) sed -n '2,20p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "hostile-sweep.sh: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done

for n in "$count" "$workers"; do
  if ! [[ "$n" =~ ^[0-9]+$ ]] || (( n < 1 )); then
    echo "hostile-sweep.sh: --count and --workers must be positive numbers" >&2
    exit 2
  fi
done

exec python3 "$(dirname "${BASH_SOURCE[0]}")/lib/hostile_sweep.py" "$url" "$count" "$workers" "$seed"
