using EsActors.Node.Configuration;
using Serilog;
using Serilog.Events;

namespace EsActors.Node.Logging;

/// <summary>Serilog to stderr for a process, and Akka's log level to match (Akka's events reach Serilog through <see cref="SerilogLogger"/>).</summary>
public static class ConsoleLogging
{
    /// <summary>Level from <c>ESACTORS_LOG_LEVEL</c> (Serilog level names), else <paramref name="fallback"/>.</summary>
    public static void Configure(LogEventLevel fallback)
    {
        var level = Enum.TryParse<LogEventLevel>(Environment.GetEnvironmentVariable("ESACTORS_LOG_LEVEL"), true, out var configured) ? configured : fallback;
        NodeConfig.AkkaLogLevel = level switch
        {
            <= LogEventLevel.Debug => "DEBUG",
            LogEventLevel.Information => "INFO",
            LogEventLevel.Warning => "WARNING",
            _ => "ERROR",
        };
        Log.Logger = new LoggerConfiguration()
            .MinimumLevel.Is(level)
            .WriteTo.Console(standardErrorFromLevel: LogEventLevel.Verbose, outputTemplate: "{Timestamp:HH:mm:ss.fff} [{Level:u3}] {Message:lj}{NewLine}{Exception}")
            .CreateLogger();
    }
}
