using Akka.Actor;
using Akka.Persistence;
using EsActors.Domain.Runs;
using EsActors.Node.Optimizer;

namespace EsActors.Node.Outputs;

/// <summary>
/// A run rebuilt from its events alone: the generation log, each generation's report figures (θ norms need the
/// replay) and the final state (θ replayed from θ₀).
/// </summary>
public sealed record RunHistory(RunState State, IReadOnlyList<GenerationCompleted> Generations, IReadOnlyList<GenerationFigures> Figures);

/// <summary>
/// Reads a run's whole journal, ignoring snapshots, and replays it through the pure update. Used by
/// <c>export</c> and at the end of <c>train</c>; it never writes, so it may run beside the live optimizer.
/// </summary>
public sealed class RunReader : ReceivePersistentActor
{
    private readonly string _runId;
    private readonly TaskCompletionSource<RunHistory> _result;
    private readonly List<GenerationCompleted> _generations = new();
    private readonly List<GenerationFigures> _figures = new();
    private RunState _state = RunState.Empty;

    public RunReader(string runId, TaskCompletionSource<RunHistory> result)
    {
        _runId = runId;
        _result = result;
        Recover<IRunEvent>(e =>
        {
            var before = _state;
            _state = RunLogic.Apply(_state, e);
            if (e is not GenerationCompleted g) return;
            _generations.Add(g);
            _figures.Add(GenerationFigures.Of(g, before, _state));
        });
        Recover<RecoveryCompleted>(_ =>
        {
            _result.TrySetResult(new RunHistory(_state, _generations, _figures));
            Context.Stop(Self);
        });
    }

    public override string PersistenceId => OptimizerActor.PersistenceIdFor(_runId);
    public override Recovery Recovery => new(SnapshotSelectionCriteria.None);

    protected override void OnRecoveryFailure(Exception reason, object? message = null)
    {
        _result.TrySetException(reason);
        base.OnRecoveryFailure(reason, message);
    }
}

/// <summary>
/// Decodes every event of a run, ignoring snapshots, without replaying the update: a check that the whole journal is
/// readable (a snapshot lets recovery skip the events before it, so it would not see one of them corrupted).
/// </summary>
public sealed class RunVerifier : ReceivePersistentActor
{
    private readonly string _runId;
    private long _events;

    public RunVerifier(string runId, TaskCompletionSource<long> result)
    {
        _runId = runId;
        Recover<IRunEvent>(_ => _events++);
        Recover<RecoveryCompleted>(_ => { result.TrySetResult(_events); Context.Stop(Self); });
        Failed = result;
    }

    private TaskCompletionSource<long> Failed { get; }

    public override string PersistenceId => OptimizerActor.PersistenceIdFor(_runId);
    public override Recovery Recovery => new(SnapshotSelectionCriteria.None);

    protected override void OnRecoveryFailure(Exception reason, object? message = null) => Failed.TrySetException(reason);
}

public static class RunHistoryReader
{
    /// <summary>Completes with the number of events once every event of the run decoded; fails with the decoding error.</summary>
    public static Task<long> Verify(IActorRefFactory context, string runId)
    {
        var result = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
        context.ActorOf(Props.Create(() => new RunVerifier(runId, result)));
        return result.Task;
    }

    public static Task<RunHistory> Read(ActorSystem system, string runId, TimeSpan timeout)
    {
        var result = new TaskCompletionSource<RunHistory>(TaskCreationOptions.RunContinuationsAsynchronously);
        system.ActorOf(Props.Create(() => new RunReader(runId, result)));
        return result.Task.WaitAsync(timeout);
    }
}
