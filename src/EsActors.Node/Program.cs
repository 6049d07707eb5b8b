using System.CommandLine;
using EsActors.Node.Cli;
using EsActors.Node.Hosting;
using Serilog;
using Serilog.Events;

namespace EsActors.Node;

public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var level = Enum.TryParse<LogEventLevel>(Environment.GetEnvironmentVariable("ESACTORS_LOG_LEVEL"), true, out var configured) ? configured
            // Workers log membership changes and reissues; train keeps its console for progress lines.
            : args.FirstOrDefault() == "worker" ? LogEventLevel.Information : LogEventLevel.Warning;
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
        try
        {
            var root = CommandLine.Build();
            var parsed = root.Parse(args);
            if (parsed.Errors.Count > 0)
            {
                Console.Error.WriteLine($"error: {parsed.Errors[0].Message} (see --help)");
                return 2;
            }
            return await parsed.InvokeAsync();
        }
        catch (UserError e)
        {
            Console.Error.WriteLine($"error: {e.Message}");
            return 2;
        }
        finally
        {
            await Log.CloseAndFlushAsync();
        }
    }
}
