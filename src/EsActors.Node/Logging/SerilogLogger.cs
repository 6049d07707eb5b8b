using Akka.Actor;
using Akka.Dispatch;
using Akka.Event;
using Serilog;
using Serilog.Events;
using LogEvent = Akka.Event.LogEvent;

namespace EsActors.Node.Logging;

/// <summary>
/// Forwards Akka's log events to Serilog, keeping message templates and their arguments as structured
/// properties (Akka.Logger.Serilog is not available to this project).
/// </summary>
public sealed class SerilogLogger : ReceiveActor, IRequiresMessageQueue<ILoggerMessageQueueSemantics>
{
    public SerilogLogger()
    {
        Receive<InitializeLogger>(_ => Sender.Tell(new LoggerInitialized()));
        Receive<LogEvent>(Write);
    }

    private static void Write(LogEvent e)
    {
        var level = e.LogLevel() switch
        {
            LogLevel.DebugLevel => LogEventLevel.Debug,
            LogLevel.InfoLevel => LogEventLevel.Information,
            LogLevel.WarningLevel => LogEventLevel.Warning,
            _ => LogEventLevel.Error,
        };
        var logger = Log.ForContext("Source", e.LogSource);
        if (e.Message is LogMessage message)
            logger.Write(level, e.Cause, message.Format, message.Parameters().ToArray());
        else
            logger.Write(level, e.Cause, "{Message}", e.Message);
    }
}
