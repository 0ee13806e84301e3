using PaperFeed.Contracts;

namespace PaperFeed.Worker.Sources;

/// <summary>The source types this process knows and the configured sources.</summary>
public sealed class SourceRegistry
{
    private readonly Dictionary<string, IPaperSource> _types;
    private readonly Dictionary<string, SourceDefinition> _sources;

    public SourceRegistry(
        IEnumerable<IPaperSource> types,
        Plugins.PluginCatalog plugins,
        IConfiguration configuration,
        Microsoft.Extensions.Options.IOptions<Hosting.PaperFeedOptions> options,
        ILogger<SourceRegistry> logger)
    {
        _types = new Dictionary<string, IPaperSource>(StringComparer.OrdinalIgnoreCase);
        foreach (var type in types)
        {
            _types[type.Type] = type;
        }

        foreach (var error in plugins.Errors)
        {
            logger.LogError("{Error}", error);
        }

        foreach (var plugin in plugins.Sources)
        {
            string name;
            try
            {
                name = plugin.Type;
            }
            catch (Exception ex)
            {
                logger.LogError("plug-in {Plugin}: its Type property threw: {Error}", plugin.GetType().FullName, ex.Message);
                continue;
            }

            if (string.IsNullOrWhiteSpace(name) || !_types.TryAdd(name, plugin))
            {
                logger.LogError("plug-in {Plugin}: type name '{Type}' is empty or already taken; it is not used", plugin.GetType().FullName, name);
                continue;
            }

            logger.LogInformation("plug-in source type '{Type}' loaded from {Assembly}", name, plugin.GetType().Assembly.Location);
        }

        Sources = SourceCatalog.Read(configuration, _types.Keys, options.Value.Polling.DefaultSchedule);
        _sources = Sources.ToDictionary(s => s.Name, StringComparer.OrdinalIgnoreCase);
    }

    public IReadOnlyList<SourceDefinition> Sources { get; }

    public ICollection<string> TypeNames => _types.Keys;

    public SourceDefinition? Find(string name) => _sources.GetValueOrDefault(name);

    public IPaperSource? TypeOf(string type) => _types.GetValueOrDefault(type);
}
