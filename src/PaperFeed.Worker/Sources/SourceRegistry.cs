using PaperFeed.Contracts;

namespace PaperFeed.Worker.Sources;

/// <summary>The source types this process knows and the configured sources.</summary>
public sealed class SourceRegistry
{
    private readonly Dictionary<string, IPaperSource> _types;
    private readonly Dictionary<string, SourceDefinition> _sources;

    public SourceRegistry(IEnumerable<IPaperSource> types, IConfiguration configuration, Microsoft.Extensions.Options.IOptions<Hosting.PaperFeedOptions> options)
    {
        _types = new Dictionary<string, IPaperSource>(StringComparer.OrdinalIgnoreCase);
        foreach (var type in types)
        {
            _types[type.Type] = type;
        }

        Sources = SourceCatalog.Read(configuration, _types.Keys, options.Value.Polling.DefaultSchedule);
        _sources = Sources.ToDictionary(s => s.Name, StringComparer.OrdinalIgnoreCase);
    }

    public IReadOnlyList<SourceDefinition> Sources { get; }

    public ICollection<string> TypeNames => _types.Keys;

    public SourceDefinition? Find(string name) => _sources.GetValueOrDefault(name);

    public IPaperSource? TypeOf(string type) => _types.GetValueOrDefault(type);
}
