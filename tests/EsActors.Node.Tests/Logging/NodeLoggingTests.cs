using Akka.Remote;
using EsActors.Node.Logging;
using Serilog.Events;
using Serilog.Parsing;

namespace EsActors.Node.Tests.Logging;

public sealed class NodeLoggingTests
{
    private static LogEvent Event(LogEventLevel level, Exception? exception) =>
        new(DateTimeOffset.UtcNow, level, exception, new MessageTemplateParser().Parse("Disassociated"), []);

    /// <summary>Akka.Remote's (internal) exception, as its endpoint writer throws it.</summary>
    private static Exception Disassociated() =>
        (Exception)Activator.CreateInstance(typeof(RemoteTransportException).Assembly.GetType(NodeLogging.DisassociatedException, throwOnError: true)!,
            System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.Public | System.Reflection.BindingFlags.NonPublic, null, ["Disassociated"], null)!;

    [Fact]
    public void The_duplicate_error_of_a_disassociation_is_dropped_and_other_errors_are_kept()
    {
        Assert.True(NodeLogging.IsDuplicateOfDisassociationWarning(Event(LogEventLevel.Error, Disassociated())));
        Assert.False(NodeLogging.IsDuplicateOfDisassociationWarning(Event(LogEventLevel.Warning, Disassociated())));
        Assert.False(NodeLogging.IsDuplicateOfDisassociationWarning(Event(LogEventLevel.Error, new InvalidOperationException("Disassociated"))));
        Assert.False(NodeLogging.IsDuplicateOfDisassociationWarning(Event(LogEventLevel.Error, null)));
    }

    [Theory]
    [InlineData("Debug", LogEventLevel.Debug)]
    [InlineData("info", LogEventLevel.Information)]
    [InlineData("WARN", LogEventLevel.Warning)]
    [InlineData("error", LogEventLevel.Error)]
    public void Levels_are_read_by_Serilog_and_Akka_names(string name, LogEventLevel expected) =>
        Assert.Equal(expected, NodeLogging.Parse(name, "test"));

    [Fact]
    public void The_option_wins_over_HOCON_and_HOCON_is_used_without_it()
    {
        // ESACTORS_LOG_LEVEL sits between the two; it is not set in the test process (the process test covers it).
        Assert.Null(Environment.GetEnvironmentVariable(NodeLogging.EnvironmentVariable));
        var config = Akka.Configuration.ConfigurationFactory.ParseString("esactors.log-level = error");
        Assert.Equal(LogEventLevel.Debug, NodeLogging.Requested("debug", config));
        Assert.Equal(LogEventLevel.Error, NodeLogging.Requested(null, config));
        Assert.Null(NodeLogging.Requested(null, Akka.Configuration.ConfigurationFactory.Empty));
        Assert.Throws<UserError>(() => NodeLogging.Requested("loud", config));
    }
}
