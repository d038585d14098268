#!/usr/bin/env python3
"""deploy/lib/promotion_gate.py: the HTTP gates and the report of deploy/promotion-gate.sh.

`promotion_gate.py check NAME` runs one gate against the gateway and prints one line, "pass<TAB>detail" or
"fail<TAB>detail"; it always exits 0 (a gate that cannot run fails, it does not break the run).
`promotion_gate.py report RESULTS JSON_OUT` turns the gates the shell recorded (one "id<TAB>name<TAB>blocking<TAB>
status<TAB>detail" line each) into the table and the JSON report, records the run through the API, and exits 1 when
a blocking gate failed or was skipped (3 when the run could not be recorded).
The gateway is $SONIA_URL, the key $SONIA_API_KEY (none in open local mode). Standard library only: no jq, no pip.
"""
import json
import os
import sys
import time
import urllib.error
import urllib.request
import uuid
import zipfile

URL = os.environ.get("SONIA_URL", "http://127.0.0.1:5080").rstrip("/")
KEY = os.environ.get("SONIA_API_KEY", "")
BUNDLE_FOLDERS = ["health/", "cluster/", "breakers/", "dlq/", "actions/", "audit/", "logs/", "config/"]
SNAPSHOT_SECTIONS = ["health", "breakers", "dlq", "actions", "cluster"]


class GateFailed(Exception):
    pass


def call(method, path, body=None, headers=None, expect=(200,)):
    """One request; returns (status, headers, parsed JSON body). An unexpected status is a GateFailed naming it."""
    request = urllib.request.Request(URL + path, method=method, headers=dict(headers or {}))
    if KEY:
        request.add_header("Authorization", "Bearer " + KEY)
    if body is not None:
        request.data = json.dumps(body).encode()
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            status, answer_headers, raw = response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        status, answer_headers, raw = error.code, error.headers, error.read()
    except (urllib.error.URLError, OSError) as error:
        raise GateFailed(f"{method} {path}: {error}") from error
    if status not in expect:
        raise GateFailed(f"{method} {path} answered {status}: {raw[:300].decode(errors='replace')}")
    return status, answer_headers, json.loads(raw) if raw else None


def gate_health():
    _, _, report = call("GET", "/v1/health", expect=(200, 503))
    reasons = [r for c in report.get("checks", []) for r in c.get("reasons", [])]
    if report.get("status") != "healthy":
        raise GateFailed(f"status {report.get('status')}: " + "; ".join(reasons)[:500])
    return f"status healthy, {len(report.get('checks', []))} checks"


def gate_breakers():
    _, _, answer = call("GET", "/v1/breakers")
    breakers = answer["breakers"]
    not_closed = [f"{b['name']} {b['state']}" for b in breakers if b["state"] != "closed"]
    if not_closed:
        raise GateFailed("not closed: " + ", ".join(not_closed))
    return f"all {len(breakers)} closed"


def gate_dlq():
    _, _, answer = call("GET", "/v1/dlq?status=unresolved&last_n=1")
    counts = answer.get("unresolved_by_failure_class") or {}
    by_class = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
    return f"{sum(counts.values())} unresolved" + (f" ({by_class})" if by_class else "")


def gate_backup():
    _, _, view = call("POST", "/v1/backups", {"label": "promotion-gate"}, expect=(202,))
    backup_id, deadline = view["backup_id"], time.monotonic() + 600
    while view["status"] == "running":
        if time.monotonic() > deadline:
            raise GateFailed(f"backup {backup_id} still running after 10 minutes")
        time.sleep(1)
        _, _, view = call("GET", f"/v1/backups/{backup_id}")
    if view["status"] != "succeeded":
        raise GateFailed(f"backup {backup_id} {view['status']}: {view.get('error') or view.get('reason')}")
    _, _, verification = call("GET", f"/v1/backups/{backup_id}/verify")
    if not verification.get("passed"):
        raise GateFailed(f"backup {backup_id} does not verify: " + "; ".join(verification.get("problems", []))[:500])
    return f"backup {backup_id}: {len(view.get('artifacts') or [])} artifacts, verified"


