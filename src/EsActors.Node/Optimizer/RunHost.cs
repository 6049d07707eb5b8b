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
/// but the journal, and workers need no run id.
/// </summary>
public sealed class RunHost : ReceivePersistentActor
{
    public const string PersistenceIdValue = "esactors-run-host";

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly Func<string, Props> _optimizerProps;
    private string? _runId;
    private IActorRef? _optimizer;
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

    public RunHost(Func<string, Props> optimizerProps)
    {
        _optimizerProps = optimizerProps;
        Recover<RunActivated>(e => _runId = e.RunId);
        Recover<RecoveryCompleted>(_ => { if (_runId is not null) StartOptimizer(_runId); });

        Command<StartRunRequest>(request =>
        {
            if (request.RunId == _runId && _optimizer is not null) { _optimizer.Forward(request); return; }
            Persist(new RunActivated(request.RunId), e =>
            {
                // The previous run's optimizer stops once its last generation is written (graceful: nothing to redo).
                _optimizer?.Tell(OptimizerActor.Shutdown.Instance);
                _runId = e.RunId;
                StartOptimizer(e.RunId);
                _optimizer!.Forward(request);
            });
        });
        Command<GetRunStatus>(q =>
        {
            if (_optimizer is not null) _optimizer.Forward(q);
            else Sender.Tell(new RunRejected("", "no run is active in this cluster"));
        });
        Command<GetGenerations>(m => _optimizer?.Forward(m));
        Command<FetchState>(m => _optimizer?.Forward(m));
        Command<StopOptimizer>(_ =>
        {
            if (_optimizer is null) { Sender.Tell(Done.Instance); return; }
            _awaitingStop.Add(Sender);
            _optimizer.Tell(OptimizerActor.Shutdown.Instance);
        });
        Command<Terminated>(t =>
        {
            if (!t.ActorRef.Equals(_optimizer)) return;
            _optimizer = null;
            foreach (var requester in _awaitingStop) requester.Tell(Done.Instance);
            _awaitingStop.Clear();
        });
    }

    public override string PersistenceId => PersistenceIdValue;

    public static Props Props(Func<string, Props> optimizerProps) => Akka.Actor.Props.Create(() => new RunHost(optimizerProps));

    private void StartOptimizer(string runId)
    {
        _log.Info("Hosting the optimizer of run {RunId}", runId);
        // Child names must be unique while an old child is still stopping.
        _optimizer = Context.ActorOf(_optimizerProps(runId), $"run-{Uri.EscapeDataString(runId)}-{Guid.NewGuid():N}");
        Context.Watch(_optimizer);
    }
}
