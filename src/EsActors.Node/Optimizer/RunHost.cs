using Akka.Actor;
using Akka;
using Akka.Event;
using Akka.Persistence;
using EsActors.Node.Protocol;

namespace EsActors.Node.Optimizer;

/// <summary>
/// The cluster singleton. It remembers (in the journal) which runs the cluster trains and hosts each one's
/// <see cref="OptimizerActor"/> as its child; the runs share the cluster's slots (<see cref="SlotShares"/>). A
/// <c>train</c> with another run id adds its run beside the others; a run leaves when it finishes or its
/// <c>train</c> stops it (<see cref="StopRun"/>), and the others go on. When its node dies the singleton restarts on
/// another node that has the journal, recovers the hosted runs and their optimizers recover from the journal: a new
/// host needs nothing but the journal, and workers need no run id. An optimizer that stops on its own (a journal
/// write or a recovery failed: PostgreSQL restarting, SQLite locked, disk full) is started again with exponential
/// backoff, its run's alone; it recovers from the journal and redoes, bit-identically, whatever was not written.
/// </summary>
public sealed class RunHost : ReceivePersistentActor, IWithTimers
{
    private sealed record RestartOptimizer(string RunId);

    /// <summary>An optimizer that ran this long before it stopped starts the backoff from the beginning again.</summary>
    private static readonly TimeSpan HealthyRun = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);
    private static readonly TimeSpan StatusTimeout = TimeSpan.FromSeconds(3);

    public const string PersistenceIdValue = "esactors-run-host";

    /// <summary>One run's optimizer and its restart bookkeeping.</summary>
    private sealed class Hosted(string runId)
    {
        public string RunId { get; } = runId;
        public IActorRef? Optimizer;
        public DateTime Started;
        public int Restarts;
        public bool ReplayEventsOnlyNext;
        /// <summary>Why the run cannot be recovered (a corrupt event): its optimizer is not restarted.</summary>
        public string? Corrupt;
        public readonly List<IActorRef> AwaitingStop = [];
    }

    private readonly ILoggingAdapter _log = Context.GetLogger();
    /// <summary>Props of a run's optimizer: (run id, replay events only).</summary>
    private readonly Func<string, bool, Props> _optimizerProps;
    /// <summary>The runs the journal says the cluster trains.</summary>
    private HostedRuns _hosted = HostedRuns.Empty;
    /// <summary>Every run with an optimizer here or due to get one: the hosted ones and finished ones still answering queries.</summary>
    private readonly Dictionary<string, Hosted> _runs = new(StringComparer.Ordinal);
    /// <summary>The run started (or activated) last: the one a status query without a run id describes.</summary>
    private string? _latest;
    private readonly HashSet<IActorRef> _retiring = [];
    private readonly List<IActorRef> _awaitingShutdown = [];

    /// <summary>
    /// Local, from the node's coordinated shutdown: stop every optimizer gracefully (its applied generations written) and
    /// answer <see cref="Done"/>, before the node's shard region stops — else the optimizers keep sending batches the
    /// stopping region can only buffer, and the region's own shutdown waits for them until it times out. The runs stay
    /// hosted: the singleton's next node restarts them.
    /// </summary>
    public sealed record StopOptimizer
    {
        public static readonly StopOptimizer Instance = new();
    }

    public RunHost(Func<string, bool, Props> optimizerProps)
    {
        _optimizerProps = optimizerProps;
        Recover<RunActivated>(e => { _hosted = _hosted.Apply(e); _latest = e.RunId; });
        Recover<RunHosted>(e => { _hosted = _hosted.Apply(e); _latest = e.RunId; });
        Recover<RunRetired>(e => _hosted = _hosted.Apply(e));
        Recover<RecoveryCompleted>(_ =>
        {
            foreach (var runId in _hosted.RunIds) StartOptimizer(Run(runId));
            ShareSlots();
        });

        Command<StartRunRequest>(OnStartRun);
        Command<StopRun>(OnStopRun);
        Command<GetRunStatus>(q =>
        {
            var runId = q.RunId ?? _latest;
            if (runId is not null && _runs.TryGetValue(runId, out var run) && run.Optimizer is not null) run.Optimizer.Forward(q);
            else Sender.Tell(new RunRejected(runId ?? "", runId is null ? "no run is active in this cluster"
                : _hosted.Contains(runId) ? $"the optimizer of run {runId} is restarting" : $"run {runId} is not hosted in this cluster"));
        });
        Command<ListRuns>(_ => ListRunsTo(Sender));
        Command<GetGenerations>(m => OptimizerOf(m.RunId)?.Forward(m));
        Command<FetchState>(m => OptimizerOf(m.RunId)?.Forward(m));
        Command<Terminated>(OnTerminated);
        // Arrives before the restart timer fires (it waits at least a second), whichever of it and Terminated came first.
        Command<OptimizerActor.RecoveryFailed>(f =>
        {
            if (RunOf(Sender) is not { } run) return;
            run.ReplayEventsOnlyNext = true;
            if (f.Permanent) run.Corrupt = f.Reason;
        });
        Command<OptimizerActor.FinishedChanged>(f =>
        {
            if (!Sender.Equals(OptimizerOf(f.RunId))) return; // a retiring optimizer's late report
            if (f.Finished && _hosted.Contains(f.RunId))
                // The finished run's optimizer stays up for the queries of its train (status, final state); its slots go to the others.
                Persist(new RunRetired(f.RunId, Finished: true), e =>
                {
                    _hosted = _hosted.Apply(e);
                    _log.Info("Run {RunId} finished; {Others} other runs hosted", e.RunId, _hosted.RunIds.Count);
                    ShareSlots();
                });
            else if (!f.Finished && !_hosted.Contains(f.RunId))
                // A start request extended a finished run (or came while it reported finishing under its old stop criteria).
                Persist(new RunHosted(f.RunId), e =>
                {
                    _hosted = _hosted.Apply(e);
                    ShareSlots();
                });
        });
        Command<RestartOptimizer>(r =>
        {
            if (_hosted.Contains(r.RunId) && _runs.TryGetValue(r.RunId, out var run) && run.Optimizer is null) StartOptimizer(run);
        });
        Command<StopOptimizer>(_ =>
        {
            var running = _runs.Values.Where(r => r.Optimizer is not null).ToList();
            if (running.Count == 0) { Sender.Tell(Done.Instance); return; }
            _awaitingShutdown.Add(Sender);
            foreach (var run in running) Retire(run.Optimizer!); // a requested stop: not restarted
        });
    }

    public override string PersistenceId => PersistenceIdValue;
    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(Func<string, bool, Props> optimizerProps) => Akka.Actor.Props.Create(() => new RunHost(optimizerProps));

    private Hosted Run(string runId)
    {
        if (!_runs.TryGetValue(runId, out var run)) _runs[runId] = run = new Hosted(runId);
        return run;
    }

    private Hosted? RunOf(IActorRef optimizer) => _runs.Values.FirstOrDefault(r => optimizer.Equals(r.Optimizer));

    private IActorRef? OptimizerOf(string runId) => _runs.TryGetValue(runId, out var run) ? run.Optimizer : null;

    private void OnStartRun(StartRunRequest request)
    {
        if (_hosted.Contains(request.RunId))
        {
            var run = Run(request.RunId);
            if (run.Corrupt is not null) { Sender.Tell(new RunRejected(request.RunId, run.Corrupt)); return; }
            // A hosted run (its optimizer may be waiting for its backoff restart: a request starts it now).
            if (run.Optimizer is null) { Timers.Cancel(TimerKey(run.RunId)); StartOptimizer(run); ShareSlots(); }
            _latest = request.RunId;
            run.Optimizer!.Forward(request);
            return;
        }
        // Another run: hosted beside the others, none of which stops or moves.
        Persist(new RunHosted(request.RunId), e =>
        {
            _hosted = _hosted.Apply(e);
            _latest = e.RunId;
            var run = Run(e.RunId);
            run.Corrupt = null;
            if (run.Optimizer is null) StartOptimizer(run); // a finished run's optimizer may still be up: it answers again
            ShareSlots();
            run.Optimizer!.Forward(request);
        });
    }

    private void OnStopRun(StopRun request)
    {
        var requester = Sender;
        void Stop()
        {
            if (!_runs.TryGetValue(request.RunId, out var run) || run.Optimizer is null) { requester.Tell(new RunStopped(request.RunId)); return; }
            run.AwaitingStop.Add(requester);
            Retire(run.Optimizer);
        }
        if (!_hosted.Contains(request.RunId)) { Stop(); return; }
        Persist(new RunRetired(request.RunId, Finished: false), e =>
        {
            _hosted = _hosted.Apply(e);
            _log.Info("Run {RunId} stopped by its train; {Others} other runs hosted", e.RunId, _hosted.RunIds.Count);
            ShareSlots();
            Stop();
        });
    }

    /// <summary>Stops an optimizer once its last generation is written (graceful: nothing to redo), without a restart.</summary>
    private void Retire(IActorRef optimizer)
    {
        _retiring.Add(optimizer);
        optimizer.Tell(OptimizerActor.Shutdown.Instance);
    }

    private void OnTerminated(Terminated t)
    {
        var requested = _retiring.Remove(t.ActorRef);
        if (RunOf(t.ActorRef) is not { } run) return;
        run.Optimizer = null;
        foreach (var requester in run.AwaitingStop) requester.Tell(new RunStopped(run.RunId));
        run.AwaitingStop.Clear();
        if (_runs.Values.All(r => r.Optimizer is null))
        {
            foreach (var requester in _awaitingShutdown) requester.Tell(Done.Instance);
            _awaitingShutdown.Clear();
        }
        if (!_hosted.Contains(run.RunId)) { _runs.Remove(run.RunId); return; } // finished or stopped: nothing to restart
        if (requested) return;
        if (run.Corrupt is not null) { _log.Error("The optimizer of run {RunId} is not restarted: {Reason}", run.RunId, run.Corrupt); return; }
        if (DateTime.UtcNow - run.Started >= HealthyRun) run.Restarts = 0;
        var delay = TimeSpan.FromSeconds(Math.Min(MaxBackoff.TotalSeconds, Math.Pow(2, run.Restarts)));
        run.Restarts++;
        _log.Warning("The optimizer of run {RunId} stopped; restarting it in {Delay:0} s (restart {Restart})", run.RunId, delay.TotalSeconds, run.Restarts);
        Timers.StartSingleTimer(TimerKey(run.RunId), new RestartOptimizer(run.RunId), delay);
    }

    private static string TimerKey(string runId) => $"{nameof(RestartOptimizer)}:{runId}";

    private void StartOptimizer(Hosted run)
    {
        _log.Info("Hosting the optimizer of run {RunId}", run.RunId);
        // Child names must be unique while an old child is still stopping.
        run.Optimizer = Context.ActorOf(_optimizerProps(run.RunId, run.ReplayEventsOnlyNext), $"run-{Uri.EscapeDataString(run.RunId)}-{Guid.NewGuid():N}");
        run.ReplayEventsOnlyNext = false;
        Context.Watch(run.Optimizer);
        run.Started = DateTime.UtcNow;
    }

    /// <summary>Tells every optimizer which runs share the slots now (a new one is told before its first request arrives).</summary>
    private void ShareSlots()
    {
        var share = new OptimizerActor.ShareSlots(_hosted.RunIds);
        foreach (var run in _runs.Values) run.Optimizer?.Tell(share);
    }

    /// <summary>Asks every optimizer for its status; a hosted run without one (restarting, or silent) is listed as paused.</summary>
    private void ListRunsTo(IActorRef requester)
    {
        var order = _hosted.RunIds.Concat(_runs.Keys.Where(id => !_hosted.Contains(id))).ToList();
        var asks = order.Select(id => (Id: id, Reply: OptimizerOf(id) is { } optimizer
            ? optimizer.Ask<object>(new GetRunStatus(id), StatusTimeout).ContinueWith(t => t.IsCompletedSuccessfully ? t.Result : null)
            : Task.FromResult<object?>(null))).ToList();
        Task.WhenAll(asks.Select(a => a.Reply)).ContinueWith(_ =>
        {
            var runs = asks.Select(a => a.Reply.Result as RunStatus).OfType<RunStatus>().ToArray();
            var paused = asks.Where(a => a.Reply.Result is not RunStatus).Select(a => a.Id).ToArray();
            return new RunList(runs, paused);
        }).PipeTo(requester);
    }
}
