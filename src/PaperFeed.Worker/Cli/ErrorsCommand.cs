using System.CommandLine;
using System.Text.Json;
using PaperFeed.Worker.Messaging;

namespace PaperFeed.Worker.Cli;

/// <summary>
/// <c>errors list [queue]</c> and <c>errors redrive &lt;queue&gt; [--message-id id]</c>: inspect the messages that
/// failed every try (RabbitMQ error queues) and send them back once the cause is fixed.
/// </summary>
internal static class ErrorsCommand
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    public static Command Create()
    {
        var broker = new Option<string?>("--broker")
        {
            Description = "The RabbitMQ broker (amqp URI); default: ConnectionStrings__RabbitMq, else amqp://guest:guest@localhost:5672/",
        };

        var listQueue = new Argument<string?>("queue") { Description = "One queue (e.g. match-papers); default: all of PaperFeed's.", Arity = ArgumentArity.ZeroOrOne };
        var list = new Command("list", "Print the failed messages as JSON Lines: queue, message id and type, when and why they failed.") { listQueue, broker };
        list.SetAction((parse, ct) => RunAsync(parse.GetValue(broker), async queues =>
        {
            var failed = await queues.ListAsync(parse.GetValue(listQueue), ct);
            foreach (var message in failed)
            {
                await Console.Out.WriteLineAsync(JsonSerializer.Serialize(message, Json));
            }

            await Console.Error.WriteLineAsync($"{failed.Count} failed message{(failed.Count == 1 ? "" : "s")}");
            return 0;
        }));

        var redriveQueue = new Argument<string>("queue") { Description = "The queue whose failed messages go back (e.g. match-papers)." };
        var messageId = new Option<string?>("--message-id") { Description = "Only this message." };
        var redrive = new Command("redrive", "Move failed messages back to their queue (after fixing what made them fail).") { redriveQueue, messageId, broker };
        redrive.SetAction((parse, ct) => RunAsync(parse.GetValue(broker), async queues =>
        {
            var moved = await queues.RedriveAsync(parse.GetValue(redriveQueue)!, parse.GetValue(messageId), ct);
            await Console.Error.WriteLineAsync($"{moved} message{(moved == 1 ? "" : "s")} moved back to {parse.GetValue(redriveQueue)}");
            return moved == 0 && parse.GetValue(messageId) is not null ? 1 : 0;
        }));

        return new Command("errors", "Inspect and re-drive messages that failed every try (RabbitMQ).") { list, redrive };
    }

    private static async Task<int> RunAsync(string? broker, Func<ErrorQueues, Task<int>> action)
    {
        var text = broker ?? Environment.GetEnvironmentVariable("ConnectionStrings__RabbitMq") ?? "amqp://guest:guest@localhost:5672/";
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || (uri.Scheme != "amqp" && uri.Scheme != "amqps"))
        {
            await Console.Error.WriteLineAsync($"paperfeed errors: '{text}' is not an amqp:// or amqps:// URI");
            return 2;
        }

        try
        {
            return await action(new ErrorQueues(uri));
        }
        catch (Exception ex) when (ex is InvalidOperationException or ArgumentException)
        {
            await Console.Error.WriteLineAsync($"paperfeed errors: {ex.Message}");
            return ex is ArgumentException ? 2 : 1;
        }
    }
}
