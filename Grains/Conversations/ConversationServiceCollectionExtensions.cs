using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Sonia.Grains.Conversations.Memory;
using Sonia.Grains.Conversations.Routing;
using Sonia.Grains.Sessions;
using Sonia.Hosting.Cluster;
using Sonia.Hosting.Database;

namespace Sonia.Grains.Conversations;

/// <summary>Registers what a turn needs: the memory store and the router chosen by configuration, and the session options.</summary>
public static class ConversationServiceCollectionExtensions
{
    public const string RouterClient = "sonia-router";
    public const string MemoryClient = "sonia-memory";

    public static IServiceCollection AddSoniaConversations(
        this IServiceCollection services, IConfiguration configuration, Actions.Tools.ActionsOptions actions, DatabaseOptions database)
    {
        var memory = OptionsValidation.BindValidated(configuration, MemoryOptions.SectionName, new MemoryOptionsValidator());
        var router = OptionsValidation.BindValidated(configuration, RouterOptions.SectionName, new RouterOptionsValidator());
        services.AddSingleton(memory);
        services.AddSingleton(router);
        services.AddSingleton(OptionsValidation.BindValidated(configuration, SessionOptions.SectionName, new SessionOptionsValidator()));
        services.AddSingleton(new ToolOffer(actions));

        // The adapters' own timeouts (under their breakers) bound each call; the client's must not cut in first.
        services.AddHttpClient(RouterClient, c => c.Timeout = Timeout.InfiniteTimeSpan);
        services.AddHttpClient(MemoryClient, c => c.Timeout = Timeout.InfiniteTimeSpan);

        services.AddSingleton<IMemoryStore>(sp => memory.Store == MemoryOptions.Http
            ? new HttpMemoryStore(sp.GetRequiredService<IHttpClientFactory>().CreateClient(MemoryClient), memory)
            : new SqlMemoryStore(database, memory));
        services.AddSingleton<IRouter>(sp => router.Kind == RouterOptions.OpenAi
            ? new OpenAiRouter(sp.GetRequiredService<IHttpClientFactory>().CreateClient(RouterClient), router)
            : new RulesRouter());
        return services;
    }
}
