using System.Diagnostics;
using OpenTelemetry;
using OpenTelemetry.Trace;
using Sonia.Grains.Interfaces.Actions;
using Sonia.Hosting.Telemetry;
using Sonia.Tests.Actions;
using Sonia.Tests.Infrastructure;

namespace Sonia.Tests.Telemetry;

/// <summary>
/// Issue 11: one request is one trace, from the gateway's span through the grain calls and the action's run to the
/// executor's HTTP request (its <c>traceparent</c>), and the gateway span carries the correlation id.
/// </summary>
[Collection(SoniaClusterCollection.Name)]
public sealed class TraceTests(SoniaClusterFixture fixture)
{
    [Fact]
    public async Task OneRequest_SharesItsTraceId_FromTheGatewayThroughTheGrainToTheExecutor()
    {
        var spans = new Spans();
        using (Sdk.CreateTracerProviderBuilder()
            .AddSource("Microsoft.AspNetCore", SoniaTelemetry.SourceName, "System.Net.Http")
            .AddSource(SoniaTelemetry.OrleansSources)
            .AddInMemoryExporter(spans)
            .Build())
        {
            var correlationId = $"trace-{Guid.NewGuid():N}";
            var actions = new ActionsClient(fixture.Http);
            var id = await actions.SubmitAcceptedAsync("t.telemetry", new { mode = "ok", marker = correlationId }, correlationId);
            ActionsClient.AssertStatus(ActionStatuses.Succeeded, await actions.WaitAsync(id));

            var received = Assert.Single(fixture.Executor.For(id));
            var executorTrace = ActivityContext.Parse(received.TraceParent, null).TraceId;
            // The gateway's request span: ASP.NET Core's, tagged with the request's correlation id.
            var gateway = (await Eventually.ResultAsync(
                () => Task.FromResult(spans.Snapshot()
                    .SingleOrDefault(s => s.Source.Name == "Microsoft.AspNetCore" && Tagged(s, correlationId))),
                TimeSpan.FromSeconds(10), s => s is not null))!;

            Assert.Equal(ActivityKind.Server, gateway.Kind);
            Assert.Equal(gateway.TraceId, executorTrace);
            var trace = spans.Snapshot().Where(s => s.TraceId == gateway.TraceId).ToList();
            Assert.Contains(trace, s => s.Source.Name.StartsWith("Microsoft.Orleans", StringComparison.Ordinal)
                && Tagged(s, correlationId));
            var run = Assert.Single(trace, s => s.OperationName == "sonia.action.run" && (string?)s.GetTagItem("sonia.action_id") == id);
            Assert.True(Tagged(run, correlationId), "the action's run span carries the correlation id");
            Assert.Contains(trace, s => s.Kind == ActivityKind.Client && s.Source.Name == "System.Net.Http"
                && s.ParentSpanId == run.SpanId);
        }
    }

    private static bool Tagged(Activity span, string correlationId) =>
        (string?)span.GetTagItem(SoniaTelemetry.CorrelationAttribute) == correlationId;

    /// <summary>The exported spans, safe to read while silos and the gateway end more of them on other threads.</summary>
    private sealed class Spans : ICollection<Activity>
    {
        private readonly List<Activity> _items = [];

        public int Count => Snapshot().Count;

        public bool IsReadOnly => false;

        public List<Activity> Snapshot()
        {
            lock (_items)
            {
                return [.. _items];
            }
        }

        public void Add(Activity item)
        {
            lock (_items)
            {
                _items.Add(item);
            }
        }

        public void Clear()
        {
            lock (_items)
            {
                _items.Clear();
            }
        }

        public bool Contains(Activity item) => Snapshot().Contains(item);

        public void CopyTo(Activity[] array, int arrayIndex) => Snapshot().CopyTo(array, arrayIndex);

        public bool Remove(Activity item)
        {
            lock (_items)
            {
                return _items.Remove(item);
            }
        }

        public IEnumerator<Activity> GetEnumerator() => Snapshot().GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }
}
