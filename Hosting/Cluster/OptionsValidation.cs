using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;

namespace Sonia.Hosting.Cluster;

/// <summary>Binds and validates options before any host starts, so a bad value stops start-up with one clear line.</summary>
public static class OptionsValidation
{
    public static T BindValidated<T>(IConfiguration configuration, string section)
        where T : class, new()
    {
        var options = new T();
        try
        {
            configuration.GetSection(section).Bind(options);
        }
        catch (InvalidOperationException ex)
        {
            throw new StartupException($"configuration section {section} is invalid: {ex.Message}", ex);
        }

        var results = new List<ValidationResult>();
        if (!Validator.TryValidateObject(options, new ValidationContext(options), results, validateAllProperties: true))
        {
            var reasons = string.Join("; ", results.Select(r => r.ErrorMessage));
            throw new StartupException($"configuration section {section} is invalid: {reasons}");
        }

        return options;
    }
}
