namespace EsActors.Domain.Runs;

/// <summary>Commands to the run. Imperative names; <see cref="RunLogic.Decide"/> turns them into events.</summary>
public interface IRunCommand;

public sealed record StartRun(RunDefinition Definition, StopCriteria Stop) : IRunCommand;

public sealed record CompleteGeneration(GenerationCompleted Result) : IRunCommand;

/// <summary>Either the events to persist or the reason the command is refused.</summary>
public sealed record Decision(IReadOnlyList<IRunEvent> Events, string? Rejection)
{
    public static Decision Accept(params IRunEvent[] events) => new(events, null);
    public static Decision Reject(string reason) => new([], reason);
    public bool IsRejected => Rejection is not null;
}
