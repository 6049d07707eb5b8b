using Akka.Event;

namespace EsActors.Node.Tests.Support;

/// <summary>An Akka logging adapter that keeps every line (level and formatted text), for plain-class tests that check what is logged.</summary>
public sealed class RecordingLogger() : LoggingAdapterBase(SemanticLogMessageFormatter.Instance)
{
    private readonly List<(LogLevel Level, string Text)> _lines = new();

    public IReadOnlyList<(LogLevel Level, string Text)> Lines { get { lock (_lines) return _lines.ToList(); } }

    public IEnumerable<string> Warnings => Lines.Where(l => l.Level == LogLevel.WarningLevel).Select(l => l.Text);

    public override bool IsDebugEnabled => true;
    public override bool IsInfoEnabled => true;
    public override bool IsWarningEnabled => true;
    public override bool IsErrorEnabled => true;

    protected override void NotifyLog(LogLevel logLevel, object message, Exception? cause)
    {
        lock (_lines) _lines.Add((logLevel, message.ToString() ?? ""));
    }
}
