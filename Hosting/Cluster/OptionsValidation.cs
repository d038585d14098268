using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Sonia.Hosting.Cluster;

/// <summary>
/// Binds options with the configuration binder and validates them with their <c>[OptionsValidator]</c>-generated
/// validator before any host starts, so a bad value stops start-up with one line naming the setting.
/// </summary>
/// <remarks>
/// Each options class has a source-generated validator beside it. It checks every data annotation (a new property
/// with <c>[Range]</c> is checked with no further code), runs <c>IValidatableObject</c>, and goes down into members
/// marked <c>[ValidateObjectMembers]</c> / <c>[ValidateEnumeratedItems]</c>.
/// </remarks>
public static partial class OptionsValidation
{
    /// <summary>Binds <paramref name="section"/> onto a new <typeparamref name="T"/> and validates it with <paramref name="validator"/>.</summary>
    public static T BindValidated<T>(IConfiguration configuration, string section, IValidateOptions<T> validator)
        where T : class, new()
    {
        var options = new T();
        Bind(configuration.GetSection(section), options, section);
        Validate(options, section, validator);
        return options;
    }

    /// <summary>Binds <paramref name="section"/> onto <paramref name="target"/>; a value that does not convert names <paramref name="path"/>.</summary>
    public static void Bind(IConfiguration section, object target, string path)
    {
        try
        {
            section.Bind(target);
        }
        catch (InvalidOperationException ex)
        {
            throw new StartupException($"{path} is invalid: {OneLine(ex.Message)}", ex);
        }
    }

    /// <summary>
    /// Validates <paramref name="options"/>, bound from the configuration section <paramref name="path"/>; a failure
    /// throws <see cref="StartupException"/> naming each bad setting by its configuration key.
    /// </summary>
    public static void Validate<T>(T options, string path, IValidateOptions<T> validator)
        where T : class
    {
        var result = validator.Validate(path, options);
        if (result.Failed)
        {
            var failures = (result.Failures ?? [result.FailureMessage]).Select(f => Describe(f, path)).Distinct(StringComparer.Ordinal);
            throw new StartupException($"{path} is invalid: {string.Join("; ", failures)}");
        }
    }

    /// <summary>Names that configuration keys give to dependencies, tools and executors: 1-64 chars of [a-z0-9._-].</summary>
    public static void RequireName(string name, string path, string noun)
    {
        if (!ValidName().IsMatch(name))
        {
            throw new StartupException($"{path} is not a valid {noun} (1-64 chars of [a-z0-9._-]).");
        }
    }

    /// <summary>
    /// A generated validator names a member <c>{path}.Retry.MaxAttempts</c> and prefixes the failure with the bare
    /// member name; an operator writes <c>{path}:Retry:MaxAttempts</c>, so that is the name the line gives.
    /// </summary>
    private static string Describe(string failure, string path)
    {
        var named = Regex.Replace(failure, Regex.Escape(path) + @"(?<members>(?:\.[A-Za-z_][A-Za-z0-9_]*(?:\[\d+\])?)+)",
            m => path + m.Groups["members"].Value.Replace('.', ':'), RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
        var bareMember = BareMemberPrefix().Match(named);
        if (bareMember.Success && named.Contains(path, StringComparison.Ordinal))
        {
            named = named[bareMember.Length..];
        }

        // IValidatableObject results name their context "{path}.Validate"; they start with it, then the member.
        return OneLine(named.Replace(":Validate: ", ":", StringComparison.Ordinal));
    }

    private static string OneLine(string text) => string.Join(' ', text.Split(['\r', '\n'], StringSplitOptions.RemoveEmptyEntries)).Trim();

    [GeneratedRegex("^[a-z0-9._-]{1,64}$", RegexOptions.CultureInvariant)]
    private static partial Regex ValidName();

    [GeneratedRegex(@"^[A-Za-z_][A-Za-z0-9_, ]*: ", RegexOptions.CultureInvariant)]
    private static partial Regex BareMemberPrefix();
}
