using System.Data.Common;
using Microsoft.Extensions.Configuration;

namespace Sonia.Hosting.Configuration;

/// <summary>
/// The effective configuration of a process as operators may read it (bundles, backups): Sonia's own settings and
/// the framework's, each secret replaced by a <see cref="SecretRedactor"/> placeholder. Machine environment
/// variables outside those sections (PATH, HOME, another program's tokens) are left out, not redacted.
/// </summary>
public static class RedactedConfiguration
{
    private static readonly string[] Sections = ["Sonia", "Orleans", "Logging", "Serilog", "ConnectionStrings", "Kestrel"];
    private static readonly string[] TopLevelPrefixes = ["OTEL_", "ASPNETCORE_", "DOTNET_"];
    private static readonly string[] TopLevelKeys = ["urls", "environment", "applicationName"];

    /// <summary>Key fragments whose whole value is a secret.</summary>
    private static readonly string[] SecretFragments =
        ["password", "pwd", "secret", "token", "apikey", "api_key", "credential", "hash", "headers", "privatekey"];

    /// <summary>Connection-string fields that hold a secret.</summary>
    private static readonly string[] SecretFields = ["password", "pwd", "accountkey", "sharedaccesskey", "token"];

    /// <summary>Every included key (ordinal order) with its value, secrets replaced.</summary>
    public static SortedDictionary<string, string?> Dump(IConfiguration configuration, SecretRedactor redactor)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentNullException.ThrowIfNull(redactor);
        var dump = new SortedDictionary<string, string?>(StringComparer.Ordinal);
        foreach (var (key, value) in configuration.AsEnumerable())
        {
            if (value is not null && Included(key))
            {
                dump[key] = Redact(key, value, redactor);
            }
        }

        return dump;
    }

    /// <summary>The value of <paramref name="key"/> as it may be shown.</summary>
    public static string Redact(string key, string value, SecretRedactor redactor)
    {
        var name = key[(key.LastIndexOf(':') + 1)..].ToLowerInvariant();
        if (name.Contains("connectionstring", StringComparison.Ordinal) || key.StartsWith("ConnectionStrings:", StringComparison.OrdinalIgnoreCase))
        {
            return RedactConnectionString(value, redactor);
        }

        if (SecretFragments.Any(f => name.Contains(f, StringComparison.Ordinal)) || name.EndsWith("key", StringComparison.Ordinal))
        {
            return redactor.Placeholder(value);
        }

        return RedactUserInfo(value, redactor);
    }

    private static bool Included(string key) =>
        Sections.Any(s => key.Equals(s, StringComparison.OrdinalIgnoreCase) || key.StartsWith(s + ":", StringComparison.OrdinalIgnoreCase))
        || TopLevelPrefixes.Any(p => key.StartsWith(p, StringComparison.OrdinalIgnoreCase))
        || TopLevelKeys.Any(k => key.Equals(k, StringComparison.OrdinalIgnoreCase));

    /// <summary>Keeps host, port and database (they help a reader); the password fields become placeholders.</summary>
    private static string RedactConnectionString(string value, SecretRedactor redactor)
    {
        DbConnectionStringBuilder builder;
        try
        {
            builder = new DbConnectionStringBuilder { ConnectionString = value };
        }
        catch (ArgumentException)
        {
            // Unparsable: it may still hold a password somewhere, so none of it is shown.
            return redactor.Placeholder(value);
        }

        foreach (var field in builder.Keys.Cast<string>().ToList())
        {
            if (SecretFields.Contains(field.Replace(" ", string.Empty, StringComparison.Ordinal).ToLowerInvariant())
                && builder[field]?.ToString() is { Length: > 0 } secret)
            {
                builder[field] = redactor.Placeholder(secret);
            }
        }

        return builder.ConnectionString;
    }

    /// <summary>A URL such as <c>https://user:secret@host/</c> keeps its user and loses its password.</summary>
    private static string RedactUserInfo(string value, SecretRedactor redactor)
    {
        if (!Uri.TryCreate(value, UriKind.Absolute, out var uri) || !uri.UserInfo.Contains(':', StringComparison.Ordinal))
        {
            return value;
        }

        var password = Uri.UnescapeDataString(uri.UserInfo[(uri.UserInfo.IndexOf(':', StringComparison.Ordinal) + 1)..]);
        var escaped = uri.UserInfo[(uri.UserInfo.IndexOf(':', StringComparison.Ordinal) + 1)..];
        return value.Replace(":" + escaped + "@", ":" + redactor.Placeholder(password) + "@", StringComparison.Ordinal);
    }
}
