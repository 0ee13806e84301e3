using Microsoft.Extensions.DependencyInjection.Extensions;

namespace PaperFeed.Worker.Notifications.Email;

public static class EmailSetup
{
    /// <summary>
    /// E-mail notifications: <see cref="SmtpOptions"/> from <c>PaperFeed:Smtp</c>, the templates (parsed once),
    /// the composer and <see cref="SmtpEmailSender"/> as the <see cref="INotificationSender"/> of the e-mail channel.
    /// Uses the registered <see cref="TimeProvider"/> (the system clock when there is none).
    /// </summary>
    public static IServiceCollection AddPaperFeedEmail(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<SmtpOptions>().Bind(configuration.GetSection(SmtpOptions.Section));
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<EmailTemplates>();
        services.AddSingleton<EmailComposer>();
        services.AddSingleton<SmtpEmailSender>();
        services.AddSingleton<INotificationSender>(sp => sp.GetRequiredService<SmtpEmailSender>());
        return services;
    }
}
