using System.CommandLine;
using PaperFeed.Worker.Hosting;

namespace PaperFeed.Worker.Cli;

/// <summary>
/// The command line of the one executable: <c>run</c> (the default) starts the worker; <c>source test</c>
/// fetches and parses one source once. Arguments the commands do not know (<c>--urls</c>, configuration
/// overrides such as <c>--PaperFeed:Transport=RabbitMq</c>) go to the host's configuration.
/// </summary>
public static class PaperFeedCli
{
    public static Task<int> RunAsync(string[] args)
    {
        var root = new RootCommand("PaperFeed: new papers from many sources, deduplicated, stored and announced.")
        {
            TreatUnmatchedTokensAsErrors = false,
        };
        root.SetAction((parse, ct) => RunHostAsync(parse.UnmatchedTokens.ToArray(), ct));

        var run = new Command("run", "Run the worker (the default): pollers, consumers and the HTTP API.") { TreatUnmatchedTokensAsErrors = false };
        run.SetAction((parse, ct) => RunHostAsync(parse.UnmatchedTokens.ToArray(), ct));
        root.Subcommands.Add(run);

        root.Subcommands.Add(SourceTestCommand.Create());
        root.Subcommands.Add(BackfillCommand.Create());
        root.Subcommands.Add(HealthCommand.Create());
        root.Subcommands.Add(ErrorsCommand.Create());

        // Ctrl+C cancels the command's token; a backfill then finishes its current page (arXiv spaces requests
        // 3 s apart) before it stops, which the default 2 s grace period would cut short.
        return root.Parse(args).InvokeAsync(new InvocationConfiguration { ProcessTerminationTimeout = TimeSpan.FromMinutes(1) });
    }

    private static async Task<int> RunHostAsync(string[] hostArgs, CancellationToken cancellationToken)
    {
        WebApplication app;
        try
        {
            app = PaperFeedApp.CreateBuilder(hostArgs).BuildPaperFeed();
        }
        catch (Exception ex) when (ex is InvalidOperationException or FormatException or Microsoft.Extensions.Options.OptionsValidationException)
        {
            // A broken configuration is reported in one line, not as a stack trace.
            await Console.Error.WriteLineAsync($"paperfeed: cannot start: {ex.Message}");
            return 2;
        }

        await app.RunAsync(cancellationToken);
        return 0;
    }
}