def gate_snapshot():
    _, _, snapshot = call("GET", "/v1/diagnostics/snapshot?last_n=5")
    missing = [s for s in SNAPSHOT_SECTIONS if not isinstance(snapshot.get(s), dict)]
    failed = [f"{s} ({snapshot[s]['error']})" for s in SNAPSHOT_SECTIONS if s not in missing and "error" in snapshot[s]]
    if missing or failed:
        raise GateFailed("; ".join(filter(None, ["missing " + ", ".join(missing) if missing else "",
                                                 "failed " + ", ".join(failed) if failed else ""])))
    return "sections " + ", ".join(SNAPSHOT_SECTIONS) + " all answered"


def gate_correlation():
    correlation_id = "gate-" + uuid.uuid4().hex
    _, headers, action = call("POST", "/v1/actions", {"tool": "echo", "args": {"gate": correlation_id}},
                              headers={"X-Correlation-ID": correlation_id}, expect=(200, 202))
    echoed = headers.get("X-Correlation-ID")
    _, _, read = call("GET", f"/v1/actions/{action['action_id']}")
    if echoed != correlation_id or read.get("correlation_id") != correlation_id:
        raise GateFailed(f"sent {correlation_id}, header {echoed}, action {read.get('correlation_id')}")
    return f"action {action['action_id']} carries {correlation_id} in the header and when read back"


def gate_bundle_zip(path):
    with zipfile.ZipFile(path) as bundle:
        names = bundle.namelist()
    missing = [f for f in ["metadata.json"] + BUNDLE_FOLDERS if not any(n == f or n.startswith(f) for n in names)]
    if missing:
        raise GateFailed("the zip lacks " + ", ".join(missing))
    return f"{len(names)} entries, every folder present ({', '.join(f.rstrip('/') for f in BUNDLE_FOLDERS)})"


CHECKS = {"health": gate_health, "breakers": gate_breakers, "dlq": gate_dlq, "backup": gate_backup,
          "snapshot": gate_snapshot, "correlation": gate_correlation, "bundle-zip": gate_bundle_zip}


def check(name, *args):
    try:
        status, detail = "pass", CHECKS[name](*args)
    except GateFailed as error:
        status, detail = "fail", str(error)
    except Exception as error:  # a gate that breaks fails with its reason; the run goes on
        status, detail = "fail", f"{type(error).__name__}: {error}"
    print(f"{status}\t{' '.join(str(detail).split())}")


def report(results_file, json_out, commit, started_at):
    gates = []
    for line in open(results_file):
        gate_id, name, blocking, status, detail = line.rstrip("\n").split("\t", 4)
        gates.append({"id": int(gate_id), "name": name, "blocking": blocking == "1", "status": status, "detail": detail})
    gates.sort(key=lambda g: g["id"])
    promotable = all(g["status"] == "pass" for g in gates if g["blocking"])
    finished_at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    document = {"promotable": promotable, "commit": commit, "started_at": started_at, "finished_at": finished_at,
                "gates": gates}
    width = max(len(g["name"]) for g in gates)
    print(f"{'#':>2}  {'gate':<{width}}  {'blocking':<8}  {'status':<7}  detail")
    for g in gates:
        print(f"{g['id']:>2}  {g['name']:<{width}}  {'yes' if g['blocking'] else 'no':<8}  {g['status']:<7}  {g['detail']}")
    print(f"promotable: {'yes' if promotable else 'no'} (commit {commit})")
    if json_out:
        with open(json_out, "w") as f:
            json.dump(document, f, indent=2)
            f.write("\n")
        print(f"report: {json_out}")
    try:
        _, _, run = call("POST", "/v1/releases/gate-runs", document, expect=(201,))
        print(f"recorded in the audit trail at {run['recorded_at']} by {run['actor']}")
    except GateFailed as error:
        print(f"error: the run could not be recorded in the audit trail: {error}", file=sys.stderr)
        return 3
    return 0 if promotable else 1


if __name__ == "__main__":
    if sys.argv[1] == "check":
        check(*sys.argv[2:])
    elif sys.argv[1] == "report":
        sys.exit(report(*sys.argv[2:]))
    else:
        sys.exit(f"unknown command {sys.argv[1]}")
