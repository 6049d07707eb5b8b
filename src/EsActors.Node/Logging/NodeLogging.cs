using Akka.Configuration;
using EsActors.Node.Configuration;
using Serilog;
using Serilog.Events;
using Serilog.Formatting.Compact;

namespace EsActors.Node.Logging;

/// <summary>
/// A process's logs: Serilog to stderr and, for a run, to <c>&lt;out&gt;/&lt;run-id&gt;/log.jsonl</c> (compact JSON, one
/// event a line); Akka's events reach Serilog through Akka.Logger.Serilog (hocon/logging.conf), with Akka's own level set
/// to match so that it does not even format what no sink keeps. The level comes from, highest first: the
/// <c>--log-level</c> option, the <c>ESACTORS_LOG_LEVEL</c> environment variable, the HOCON key
/// <c>esactors.log-level</c>, then the command's default.
/// </summary>
public static class NodeLogging
{
    public const string EnvironmentVariable = "ESACTORS_LOG_LEVEL";
    public const string HoconKey = "esactors.log-level";
    public const string RunLogFile = "log.jsonl";

    /// <summary>The level the user asked for (option, environment, HOCON: first given wins), or null.</summary>
    public static LogEventLevel? Requested(string? option, Config? config)
    {
        if (option is not null) return Parse(option, "--log-level");
        if (Environment.GetEnvironmentVariable(EnvironmentVariable) is { Length: > 0 } variable) return Parse(variable, EnvironmentVariable);
        if (config is not null && config.HasPath(HoconKey) && config.GetString(HoconKey) is { Length: > 0 } configured) return Parse(configured, HoconKey);
        return null;
    }

    /// <summary>Serilog's level names (verbose, debug, information, warning, error, fatal) and Akka's (info, warn).</summary>
    public static LogEventLevel Parse(string value, string source) => value.Trim().ToLowerInvariant() switch
    {
        "verbose" or "trace" => LogEventLevel.Verbose,
        "debug" => LogEventLevel.Debug,
        "information" or "info" => LogEventLevel.Information,
        "warning" or "warn" => LogEventLevel.Warning,
        "error" => LogEventLevel.Error,
        "fatal" => LogEventLevel.Fatal,
        _ => throw new UserError($"{source}: unknown log level '{value}' (expected verbose, debug, information, warning, error or fatal)"),
    };

    /// <summary>
    /// Points Serilog at stderr (<paramref name="console"/> level) and, when given, a run's log file (<paramref name="file"/>
    /// level, default the console's); returns <paramref name="config"/> with Akka's level set to the lower of the two.
    /// </summary>
    public static Config Configure(LogEventLevel console, Config? config = null, string? runLog = null, LogEventLevel? file = null)
    {
        var fileLevel = file ?? console;
        var lowest = runLog is not null && fileLevel < console ? fileLevel : console;
        var configuration = new LoggerConfiguration()
            .MinimumLevel.Is(lowest)
            .Filter.ByExcluding(IsDuplicateOfDisassociationWarning)
            .WriteTo.Console(restrictedToMinimumLevel: console, standardErrorFromLevel: LogEventLevel.Verbose,
                outputTemplate: "{Timestamp:HH:mm:ss.fff} [{Level:u3}] {Message:lj}{NewLine}{Exception}");
        if (runLog is not null)
            configuration = configuration.WriteTo.File(new CompactJsonFormatter(), runLog, restrictedToMinimumLevel: fileLevel, flushToDiskInterval: TimeSpan.FromSeconds(1));
        var previous = Log.Logger;
        Log.Logger = configuration.CreateLogger();
        (previous as IDisposable)?.Dispose();
        NodeConfig.AkkaLogLevel = AkkaLevel(lowest);
        return config is null ? ConfigurationFactory.Empty : ConfigurationFactory.ParseString($"akka.loglevel = {NodeConfig.AkkaLogLevel}").WithFallback(config);
    }

    /// <summary>
    /// When a node that left the cluster stops its process, its peers' remoting may see the connection close before
    /// they have removed the member: the endpoint writer fails with Akka.Remote's EndpointDisassociatedException, and
    /// Akka.Remote's endpoint supervisor logs it twice — a warning ("Association with remote system ... has failed;
    /// address is now gated ... Reason is: [Disassociated]") and, through the default supervisor-strategy logging,
    /// an ERROR with the same stack trace. A graceful leave is no error and the warning keeps the fact (a crash is
    /// reported by the failure detector too), so the duplicate ERROR is dropped. Measured on loopback before the
    /// filter: 2 of 6 graceful leaves (worker Ctrl-C, or a <c>status</c> query ending) logged it on the train node.
    /// </summary>
    internal static bool IsDuplicateOfDisassociationWarning(LogEvent e) =>
        e.Level == LogEventLevel.Error && e.Exception?.GetType().FullName == DisassociatedException;

    /// <summary>Akka.Remote's exception type is internal: matched by name.</summary>
    internal const string DisassociatedException = "Akka.Remote.EndpointDisassociatedException";

    private static string AkkaLevel(LogEventLevel level) => level switch
    {
        <= LogEventLevel.Debug => "DEBUG",
        LogEventLevel.Information => "INFO",
        LogEventLevel.Warning => "WARNING",
        _ => "ERROR",
    };
}
