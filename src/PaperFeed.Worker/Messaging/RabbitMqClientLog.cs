using System.Collections.ObjectModel;
using System.Diagnostics.Tracing;

namespace PaperFeed.Worker.Messaging;

/// <summary>
/// Passes RabbitMQ.Client's own warnings and errors (its <c>rabbitmq-client</c> event source: a crashed socket
/// writer, a connection closed for missed heartbeats) to the log under the category <c>RabbitMQ.Client</c>.
/// MassTransit reports what it sees of a connection; these say why the client saw it, and when.
/// </summary>
public sealed class RabbitMqClientLog(ILoggerFactory loggers) : IHostedService, IDisposable
{
    public const string EventSourceName = "rabbitmq-client";

    private Listener? _listener;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _listener ??= new Listener(loggers.CreateLogger("RabbitMQ.Client"));
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken)
    {
        Dispose();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        _listener?.Dispose();
        _listener = null;
    }

    /// <summary>What the logger gets from one event: the client's message and, for errors, its exception's details.</summary>
    public static (LogLevel Level, string Message) Describe(EventLevel level, ReadOnlyCollection<object?>? payload)
    {
        var logLevel = level switch
        {
            EventLevel.Critical => LogLevel.Critical,
            EventLevel.Error => LogLevel.Error,
            EventLevel.Warning => LogLevel.Warning,
            _ => LogLevel.Information,
        };
        var parts = (payload ?? []).Select(Text).Where(t => t.Length > 0);
        return (logLevel, string.Join(": ", parts));
    }

    private static string Text(object? value) => value switch
    {
        null => "",
        string s => s,
        // The error event's exception detail arrives as a dictionary of its properties.
        IDictionary<string, object?> detail => string.Join(" ", new[] { "Type", "Message", "InnerException" }
            .Select(key => detail.TryGetValue(key, out var v) ? v?.ToString() : null)
            .Where(v => !string.IsNullOrEmpty(v))),
        _ => value.ToString() ?? "",
    };

    private sealed class Listener : EventListener
    {
        // Set after the base constructor, which may already announce existing sources: those are enabled below,
        // and events only flow once enabled, by which time the logger is there.
        private readonly ILogger _logger;

        public Listener(ILogger logger)
        {
            _logger = logger;
            foreach (var source in EventSource.GetSources())
            {
                Enable(source);
            }
        }

        protected override void OnEventSourceCreated(EventSource eventSource)
        {
            base.OnEventSourceCreated(eventSource);
            Enable(eventSource);
        }

        protected override void OnEventWritten(EventWrittenEventArgs eventData)
        {
            if (_logger is null)
            {
                return;
            }

            var (level, message) = Describe(eventData.Level, eventData.Payload);
            if (_logger.IsEnabled(level))
            {
                _logger.Log(level, "{ClientMessage}", message);
            }
        }

        private void Enable(EventSource source)
        {
            if (source.Name == EventSourceName)
            {
                EnableEvents(source, EventLevel.Warning, EventKeywords.All);
            }
        }
    }
}
