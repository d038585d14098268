using System.ComponentModel.DataAnnotations;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;

namespace Sonia.Hosting.Cluster;

/// <summary>Binds and validates options before any host starts, so a bad value stops start-up with one clear line.</summary>
public static partial class OptionsValidation
{
    public static T BindValidated<T>(IConfiguration configuration, string section)
        where T : class, new()
    {
        var options = new T();
        Bind(configuration.GetSection(section), options, $"configuration section {section}");
        Validate(options, $"configuration section {section}");
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
            throw new StartupException($"{path} is invalid: {ex.Message}", ex);
        }
    }

    /// <summary>Checks the data annotations (and <see cref="IValidatableObject"/>) of <paramref name="target"/>.</summary>
    public static void Validate(object target, string what)
    {
        var results = new List<ValidationResult>();
        if (!Validator.TryValidateObject(target, new ValidationContext(target), results, validateAllProperties: true))
        {
            throw new StartupException($"{what} is invalid: {string.Join("; ", results.Select(r => r.ErrorMessage))}");
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

    [GeneratedRegex("^[a-z0-9._-]{1,64}$", RegexOptions.CultureInvariant)]
    private static partial Regex ValidName();
}
