using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using PaperFeed.Worker.Api;
using PaperFeed.Worker.Messaging;
using PaperFeed.Worker.Notifications;
using PaperFeed.Worker.Notifications.Email;
using PaperFeed.Worker.Notifications.Webhooks;
using PaperFeed.Worker.Polling;
using PaperFeed.Worker.Sources;
using PaperFeed.Worker.Storage;

namespace PaperFeed.Worker.Hosting;

/// <summary>Builds the worker: each feature adds itself; this class only strings them together.</summary>
public static class PaperFeedApp
{
    /// <param name="args">Host arguments (<c>--urls</c>, configuration overrides).</param>
    /// <param name="configure">Adjusts configuration before the features read it (tests replace it whole).</param>
    /// <param name="bus">Adds consumers to the bus (tests count announcements with one).</param>
    public static WebApplicationBuilder CreateBuilder(string[] args, Action<ConfigurationManager>? configure = null, Action<MassTransit.IBusRegistrationConfigurator>? bus = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            ContentRootPath = AppContext.BaseDirectory,
        });
        configure?.Invoke(builder.Configuration);

        // Under systemd (Type=notify): readiness and stopping are reported, logs go to the journal. Elsewhere a no-op.
        builder.Host.UseSystemd();

        // Consumers get MassTransit's StopTimeout (30 s) to finish in-flight messages; the host must wait longer.
        builder.Services.Configure<HostOptions>(o => o.ShutdownTimeout = TimeSpan.FromSeconds(45));
        builder.AddPaperFeed(bus);
        return builder;
    }

    public static WebApplicationBuilder AddPaperFeed(this WebApplicationBuilder builder, Action<MassTransit.IBusRegistrationConfigurator>? bus = null)
    {
        var configuration = builder.Configuration;
        var roles = WorkerRolesConfiguration.Read(configuration);
        builder.Services.AddSingleton(new WorkerInstance(roles));
        builder.Services.AddOptions<PaperFeedOptions>().BindConfiguration(PaperFeedOptions.Section);
        builder.Services.AddSingleton(TimeProvider.System);
        builder.Services.AddPaperFeedStorage(configuration);
        builder.Services.AddPaperFeedSources(configuration);
        builder.Services.AddPaperFeedMessaging(configuration, roles, bus);
        builder.Services.AddPaperFeedPolling(roles);
        builder.Services.AddPaperFeedNotifications(configuration, roles);
        builder.Services.AddPaperFeedEmail(configuration);
        builder.Services.AddPaperFeedWebhooks(configuration);
        builder.Services.AddPaperFeedMetrics();
        builder.Services.AddPaperFeedTracing(configuration);

        builder.Services.ConfigureHttpJsonOptions(o =>
        {
            o.SerializerOptions.Converters.Add(new JsonStringEnumConverter());
            o.SerializerOptions.DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull;
        });
        builder.Services.AddOpenApi();
        builder.Services.AddProblemDetails();
        builder.Services.AddHealthChecks();
        return builder;
    }

    public static WebApplication BuildPaperFeed(this WebApplicationBuilder builder)
    {
        var app = builder.Build();
        app.UseExceptionHandler();
        if (app.Services.GetRequiredService<WorkerInstance>().Has(WorkerRoles.Api))
        {
            app.MapOpenApi();
            app.MapPaperFeedApi();
            app.MapSubscriptionEndpoints();
        }

        app.MapPrometheusScrapingEndpoint("/metrics");

        // Live: the process answers. Ready: the bus is connected and the store answers.
        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions
        {
            Predicate = check => check.Tags.Contains("ready"),
            ResultStatusCodes = { [HealthStatus.Degraded] = StatusCodes.Status503ServiceUnavailable },
            ResponseWriter = WriteHealthAsync,
        });
        return app;
    }

    /// <summary>The overall status, this worker's id and roles, and each check's status and description, as JSON.</summary>
    private static Task WriteHealthAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        var worker = context.RequestServices.GetRequiredService<WorkerInstance>();
        return context.Response.WriteAsJsonAsync(new
        {
            status = report.Status.ToString(),
            worker = worker.Id,
            roles = worker.Roles.Describe(),
            checks = report.Entries.ToDictionary(
                e => e.Key,
                e => new { status = e.Value.Status.ToString(), description = e.Value.Description }),
        });
    }
}
