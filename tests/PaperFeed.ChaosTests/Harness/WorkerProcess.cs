using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Text.Json;

namespace PaperFeed.ChaosTests.Harness;

/// <summary>
/// The real worker as a child OS process: <c>dotnet PaperFeed.Worker.dll --urls http://127.0.0.1:PORT</c> from the
/// worker's own build output, configured through environment variables only (<c>PaperFeed__…</c>,
/// <c>ConnectionStrings__…</c>). It can be killed (SIGKILL), stopped (SIGTERM, awaiting its exit) and started again
/// on the same port and settings. What it writes to stdout and stderr is kept and shown in the test output when the
/// test fails.
/// </summary>
public sealed class WorkerProcess : IAsyncDisposable
{
    /// <summary>How long a start may take until /health/ready answers 200.</summary>
    public static readonly TimeSpan ReadyDeadline = TimeSpan.FromSeconds(60);

    private const int KeptLines = 10_000;
    private const int KeptLineLength = 2_000;

    private readonly IReadOnlyDictionary<string, string?> _settings;
    private readonly string _workingDirectory;
    private readonly ConcurrentQueue<string> _output = new();
    private Process? _process;
    private int _starts;

    private WorkerProcess(IReadOnlyDictionary<string, string?> settings, string workingDirectory, int port)
    {
        _settings = settings;
        _workingDirectory = workingDirectory;
        BaseUri = new Uri($"http://127.0.0.1:{port.ToString(CultureInfo.InvariantCulture)}/");
        Api = new HttpClient { BaseAddress = BaseUri, Timeout = TimeSpan.FromSeconds(15) };
    }

    /// <summary>The worker's HTTP API (the same port across restarts).</summary>
    public HttpClient Api { get; }

    public Uri BaseUri { get; }

    /// <summary>The OS process id of the current (or last) run.</summary>
    public int ProcessId { get; private set; }

    /// <summary>True while the current run has not exited.</summary>
    public bool Running => _process is { HasExited: false };

    /// <summary>When the current run was started.</summary>
    public DateTimeOffset StartedAt { get; private set; }

    /// <summary>The folder of the worker's build output (PaperFeed.Worker.dll with its deps, runtimeconfig and appsettings).</summary>
    public static string WorkerDirectory { get; } = FindWorkerDirectory();

    /// <summary>
    /// Starts the worker with exactly these configuration keys (<c>PaperFeed:Transport</c>, …; written as
    /// environment variables) on a free loopback port, and waits until it is ready. appsettings.json is still read,
    /// so its sources the settings do not replace are disabled: no test reaches the internet.
    /// </summary>
    public static async Task<WorkerProcess> StartAsync(IReadOnlyDictionary<string, string?> settings, string workingDirectory)
    {
        var worker = new WorkerProcess(settings, workingDirectory, FreePort());
        try
        {
            await worker.LaunchAsync();
        }
        catch
        {
            await worker.DisposeAsync();
            throw;
        }

        return worker;
    }

    /// <summary>SIGKILL: the process and its children die at once, mid-write, with nothing flushed or acknowledged.</summary>
    public async Task KillAsync()
    {
        var process = _process ?? throw new InvalidOperationException("the worker was never started");
        Log($"SIGKILL to {process.Id}");
        process.Kill(entireProcessTree: true);
        await process.WaitForExitAsync(TestContext.Current.CancellationToken);
    }

    /// <summary>
    /// SIGTERM, as systemd or Kubernetes stop a service, then waits for the exit; returns the exit code. Throws (and
    /// kills the process) when it has not exited within <paramref name="deadline"/>.
    /// </summary>
    public async Task<int> StopAsync(TimeSpan deadline)
    {
        var process = _process ?? throw new InvalidOperationException("the worker was never started");
        if (!process.HasExited)
        {
            Log($"SIGTERM to {process.Id}");
            await SignalAsync(process.Id, "TERM");
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
            timeout.CancelAfter(deadline);
            try
            {
                await process.WaitForExitAsync(timeout.Token);
            }
            catch (OperationCanceledException) when (!TestContext.Current.CancellationToken.IsCancellationRequested)
            {
                process.Kill(entireProcessTree: true);
                throw new TimeoutException($"the worker (pid {process.Id}) did not exit within {deadline} of SIGTERM; it was killed");
            }
        }

        // WaitForExitAsync returns once the process is gone; the output readers may still be draining.
        process.WaitForExit();
        Log($"exited with code {process.ExitCode}");
        return process.ExitCode;
    }

