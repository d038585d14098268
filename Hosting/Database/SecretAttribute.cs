namespace Sonia.Hosting.Database;

/// <summary>Marks an option that holds a secret, so dumps of options redact it.</summary>
[AttributeUsage(AttributeTargets.Property)]
public sealed class SecretAttribute : Attribute;
