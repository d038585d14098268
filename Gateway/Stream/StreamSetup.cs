using Sonia.Gateway.Security;
using Sonia.Hosting.Cluster;

namespace Sonia.Gateway.Streaming;

/// <summary>Registers the stream's limits and access rule; <see cref="UseSoniaStream"/> puts WebSockets in the pipeline.</summary>
public static class StreamSetup
{
    public static WebApplicationBuilder AddSoniaStream(this WebApplicationBuilder builder)
    {
        var options = OptionsValidation.BindValidated(builder.Configuration, StreamOptions.SectionName, new StreamOptionsValidator());
        var limits = AuthOptions.Load(builder.Configuration).RateLimits;
        builder.Services.AddSingleton(options);
        builder.Services.AddSingleton(_ => new StreamRateLimiter(limits)); // a factory, so that the container disposes it
        builder.Services.AddSingleton<StreamServices>();
        builder.Services.AddAuthorizationBuilder().AddPolicy(StreamApi.Policy, p => p
            .RequireAssertion(c => StreamApi.MayOpen(c.Resource as HttpContext, c.User)));
        return builder;
    }

    /// <summary>Before security: the access rule asks whether a request is a WebSocket upgrade.</summary>
    public static WebApplication UseSoniaStream(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<StreamOptions>();
        app.UseWebSockets(new WebSocketOptions
        {
            KeepAliveInterval = options.KeepAliveInterval,
            KeepAliveTimeout = options.KeepAliveTimeout,
        });
        return app;
    }
}