    /// <summary>Starts the worker again with the same settings and port (stopping it gracefully first if it runs), and waits until it is ready.</summary>
    public async Task RestartAsync()
    {
        if (Running)
        {
            await StopAsync(TimeSpan.FromSeconds(60));
        }

        await LaunchAsync();
    }

    /// <summary>The status code of GET /health/ready, or null when the process does not answer.</summary>
    public async Task<HttpStatusCode?> ReadinessAsync()
    {
        try
        {
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(TestContext.Current.CancellationToken);
            timeout.CancelAfter(TimeSpan.FromSeconds(5));
            using var response = await Api.GetAsync("/health/ready", timeout.Token);
            return response.StatusCode;
        }
        catch (Exception ex) when (ex is HttpRequestException || (ex is OperationCanceledException && !TestContext.Current.CancellationToken.IsCancellationRequested))
        {
            return null;
        }
    }

    /// <summary>Every line the worker wrote so far (the last few thousand), prefixed with the run it came from.</summary>
    public IReadOnlyList<string> Output => _output.ToArray();

    /// <summary>Writes the captured output to the test's output.</summary>
    public void WriteOutput(string why)
    {
        var output = TestContext.Current.TestOutputHelper;
        if (output is null)
        {
            return;
        }

        output.WriteLine($"--- worker output ({why}) ---");
        foreach (var line in _output)
        {
            output.WriteLine(line);
        }

        output.WriteLine("--- end of worker output ---");
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { } process)
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
                await process.WaitForExitAsync(CancellationToken.None);
            }

            process.Dispose();
        }

        if (TestContext.Current.TestState?.Result is not TestResult.Passed and not TestResult.Skipped)
        {
            WriteOutput("the test did not pass");
        }

        Api.Dispose();
    }

    private async Task LaunchAsync()
    {
        _process?.Dispose();
        var run = Interlocked.Increment(ref _starts);
        var start = new ProcessStartInfo(DotnetHost())
        {
            WorkingDirectory = _workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(Path.Combine(WorkerDirectory, "PaperFeed.Worker.dll"));
        start.ArgumentList.Add("--urls");
        start.ArgumentList.Add(BaseUri.AbsoluteUri.TrimEnd('/'));
        foreach (var key in start.Environment.Keys.ToList())
        {
            // Only what the test says configures the worker, whatever the test runner's environment holds.
            if (key.StartsWith("PaperFeed__", StringComparison.OrdinalIgnoreCase)
                || key.StartsWith("ConnectionStrings__", StringComparison.OrdinalIgnoreCase)
                || key.StartsWith("ASPNETCORE_", StringComparison.OrdinalIgnoreCase)
                || key.StartsWith("DOTNET_URLS", StringComparison.OrdinalIgnoreCase)
                || key.StartsWith("DOTNET_ENVIRONMENT", StringComparison.OrdinalIgnoreCase))
            {
                start.Environment.Remove(key);
            }
        }

        foreach (var (key, value) in EnvironmentVariables())
        {
            start.Environment[key] = value;
        }

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        process.OutputDataReceived += (_, e) => Keep(run, "out", e.Data);
        process.ErrorDataReceived += (_, e) => Keep(run, "err", e.Data);
        StartedAt = DateTimeOffset.UtcNow;
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
        ProcessId = process.Id;
        Log($"run {run} started as pid {process.Id} on {BaseUri}");
        await WaitUntilReadyAsync(process);
    }

    private async Task WaitUntilReadyAsync(Process process)
    {
        var deadline = DateTime.UtcNow + ReadyDeadline;
        var delay = TimeSpan.FromMilliseconds(50);
        while (true)
        {
            if (process.HasExited)
            {
                process.WaitForExit();
                WriteOutput("it exited before it was ready");
                throw new InvalidOperationException($"the worker exited with code {process.ExitCode} before /health/ready answered 200");
            }

            if (await ReadinessAsync() == HttpStatusCode.OK)
            {
                Log($"ready after {(DateTimeOffset.UtcNow - StartedAt).TotalSeconds:0.0} s");
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                WriteOutput("it was not ready in time");
                throw new TimeoutException($"the worker (pid {process.Id}) was not ready within {ReadyDeadline}");
            }

            await Task.Delay(delay, TestContext.Current.CancellationToken);
            delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 250));
        }
    }

    /// <summary>The settings as environment variables, and the sources of appsettings.json the settings leave alone disabled.</summary>
    private Dictionary<string, string?> EnvironmentVariables()
    {
        var variables = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var (key, value) in _settings)
        {
            variables[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        var own = _settings.Keys
            .Select(k => k.Split(':'))
            .Where(p => p.Length > 3 && p[0] == "PaperFeed" && p[1] == "Sources")
            .Select(p => p[2])
            .ToHashSet(StringComparer.Ordinal);
        for (var i = 0; i < ConfiguredSourceCount(); i++)
        {
            var index = i.ToString(CultureInfo.InvariantCulture);
            if (!own.Contains(index))
            {
                variables[$"PaperFeed__Sources__{index}__Enabled"] = "false";
            }
        }

        variables["DOTNET_NOLOGO"] = "1";
        variables["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        return variables;
    }

    private static int ConfiguredSourceCount()
    {
        var path = Path.Combine(WorkerDirectory, "appsettings.json");
        if (!File.Exists(path))
        {
            return 0;
        }

        using var document = JsonDocument.Parse(File.ReadAllBytes(path), new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        return document.RootElement.TryGetProperty("PaperFeed", out var paperFeed)
            && paperFeed.TryGetProperty("Sources", out var sources)
            && sources.ValueKind == JsonValueKind.Array
            ? sources.GetArrayLength()
            : 0;
    }

    private void Keep(int run, string stream, string? line)
    {
        if (line is null)
        {
            return;
        }

        _output.Enqueue($"[run {run} {stream}] {(line.Length > KeptLineLength ? line[..KeptLineLength] + " …" : line)}");
        while (_output.Count > KeptLines && _output.TryDequeue(out _))
        {
        }
    }

    private void Log(string what) =>
        _output.Enqueue($"[harness {DateTimeOffset.UtcNow:HH:mm:ss.fff}] {what}");

    private static async Task SignalAsync(int pid, string signal)
    {
        using var kill = Process.Start(new ProcessStartInfo("kill")
        {
            ArgumentList = { $"-{signal}", pid.ToString(CultureInfo.InvariantCulture) },
            UseShellExecute = false,
            RedirectStandardError = true,
        }) ?? throw new InvalidOperationException("could not run kill");
        var error = await kill.StandardError.ReadToEndAsync();
        await kill.WaitForExitAsync();
        if (kill.ExitCode != 0)
        {
            throw new InvalidOperationException($"kill -{signal} {pid} failed ({kill.ExitCode}): {error.Trim()}");
        }
    }

    /// <summary>The dotnet host that runs the tests (the SDK sets DOTNET_HOST_PATH), else the one on PATH.</summary>
    private static string DotnetHost() =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host : "dotnet";

    private static string FindWorkerDirectory()
    {
        // The worker's own output, where its deps.json and runtimeconfig.json describe it; else the copy beside the tests.
        var built = typeof(WorkerProcess).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .FirstOrDefault(a => a.Key == "PaperFeed.Worker.Directory")?.Value;
        foreach (var candidate in new[] { built, AppContext.BaseDirectory })
        {
            if (candidate is not null
                && File.Exists(Path.Combine(candidate, "PaperFeed.Worker.dll"))
                && File.Exists(Path.Combine(candidate, "PaperFeed.Worker.runtimeconfig.json")))
            {
                return candidate;
            }
        }

        throw new InvalidOperationException(
            $"PaperFeed.Worker.dll with its runtimeconfig.json was found neither in '{built}' nor in '{AppContext.BaseDirectory}'; build the worker first");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
