using BenchmarkDotNet.Configs;
using BenchmarkDotNet.Jobs;
using BenchmarkDotNet.Toolchains.InProcess.Emit;

namespace Sonia.Benchmarks;

/// <summary>The configuration every benchmark of this project runs with.</summary>
public static class BenchmarkConfig
{
    public static IConfig Create() =>
        ManualConfig.Create(DefaultConfig.Instance)
            // In-process: no child project is generated and built, and the benchmarks run against the
            // very assemblies this project was built with (build it in Release).
            .AddJob(Job.Default
                .WithToolchain(InProcessEmitToolchain.Instance)
                .WithLaunchCount(1)
                .WithWarmupCount(8)
                .WithIterationCount(20)
                .WithId("InProcess"))
            // Results under bin/ (ignored by git) unless --artifacts says otherwise.
            .WithArtifactsPath(Path.Combine(AppContext.BaseDirectory, "BenchmarkDotNet.Artifacts"));
}
