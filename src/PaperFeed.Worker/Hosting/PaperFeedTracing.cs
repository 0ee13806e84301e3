using System.Diagnostics;
using OpenTelemetry.Trace;

namespace PaperFeed.Worker.Hosting;

/// <summary>
/// PaperFeed's own spans (activity source <c>PaperFeed</c>): one per poll, the root of a trace that MassTransit
/// carries on through ingest, matching and delivery in W3C trace context, and HttpClient into the webhook request
/// (<c>traceparent</c>).
/// </summary>
public static class PaperFeedTracing
{
    public const string SourceName = "PaperFeed";

    /// <summary>MassTransit's activity source (its <c>DiagnosticHeaders.DefaultListenerName</c>).</summary>
    public const string MassTransitSourceName = "MassTransit";

    public static readonly ActivitySource Source = new(SourceName);

    /// <summary>Span tags naming what a span is about.</summary>
    public static class Tags
    {
        public const string Source = "paperfeed.source";
        public const string Paper = "paperfeed.paper_id";
        public const string Delivery = "paperfeed.delivery_id";
        public const string Subscription = "paperfeed.subscription_id";
    }

    /// <summary>What a piece of work is about: a log scope property and the span tag it becomes.</summary>
    public readonly record struct Id(string LogProperty, string Tag, string Value)
    {
        public static Id Source(string name) => new("SourceName", Tags.Source, name);

        public static Id Paper(string id) => new("PaperId", Tags.Paper, id);

        public static Id Delivery(string id) => new("DeliveryId", Tags.Delivery, id);

        public static Id Subscription(string id) => new("SubscriptionId", Tags.Subscription, id);
    }

    /// <summary>
    /// Names what the current work is about in the current span's tags and in the scope of every log line written
    /// until the result is disposed (JSON console logs show them as properties, e.g. <c>"DeliveryId": "dlv_…"</c>).
    /// </summary>
    public static IDisposable? About(this ILogger logger, params ReadOnlySpan<Id> ids)
    {
        var activity = Activity.Current;
        var scope = new LogIds(ids.Length);
        foreach (var id in ids)
        {
            activity?.SetTag(id.Tag, id.Value);
            scope.Add(new KeyValuePair<string, object?>(id.LogProperty, id.Value));
        }

        return logger.BeginScope(scope);
    }

    /// <summary>A log scope of ids: properties for structured loggers, <c>DeliveryId=dlv_…</c> for the plain console.</summary>
    private sealed class LogIds(int capacity) : List<KeyValuePair<string, object?>>(capacity)
    {
        public override string ToString() => string.Join(' ', this.Select(p => $"{p.Key}={p.Value}"));
    }

    /// <summary>
    /// Exports traces over OTLP when an endpoint is configured (the standard <c>OTEL_EXPORTER_OTLP_ENDPOINT</c>,
    /// with <c>OTEL_SERVICE_NAME</c> and the other <c>OTEL_*</c> variables); without one no span is recorded.
    /// </summary>
    public static IServiceCollection AddPaperFeedTracing(this IServiceCollection services, IConfiguration configuration)
    {
        if (string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_ENDPOINT"]) &&
            string.IsNullOrWhiteSpace(configuration["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"]))
        {
            return services;
        }

        services.AddOpenTelemetry().WithTracing(t => t
            .AddSource(SourceName, MassTransitSourceName)
            .AddAspNetCoreInstrumentation(o => o.Filter = http => !http.Request.Path.StartsWithSegments("/health") && !http.Request.Path.StartsWithSegments("/metrics"))
            .AddHttpClientInstrumentation()
            .AddOtlpExporter());
        return services;
    }
}
