using BenchmarkDotNet.Running;
using Sonia.Benchmarks;

// Every benchmark class of this assembly; pick with --filter, e.g. --filter '*Breaker*'.
var summaries = BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args, BenchmarkConfig.Create());

// Non-zero when a benchmark did not run, so a script notices.
return summaries.Any(s => s.HasCriticalValidationErrors || s.Reports.Any(r => !r.Success)) ? 1 : 0;
