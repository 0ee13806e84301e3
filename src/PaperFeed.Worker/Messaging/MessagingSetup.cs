using MassTransit;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.DependencyInjection.Extensions;
using PaperFeed.Worker.Hosting;
using PaperFeed.Worker.Notifications;
using PaperFeed.Worker.Papers;
using PaperFeed.Worker.Polling;

namespace PaperFeed.Worker.Messaging;

public static class MessagingSetup
{
    /// <summary>
    /// MassTransit on the configured transport: in-memory for the embedded mode, RabbitMQ (<c>ConnectionStrings:RabbitMq</c>)
    /// in production. Consumers and their endpoints are the same on both; <paramref name="roles"/> chooses which
    /// of them this process runs (a process without any still publishes).
    /// </summary>
    public static IServiceCollection AddPaperFeedMessaging(this IServiceCollection services, IConfiguration configuration, WorkerRoles roles, Action<IBusRegistrationConfigurator>? extra = null)
    {
        var options = configuration.GetSection(PaperFeedOptions.Section).Get<PaperFeedOptions>() ?? new PaperFeedOptions();

        // The consumers count what they do; hosts without the /metrics endpoint (backfill, benchmarks) still need the meter.
        services.AddMetrics();
        services.TryAddSingleton<PaperFeedMetrics>();
        services.TryAddSingleton(TimeProvider.System);
        services.AddConsumeObserver<ConsumerLagObserver>();
        services.AddMassTransit(x =>
        {
            x.SetKebabCaseEndpointNameFormatter();
            if (roles.HasFlag(WorkerRoles.Poller))
            {
                x.AddConsumer<PollRequestedConsumer>();
            }

            if (roles.HasFlag(WorkerRoles.Ingest))
            {
                x.AddConsumer<IngestPapersConsumer, IngestPapersConsumerDefinition>();
            }

            if (roles.HasFlag(WorkerRoles.Notify))
            {
                x.AddConsumer<MatchPapersConsumer, MatchPapersConsumerDefinition>();
                x.AddConsumer<DeliverNotificationConsumer, DeliverNotificationConsumerDefinition>();
            }

            extra?.Invoke(x);

            if (options.Transport == TransportKind.RabbitMq)
            {
                var uri = configuration.GetConnectionString("RabbitMq");
                if (string.IsNullOrWhiteSpace(uri) || !Uri.TryCreate(uri, UriKind.Absolute, out var broker) || (broker.Scheme != "amqp" && broker.Scheme != "amqps"))
                {
                    throw new InvalidOperationException(
                        $"PaperFeed:Transport is RabbitMq but ConnectionStrings:RabbitMq is {(string.IsNullOrWhiteSpace(uri) ? "missing" : $"'{uri}', not an amqp:// or amqps:// URI")} (e.g. ConnectionStrings__RabbitMq=amqp://guest:guest@localhost:5672/)");
                }

                services.AddHostedService<RabbitMqClientLog>();
                services.AddSingleton<IBrokerPublishProbe>(sp => ActivatorUtilities.CreateInstance<BrokerPublishProbe>(sp, broker));
                services.AddSingleton<BrokerPublishCheck>();
                services.AddHealthChecks().Add(new HealthCheckRegistration(
                    BrokerPublishCheck.Name, sp => sp.GetRequiredService<BrokerPublishCheck>(), HealthStatus.Unhealthy, ["ready"], BrokerPublishCheck.Timeout + TimeSpan.FromSeconds(1)));
                x.UsingRabbitMq((context, cfg) =>
                {
                    cfg.Host(broker, host =>
                    {
                        host.OnRefreshConnectionFactory = factory =>
                        {
                            factory.SocketFactory = RabbitMqSocket.Create;
                            return Task.CompletedTask;
                        };
                        if (!RabbitMqTimeouts.HeartbeatIsSetIn(broker))
                        {
                            host.Heartbeat(RabbitMqTimeouts.Heartbeat);
                        }

                        host.ContinuationTimeout(RabbitMqTimeouts.Continuation);
                    });
                    cfg.ConfigureEndpoints(context);
                });
            }
            else
            {
                x.UsingInMemory((context, cfg) => cfg.ConfigureEndpoints(context));
            }
        });

        if (options.Transport == TransportKind.RabbitMq)
        {
            // Registered after MassTransit's hosted service, so stopped before it: no restart races the bus's shutdown.
            services.AddHostedService<PublishStallWatchdog>();
        }

        services.Configure<MassTransitHostOptions>(o =>
        {
            // Publishing right after start would otherwise race the creation of exchanges and bindings.
            o.WaitUntilStarted = true;
            o.StartTimeout = TimeSpan.FromSeconds(60);
            o.StopTimeout = TimeSpan.FromSeconds(30);
        });
        return services;
    }
}
