using System.CommandLine;

namespace PaperFeed.Worker.Cli;

/// <summary>
/// <c>health [url]</c>: asks a running worker's health endpoint and exits 0 when it answers 2xx, 1 otherwise —
/// the container health check, which needs no curl in the image.
/// </summary>
internal static class HealthCommand
{
    public static Command Create()
    {
        var url = new Argument<string>("url")
        {
            Description = "The endpoint to ask",
            DefaultValueFactory = _ => "http://127.0.0.1:8080/health/live",
        };
        var command = new Command("health", "Exit 0 when a running worker's health endpoint answers 2xx.") { url };
        command.SetAction(async (parse, ct) =>
        {
            var text = parse.GetValue(url);
            if (!Uri.TryCreate(text, UriKind.Absolute, out var target) || (target.Scheme != Uri.UriSchemeHttp && target.Scheme != Uri.UriSchemeHttps))
            {
                await Console.Error.WriteLineAsync($"paperfeed health: '{text}' is not an http(s) URL");
                return 2;
            }

            using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            try
            {
                using var response = await client.GetAsync(target, ct);
                await Console.Out.WriteLineAsync($"{target}: {(int)response.StatusCode} {response.ReasonPhrase}");
                return response.IsSuccessStatusCode ? 0 : 1;
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException)
            {
                await Console.Error.WriteLineAsync($"{target}: {ex.Message}");
                return 1;
            }
        });
        return command;
    }
}
