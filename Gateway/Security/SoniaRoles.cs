using System.Security.Claims;

namespace Sonia.Gateway.Security;

/// <summary>The three roles, each including the ones below it: client &lt; operator &lt; admin.</summary>
public static class SoniaRoles
{
    public const string Client = "client";
    public const string Operator = "operator";
    public const string Admin = "admin";

    public static readonly IReadOnlyList<string> All = [Client, Operator, Admin];

    /// <summary>0 for client, 1 for operator, 2 for admin, -1 for anything else.</summary>
    public static int Rank(string? role) => role switch
    {
        Client => 0,
        Operator => 1,
        Admin => 2,
        _ => -1,
    };

    public static bool IsValid(string? role) => Rank(role) >= 0;

    /// <summary>The role of the authenticated caller, or null when there is none.</summary>
    public static string? Of(ClaimsPrincipal user) =>
        user.Identity?.IsAuthenticated == true ? user.FindFirst(ClaimTypes.Role)?.Value : null;

    /// <summary>True when <paramref name="user"/> holds <paramref name="role"/> or a higher one.</summary>
    public static bool Holds(ClaimsPrincipal user, string role) => Of(user) is { } held && Rank(held) >= Rank(role);

    /// <summary>The authorization policy name of a role.</summary>
    public static string Policy(string role) => "sonia-role-" + role;
}

/// <summary>Endpoint metadata naming the least role an endpoint admits; its presence is what the role audit test checks.</summary>
public sealed record SoniaRoleMetadata(string Role);

public static class SoniaRoleEndpointExtensions
{
    /// <summary>Admits <paramref name="role"/> and every role above it.</summary>
    public static TBuilder RequireRole<TBuilder>(this TBuilder builder, string role)
        where TBuilder : IEndpointConventionBuilder
    {
        if (!SoniaRoles.IsValid(role))
        {
            throw new ArgumentException($"unknown role '{role}'", nameof(role));
        }

        builder.WithMetadata(new SoniaRoleMetadata(role));
        return builder.RequireAuthorization(SoniaRoles.Policy(role));
    }
}
