using Akka.Actor;
using Akka;
using Akka.Event;
using Akka.Persistence;
using EsActors.Node.Protocol;

namespace EsActors.Node.Optimizer;

/// <summary>
/// The cluster singleton. It remembers (in the journal) which run the cluster trains and hosts that run's
/// <see cref="OptimizerActor"/> as its child. When its node dies the singleton restarts on another node that
/// has the journal, recovers the active run id and the optimizer recovers the run: a new host needs nothing
/// but the journal, and workers need no run id. An optimizer that stops on its own (a journal write or a recovery
/// failed: PostgreSQL restarting, SQLite locked, disk full) is started again with exponential backoff; it
/// recovers from the journal and redoes, bit-identically, whatever was not written.
/// </summary>
public sealed class RunHost : ReceivePersistentActor, IWithTimers
{
    private sealed record RestartOptimizer(string RunId);

    /// <summary>An optimizer that ran this long before it stopped starts the backoff from the beginning again.</summary>
    private static readonly TimeSpan HealthyRun = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);

    public const string PersistenceIdValue = "esactors-run-host";

    private readonly ILoggingAdapter _log = Context.GetLogger();
    /// <summary>Props of a run's optimizer: (run id, replay events only).</summary>
    private readonly Func<string, bool, Props> _optimizerProps;
    private bool _replayEventsOnlyNext;
    /// <summary>Why the active run cannot be recovered (a corrupt event): its optimizer is not restarted.</summary>
    private string? _corrupt;
    private string? _runId;
    private IActorRef? _optimizer;
    private DateTime _optimizerStarted;
    private int _restarts;
    private readonly HashSet<IActorRef> _retiring = [];
    private readonly List<IActorRef> _awaitingStop = new();

    /// <summary>
    /// Local, from the node's coordinated shutdown: stop the optimizer gracefully (its applied generations written) and
    /// answer <see cref="Done"/>, before the node's shard region stops — else the optimizer keeps sending batches the
    /// stopping region can only buffer, and the region's own shutdown waits for them until it times out.
    /// </summary>
    public sealed record StopOptimizer
    {
        public static readonly StopOptimizer Instance = new();
    }

    public RunHost(Func<string, bool, Props> optimizerProps)
    {
        _optimizerProps = optimizerProps;
        Recover<RunActivated>(e => _runId = e.RunId);
        Recover<RecoveryCompleted>(_ => { if (_runId is not null) StartOptimizer(_runId); });

        Command<StartRunRequest>(request =>
        {
            if (request.RunId == _runId && _corrupt is not null) { Sender.Tell(new RunRejected(request.RunId, _corrupt)); return; }
            if (request.RunId == _runId)
            {
                // The active run (its optimizer may be waiting for its backoff restart: a request starts it now).
                if (_optimizer is null) { Timers.Cancel(nameof(RestartOptimizer)); StartOptimizer(request.RunId); }
                _optimizer!.Forward(request);
                return;
            }
            Persist(new RunActivated(request.RunId), e =>
            {
                // The previous run's optimizer stops once its last generation is written (graceful: nothing to redo).
                if (_optimizer is not null) { _retiring.Add(_optimizer); _optimizer.Tell(OptimizerActor.Shutdown.Instance); }
                _runId = e.RunId;
                _corrupt = null;
                _replayEventsOnlyNext = false;
                StartOptimizer(e.RunId);
                _optimizer!.Forward(request);
            });
        });
        Command<GetRunStatus>(q =>
        {
            if (_optimizer is not null) _optimizer.Forward(q);
            else Sender.Tell(new RunRejected(_runId ?? "", _runId is null ? "no run is active in this cluster" : $"the optimizer of run {_runId} is restarting"));
        });
        Command<GetGenerations>(m => _optimizer?.Forward(m));
        Command<FetchState>(m => _optimizer?.Forward(m));
        Command<Terminated>(OnTerminated);
        // Arrives before the restart timer fires (it waits at least a second), whichever of it and Terminated came first.
        Command<OptimizerActor.RecoveryFailed>(f =>
        {
            _replayEventsOnlyNext = true;
            if (f.Permanent) _corrupt = f.Reason;
        });
        Command<RestartOptimizer>(r => { if (r.RunId == _runId && _optimizer is null) StartOptimizer(r.RunId); });
        Command<StopOptimizer>(_ =>
        {
            if (_optimizer is null) { Sender.Tell(Done.Instance); return; }
            _awaitingStop.Add(Sender);
            _retiring.Add(_optimizer); // a requested stop: not restarted
            _optimizer.Tell(OptimizerActor.Shutdown.Instance);
        });
    }

    public override string PersistenceId => PersistenceIdValue;
    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(Func<string, bool, Props> optimizerProps) => Akka.Actor.Props.Create(() => new RunHost(optimizerProps));

    private void OnTerminated(Terminated t)
    {
        var requested = _retiring.Remove(t.ActorRef);
        if (!t.ActorRef.Equals(_optimizer)) return; // a previous run's optimizer, retired on a switch
        _optimizer = null;
        foreach (var requester in _awaitingStop) requester.Tell(Done.Instance);
        _awaitingStop.Clear();
        if (requested || _runId is null) return;
        if (_corrupt is not null) { _log.Error("The optimizer of run {RunId} is not restarted: {Reason}", _runId, _corrupt); return; }
        if (DateTime.UtcNow - _optimizerStarted >= HealthyRun) _restarts = 0;
        var delay = TimeSpan.FromSeconds(Math.Min(MaxBackoff.TotalSeconds, Math.Pow(2, _restarts)));
        _restarts++;
        _log.Warning("The optimizer of run {RunId} stopped; restarting it in {Delay:0} s (restart {Restart})", _runId, delay.TotalSeconds, _restarts);
        Timers.StartSingleTimer(nameof(RestartOptimizer), new RestartOptimizer(_runId), delay);
    }

    private void StartOptimizer(string runId)
    {
        _log.Info("Hosting the optimizer of run {RunId}", runId);
        // Child names must be unique while an old child is still stopping.
        _optimizer = Context.ActorOf(_optimizerProps(runId, _replayEventsOnlyNext), $"run-{Uri.EscapeDataString(runId)}-{Guid.NewGuid():N}");
        _replayEventsOnlyNext = false;
        Context.Watch(_optimizer);
        _optimizerStarted = DateTime.UtcNow;
    }
}
