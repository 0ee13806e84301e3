using System.CommandLine;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using PaperFeed.Contracts;
using PaperFeed.Worker.Hosting;
using PaperFeed.Worker.Polling;
using PaperFeed.Worker.Sources;

namespace PaperFeed.Worker.Cli;

/// <summary>
/// <c>source test &lt;type&gt; &lt;url&gt;</c>: fetch and parse once with the same HTTP client and parser the worker
/// uses, print one JSON object per paper (JSON Lines) on stdout and diagnostics on stderr. Stores nothing.
/// </summary>
public static class SourceTestCommand
{
    public static readonly JsonSerializerOptions JsonLines = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, // keep titles readable: é, not \u00E9
        WriteIndented = false,
    };

    public static Command Create()
    {
        var type = new Argument<string>("type") { Description = "The source type, e.g. feed." };
        var url = new Argument<string?>("url") { Description = "The URL to read.", Arity = ArgumentArity.ZeroOrOne };
        var option = new Option<string[]>("--option", "-o")
        {
            Description = "A source option as key=value (repeatable).",
            AllowMultipleArgumentsPerToken = false,
        };
        var test = new Command("test", "Fetch and parse a source once; print its papers as JSON Lines; store nothing.") { type, url, option };
        test.SetAction((parse, ct) => TestAsync(parse.GetValue(type)!, parse.GetValue(url), parse.GetValue(option) ?? [], Console.Out, Console.Error, ct));

        var source = new Command("source", "Work with sources.");
        source.Subcommands.Add(test);
        return source;
    }

    public static async Task<int> TestAsync(string type, string? url, string[] options, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var configuration = new ConfigurationBuilder()
            .SetBasePath(AppContext.BaseDirectory)
            .AddJsonFile("appsettings.json", optional: true)
            .AddEnvironmentVariables()
            .Build();
        var services = new ServiceCollection()
            .AddLogging(l => l
                .SetMinimumLevel(LogLevel.Warning)
                .AddFilter("Polly", LogLevel.None) // the outcome is reported once, below
                .AddSimpleConsole(o => o.SingleLine = true)
                .AddConsole(o => o.LogToStandardErrorThreshold = LogLevel.Trace)) // stdout carries only JSON Lines
            .AddSingleton<IConfiguration>(configuration)
            .AddPaperFeedSources(configuration);
        services.AddOptions<PaperFeedOptions>().BindConfiguration(PaperFeedOptions.Section);
        await using var provider = services.BuildServiceProvider();

        var registry = provider.GetRequiredService<SourceRegistry>();
        var implementation = registry.TypeOf(type);
        if (implementation is null)
        {
            await stderr.WriteLineAsync($"paperfeed: unknown source type '{type}' (known: {string.Join(", ", registry.TypeNames.Order(StringComparer.Ordinal))})");
            return 2;
        }

        Uri? uri = null;
        if (url is not null && (!Uri.TryCreate(url, UriKind.Absolute, out uri) || (uri.Scheme != Uri.UriSchemeHttp && uri.Scheme != Uri.UriSchemeHttps)))
        {
            await stderr.WriteLineAsync($"paperfeed: '{url}' is not an absolute http(s) URL");
            return 2;
        }

        var parsedOptions = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var pair in options)
        {
            var eq = pair.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                await stderr.WriteLineAsync($"paperfeed: --option '{pair}' is not key=value");
                return 2;
            }

            parsedOptions[pair[..eq]] = pair[(eq + 1)..];
        }

        var definition = new SourceDefinition { Name = "test", Type = type, Url = uri, Schedule = "1h", Options = parsedOptions };
        var settings = provider.GetRequiredService<Microsoft.Extensions.Options.IOptions<PaperFeedOptions>>().Value;
        var context = new HttpSourceContext(
            definition,
            new Dictionary<string, HttpValidators>(),
            provider.GetRequiredService<IHttpClientFactory>().CreateClient(SourcesSetup.HttpClientName),
            settings.Http,
            provider.GetRequiredService<ILoggerFactory>().CreateLogger("PaperFeed.SourceTest"));
        try
        {
            var result = await implementation.FetchAsync(context, checkpoint: null, cancellationToken);
            foreach (var paper in result.Papers)
            {
                await stdout.WriteLineAsync(JsonSerializer.Serialize(paper, JsonLines));
            }

            await stdout.FlushAsync(cancellationToken);
            await stderr.WriteLineAsync($"paperfeed: {result.Papers.Count} papers from {type} source{(uri is null ? "" : $" {uri}")}");
            return 0;
        }
        catch (SourceException ex)
        {
            await stderr.WriteLineAsync($"paperfeed: cannot read the source: {ex.Message}");
            return 1;
        }
    }
}
