#!/usr/bin/env python3
"""CPU samples of given processes by cost category, from `perf script -F comm,pid,ip,sym,dso` output.

Record with JIT frames resolvable (the processes started with DOTNET_PerfMapEnabled=1 and
DOTNET_EnableWriteXorExecute=0, e.g. exported before `load`), then:

    perf record -F 499 -a -g -o perf.data -- sleep 12
    perf script -i perf.data -F comm,pid,ip,sym,dso > perf.txt
    python3 perf_categories.py perf.txt SILO_PID GATEWAY_PID

A sample counts in the category of the innermost frame that matches one (a JIT sample anywhere in the stack is JIT).
"""
import collections
import sys

FRAME_RULES = [
    ('GC', lambda f: 'gc_heap' in f or 'GCHeap' in f or 'WKS::' in f or 'SVR::' in f),
    ('logging (Serilog, JSON Lines)', lambda f: 'Serilog' in f or 'JsonLinesFormatter' in f or 'Microsoft.Extensions.Logging' in f),
    ('Npgsql SQL parsing', lambda f: 'SqlQueryParser' in f),
    ('Npgsql (rest)', lambda f: 'Npgsql' in f),
    ('tracing and metrics (Activity, OpenTelemetry)', lambda f: any(k in f for k in (
        'OpenTelemetry', 'System.Diagnostics.Activity', 'DiagnosticListener', 'HostingApplicationDiagnostics',
        'Diagnostics.Metrics', 'ActivityPropagation', 'SoniaMetrics', 'SoniaActivities'))),
    ('JSON (System.Text.Json, canonical JSON, hashes)', lambda f: any(k in f for k in (
        'System.Text.Json', 'JsonCanonicalizer', 'ActionHashes', 'Json.Schema'))),
    ('Orleans serialization and messaging', lambda f: any(k in f for k in (
        'Orleans.Serialization', 'MessageSerializer', 'Orleans.Runtime.Messaging', 'OrleansCodeGen', 'Orleans.Messaging'))),
    ('ASP.NET Core and Kestrel', lambda f: 'Kestrel' in f or 'AspNetCore' in f),
    ('Sonia code', lambda f: 'Sonia.' in f),
    ('Orleans runtime (rest)', lambda f: 'Orleans' in f),
    ('thread pool spinning, sockets', lambda f: 'System.Net.Sockets' in f or 'ThreadPool' in f or 'System.Threading' in f),
]


def classify(stack, comm):
    if any('libclrjit' in f for f in stack):
        return 'JIT (tiered compilation)'
    if 'GC' in comm:
        return 'GC'
    for frame in stack:
        for name, rule in FRAME_RULES:
            if rule(frame):
                return name
    return 'other (runtime, kernel, unresolved)'


def main(path, pids):
    counts = {p: collections.Counter() for p in pids}
    pid, comm, stack = None, '', []

    def flush():
        if pid in counts:
            counts[pid][classify(stack, comm)] += 1

    with open(path, encoding='utf-8', errors='replace') as lines:
        for line in lines:
            if not line.strip():
                flush()
                pid, stack = None, []
            elif not line.startswith((' ', '\t')):
                flush()
                header = line.split()
                pid, comm, stack = header[-1], ' '.join(header[:-1]), []
            else:
                stack.append(line.strip())
    flush()
    for p in pids:
        total = sum(counts[p].values()) or 1
        print(f'pid {p}: {total} samples')
        for name, n in counts[p].most_common():
            print(f'  {100 * n / total:5.1f}% {name}')


if __name__ == '__main__':
    main(sys.argv[1], sys.argv[2:])
