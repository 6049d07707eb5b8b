using EsActors.Node.Cli;
using EsActors.Node.Logging;
using Serilog;
using Serilog.Events;

namespace EsActors.Node;

public static class Program
{
    public static async Task<int> Main(string[] args)
    {
        // Until a command sets the level it was asked for: workers log membership changes and reissues; train keeps
        // its console for progress lines.
        NodeLogging.Configure(args.FirstOrDefault() == "worker" ? LogEventLevel.Information : LogEventLevel.Warning);
        try
        {
            return await CommandLine.Run(CommandLine.Build(), args);
        }
        finally
        {
            await Log.CloseAndFlushAsync();
        }
    }
}
