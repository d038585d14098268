using BenchmarkDotNet.Running;
using Sonia.Benchmarks;
using Sonia.Benchmarks.Load;

// `load`: the actions load driver (see Load/ and the README); it is not a BenchmarkDotNet benchmark.
if (args is [LoadCommand.Name, .. var loadArgs])
{
    return await LoadCommand.RunAsync(loadArgs);
}

// `drill`: chaos drills 5-8 against real processes (see Drills/ and deploy/chaos-drill.sh).
if (args is [Sonia.Benchmarks.Drills.DrillCommand.Name, .. var drillArgs])
{
    return await Sonia.Benchmarks.Drills.DrillCommand.RunAsync(drillArgs);
}

// `backup`: backup plus verify of N dead letters against COPY | sha256sum of the same rows (see Backups/ and the README).
if (args is [Sonia.Benchmarks.Backups.BackupCommand.Name, .. var backupArgs])
{
    return await Sonia.Benchmarks.Backups.BackupCommand.RunAsync(backupArgs);
}

// Every benchmark class of this assembly; pick with --filter, e.g. --filter '*Breaker*'.
var summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, BenchmarkConfig.Create());

// Non-zero when a benchmark did not run, so a script notices.
return summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? 1 : 0;
