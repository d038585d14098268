namespace Sonia.Hosting.Cluster;

/// <summary>A start-up failure an operator can fix; its message is the one line printed before exiting.</summary>
public sealed class StartupException(string message, Exception? inner = null) : Exception(message, inner);
