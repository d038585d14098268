using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Options;
using Sonia.Grains.Interfaces.Sessions;

namespace Sonia.Gateway.Streaming;

/// <summary><c>Sonia:Stream</c>: the limits of the conversation WebSocket <c>/v1/stream</c>.</summary>
public sealed class StreamOptions
{
    public const string SectionName = "Sonia:Stream";

    /// <summary>A client frame larger than this closes the socket with 1009 (message too big).</summary>
    [Range(1024, 16 * 1024 * 1024)]
    public int MaxFrameBytes { get; set; } = 64 * 1024;

    /// <summary>The longest <c>input.text</c> in characters (at most what a turn takes); a longer one gets an <c>error</c> event.</summary>
    [Range(1, TurnLimits.MaxTextLength)]
    public int MaxTextLength { get; set; } = TurnLimits.MaxTextLength;

    /// <summary>
    /// Events queued for a client that has not read them yet. When the queue is full the client has stopped reading:
    /// it is disconnected (1008) rather than buffered without bound.
    /// </summary>
    [Range(1, 100_000)]
    public int OutgoingQueueCapacity { get; set; } = 256;

    /// <summary>Turns a socket may have waiting behind the running one; past that, <c>input.text</c> is answered <c>busy</c>.</summary>
    [Range(1, 100)]
    public int MaxPendingInputs { get; set; } = 4;

    /// <summary>How often the server pings an otherwise quiet socket.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan KeepAliveInterval { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>A socket whose peer does not answer a ping within this long is dropped (a dead or stalled client).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:10:00")]
    public TimeSpan KeepAliveTimeout { get; set; } = TimeSpan.FromSeconds(20);

    /// <summary>How long a socket opened without an Authorization header may take to send its <c>auth</c> frame.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:05:00")]
    public TimeSpan AuthTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often the socket renews its subscription to the session (a subscription lapses after 3 minutes).</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:02:00")]
    public TimeSpan ResubscribeInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long an event that arrived before an earlier one of its session is held for that one (Orleans does not keep
    /// one-way messages in order); a gap still open then is skipped.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "00:00:05")]
    public TimeSpan EventOrderWindow { get; set; } = TimeSpan.FromMilliseconds(250);

    /// <summary>How long closing may wait for the last send and the client's close frame before the socket is aborted.</summary>
    [Range(typeof(TimeSpan), "00:00:00.100", "00:01:00")]
    public TimeSpan CloseTimeout { get; set; } = TimeSpan.FromSeconds(2);
}

/// <summary>Checks the stream limits' ranges (source-generated).</summary>
[OptionsValidator]
public sealed partial class StreamOptionsValidator : IValidateOptions<StreamOptions>;
