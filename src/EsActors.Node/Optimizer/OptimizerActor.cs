using System.Diagnostics;
using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Event;
using Akka.Persistence;
using EsActors.Domain.Runs;
using EsActors.Node.Clustering;
using EsActors.Node.Configuration;
using EsActors.Node.Metrics;
using EsActors.Node.Protocol;
using EsActors.Node.Security;

namespace EsActors.Node.Optimizer;

/// <summary>
/// The run's optimizer: a persistent actor hosted by the cluster singleton. State changes only through the pure
/// <see cref="RunLogic"/> (recover → apply; command → decide → persist → apply); which seed batch goes where is
/// <see cref="GenerationDispatch{TRef}"/>'s business; this class receives, persists and does the side effects
/// (send, watch, broadcast, publish). θ itself is never persisted: recovery = snapshot + replay of the pure update.
/// </summary>
public sealed class OptimizerActor : ReceivePersistentActor, IWithTimers
{
    public static string TopicFor(string runId) => $"run-progress:{runId}";
    public static string PersistenceIdFor(string runId) => $"esrun-{runId}";

    private const string TickTimer = nameof(TickTimer);
    private sealed record Tick;

    /// <summary>
    /// Local: stop once every generation already applied is in the journal (a graceful stop flushes; a crash may lose
    /// the last asynchronously persisted generation, which recovery then redoes bit-identically).
    /// </summary>
    public sealed record Shutdown
    {
        public static readonly Shutdown Instance = new();
    }
    private sealed record ReplicaFound(string Node, IActorRef Replica);

    /// <summary>To the run host (local): recovery failed; the next incarnation replays the events without the snapshot.</summary>
    public sealed record RecoveryFailed(string Reason, bool Permanent);

    /// <summary>
    /// To the run host (local): whether the run is finished (its last generation in the journal: it is no longer hosted
    /// and its slots go to the other runs) or, after a start request extended its stop criteria, not (hosted again).
    /// </summary>
    public sealed record FinishedChanged(string RunId, bool Finished);

    /// <summary>
    /// From the run host (local): the runs that now share the cluster's slots, in the order they were started; this
    /// run evaluates on its share only (<see cref="SlotShares"/>). Until told, a run uses every slot.
    /// </summary>
    public sealed record ShareSlots(IReadOnlyList<string> Runs);


    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly string _runId;
    private readonly DispatchSettings _settings;
    private readonly IActorRef _evaluators;
    private readonly IActorRef? _mediator;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly GenerationDispatch<IActorRef> _dispatch;
    private readonly RecentGenerations _recent;
    private RunState _state = RunState.Empty;
    private readonly bool _replayEventsOnly;
    /// <summary>Recovered from a snapshot: the events before it are checked (decoded) before any generation starts.</summary>
    private bool _fromSnapshot;
    private bool _verified;
    private sealed record JournalVerified(long Events);
    private sealed record JournalCorrupt(string Reason);
    private readonly EsMetrics.RunGauges _gauges;
    private readonly KeyValuePair<string, object?> _runTag;
    private bool _membersKnown;
    private string? _failure;
    // Generations applied to _state whose event is not yet written (see CompleteGeneration).
    private int _unwritten;

    /// <summary>
    /// Finished, and every generation written: what the run's train, <c>status</c> and the run host are told, so that
    /// one who reads the journal on hearing "finished" finds the whole run there.
    /// </summary>
    private bool FinishedAndWritten => _state.IsFinished && _unwritten == 0;

    public OptimizerActor(string runId, DispatchSettings settings, IActorRef evaluators, IActorRef? mediator, bool replayEventsOnly = false)
    {
        (_runId, _settings, _evaluators, _mediator, _replayEventsOnly) = (runId, settings, evaluators, mediator, replayEventsOnly);
        _dispatch = new GenerationDispatch<IActorRef>(runId, settings, _log);
        _recent = new RecentGenerations(settings.ReplayWindow);
        _gauges = EsMetrics.Register(runId);
        _runTag = new("run", runId);

        Recover<SnapshotOffer>(offer => { if (offer.Snapshot is RunState state) { _state = state; _fromSnapshot = true; } });
        Recover<IRunEvent>(e => { _state = RunLogic.Apply(_state, e); _recent.Remember(e); });
        Recover<RecoveryCompleted>(_ => OnRecovered());

        Command<StartRunRequest>(OnStartRun);
        Command<JournalVerified>(_ => { _verified = true; Stash.UnstashAll(); StartGenerationIfDue(); Dispatch(); });
        Command<JournalCorrupt>(c =>
        {
            // Found before anything was appended: the run ends with the reason and the host does not restart it.
            Context.Parent.Tell(new RecoveryFailed(c.Reason, Permanent: true));
            Fail(c.Reason);
            Stash.UnstashAll();
        });
        Command<BatchResult>(OnBatchResult);
        Command<BatchRejected>(OnBatchRejected);
        Command<GetGenerations>(OnGetGenerations);
        Command<FetchState>(f => Sender.Tell(f.RunId == _runId ? new StateReply(_runId, _state) : new RunRejected(f.RunId, "unknown run")));
        Command<GetRunStatus>(_ => Sender.Tell(new RunStatus(_runId, _state.Generation, _state.Timesteps, _state.LastEvaluationMean, FinishedAndWritten,
            _failure, _dispatch.Reissued, _dispatch.Backups, _dispatch.NodeFigures())));
        Command<Tick>(_ => { _dispatch.ReissueOverdue(Now); Dispatch(); });
        // DeferAsync runs after the handlers of every earlier PersistAsync, i.e. after their writes completed.
        Command<Shutdown>(s => DeferAsync(s, _ => Context.Stop(Self)));
        Command<ReplicaFound>(f => _dispatch.Slots.SetReplica(f.Node, f.Replica));
        Command<ShareSlots>(s => { _dispatch.ShareWith(s.Runs); Dispatch(); });
        Command<Terminated>(t => { _dispatch.EntityStopped(t.ActorRef); Dispatch(); });
        Command<ClusterEvent.CurrentClusterState>(s =>
        {
            foreach (var m in s.Members) if (m.Status == MemberStatus.Up) AddNode(m);
            _membersKnown = true; // generations are cut by the number of slots: the first waits for the members
            StartGenerationIfDue();
            Dispatch();
        });
        Command<ClusterEvent.MemberUp>(e => { AddNode(e.Member); Dispatch(); });
        Command<MembershipGuard.MemberVerified>(v =>
        {
            // A member verified (both ways) after it came Up gets its slots now.
            if (Cluster.Get(Context.System).State.Members.FirstOrDefault(m => m.UniqueAddress.Equals(v.Member)) is { Status: MemberStatus.Up } member) { AddNode(member); Dispatch(); }
        });
        Command<ClusterEvent.MemberRemoved>(e => LoseNode(e.Member, unreachable: false));
        Command<ClusterEvent.UnreachableMember>(e => LoseNode(e.Member, unreachable: true));
        Command<ClusterEvent.ReachableMember>(e => { _dispatch.Slots.MarkReachable(EvaluatorIds.Node(e.Member.UniqueAddress)); AddNode(e.Member); Dispatch(); });
        Command<ClusterEvent.IMemberEvent>(_ => { });
        Command<Status.Failure>(_ => { }); // a replica lookup that failed: pushes keep using the selection
        Command<SaveSnapshotSuccess>(_ => { });
        Command<SaveSnapshotFailure>(f => _log.Warning("Snapshot of run {RunId} failed: {Reason}", _runId, f.Cause.Message));
    }

    public override string PersistenceId => PersistenceIdFor(_runId);

    /// <summary>
    /// Snapshots only save replay time: θ is a function of the events. After a failed recovery (e.g. a snapshot that
    /// does not decode) the next incarnation ignores snapshots and replays every event.
    /// </summary>
    public override Recovery Recovery => _replayEventsOnly ? new Recovery(SnapshotSelectionCriteria.None) : base.Recovery;
    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(string runId, DispatchSettings settings, IActorRef evaluators, IActorRef? mediator, bool replayEventsOnly = false) =>
        Akka.Actor.Props.Create(() => new OptimizerActor(runId, settings, evaluators, mediator, replayEventsOnly));

    private TimeSpan Now => _clock.Elapsed;

    protected override void PostStop()
    {
        EsMetrics.Unregister(_gauges);
        base.PostStop();
    }

    private void OnRecovered()
    {
        if (_fromSnapshot)
            Outputs.RunHistoryReader.Verify(Context, _runId).PipeTo(Self, success: n => new JournalVerified(n),
                failure: e => new JournalCorrupt($"the journal holds an event of run {_runId} that does not decode: {Describe(e)}"));
        else _verified = true;
        _log.Info("Optimizer of run {RunId} recovered at generation {Generation}", _runId, _state.Generation);
        Context.System.EventStream.Subscribe(Self, typeof(MembershipGuard.MemberVerified)); // before the members' snapshot: none is missed
        if (_state.IsFinished) ReportFinished();
        Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsSnapshot,
            typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.IReachabilityEvent));
        Timers.StartPeriodicTimer(TickTimer, new Tick(), _settings.TickInterval);
    }

    private void OnStartRun(StartRunRequest request)
    {
        if (request.RunId != _runId) { Sender.Tell(new RunRejected(request.RunId, $"this optimizer runs '{_runId}'")); return; }
        if (_failure is not null) { Sender.Tell(new RunRejected(_runId, _failure)); return; }
        if (!_verified) { Stash.Stash(); return; } // nothing is appended before the whole journal decoded
        var decision = RunLogic.Decide(_state, new StartRun(request.Definition, request.Stop));
        if (decision.IsRejected) { Sender.Tell(new RunRejected(_runId, decision.Rejection!)); return; }
        var requester = Sender;
        if (decision.Events.Count == 0) { Accepted(requester); return; }
        PersistAll(decision.Events, e =>
        {
            _state = RunLogic.Apply(_state, e);
            _recent.Remember(e);
            if (ReferenceEquals(e, decision.Events[^1])) Accepted(requester);
        });
    }

    private void Accepted(IActorRef requester)
    {
        requester.Tell(new RunAccepted(_runId, _state.Generation, FinishedAndWritten));
        ReportFinished(); // either way: a start request may have extended a finished run
        StartGenerationIfDue();
        Dispatch();
    }

    /// <summary>Tells the run host whether the run is finished (the host keeps its record of hosted runs from this).</summary>
    private void ReportFinished() => Context.Parent.Tell(new FinishedChanged(_runId, FinishedAndWritten));

    private void StartGenerationIfDue()
    {
        if (_verified && _membersKnown && !_dispatch.InProgress && _state.IsStarted && !_state.IsFinished && _failure is null) _dispatch.Start(_state, Now);
    }

    private void Dispatch()
    {
        foreach (var (entity, batch) in _dispatch.Dispatch(Now)) (entity ?? _evaluators).Tell(batch);
    }

    /// <summary>This node offers no slots (<c>train --slots 0</c>): only workers that join evaluate, so losing them all is a wait, not an end.</summary>
    private bool HostWaitsForWorkers => NodeRoles.SlotsOf(Cluster.Get(Context.System).SelfMember.Roles) == 0;

    private void OnBatchResult(BatchResult result)
    {
        if (!_dispatch.FromAssignee(result)) return; // nothing was held for it: nothing to free or dispatch
        if (_dispatch.ExcludeIfImpossible(result, HostWaitsForWorkers) is { } excluded)
        {
            foreach (var entity in excluded.Entities) Context.Unwatch(entity);
            if (excluded.Failure is not null) Fail(excluded.Failure); else Dispatch();
            return;
        }
        LearnEntity(result.EvaluatorId);
        WarnIfMisplaced(result);
        EsMetrics.EnvSteps.Add(result.Items.Sum(i => i.Steps), _runTag, new("node", EvaluatorIds.Node(result.EvaluatorId)));
        if (_dispatch.Record(result, Now) is { } completed) CompleteGeneration(completed);
        Dispatch();
    }

    private void OnBatchRejected(BatchRejected rejected)
    {
        LearnEntity(rejected.EvaluatorId);
        if (_dispatch.Refused(rejected) is { } failure) { Fail(failure); return; }
        if (_dispatch.ReplicaIsAhead(rejected, Now)) ResetReplica(EvaluatorIds.Node(rejected.EvaluatorId));
        Dispatch();
    }

    /// <summary>Gives a node's replica this optimizer's state (sent before the batch goes out again, on the same connection).</summary>
    private void ResetReplica(string node)
    {
        foreach (var (id, address, replica) in _dispatch.Slots.Nodes)
        {
            if (id != node) continue;
            _log.Info("Replica on {Node} is ahead of run {RunId}'s recovered generation {Generation}: sending it the optimizer's state", node, _runId, _state.Generation);
            var reply = new StateReply(_runId, _state);
            if (replica is not null) replica.Tell(reply); else Context.ActorSelection(ReplicaPath(address)).Tell(reply);
        }
    }

    private void CompleteGeneration(GenerationDispatch<IActorRef>.Completed completed)
    {
        var generation = completed.Event;
        var decision = RunLogic.Decide(_state, new CompleteGeneration(generation));
        if (decision.IsRejected) { Fail(decision.Rejection!); return; }
        // θ of the next generation depends only on the pure update, not on the write: apply now, persist
        // asynchronously and start the next generation at once, so the journal's latency overlaps evaluation.
        // A crash before the write completes loses nothing: recovery replays up to the last persisted event and
        // the next generation's plan is a function of (seed, generation), so the same work is simply redone.
        var before = _state;
        _state = RunLogic.Apply(_state, generation);
        _recent.Remember(generation);
        var after = _state;
        var progress = _dispatch.Progress(completed, before, after);
        if (!after.IsFinished) PushToReplicas(generation);
        RecordMetrics(completed, progress);
        var persistCalled = Stopwatch.GetTimestamp();
        _unwritten++;
        PersistAsync(generation, _ =>
        {
            _unwritten--;
            EsMetrics.JournalWriteLatency.Record(Stopwatch.GetElapsedTime(persistCalled).TotalMilliseconds, _runTag);
            if (after.Generation % after.RequireDefinition().SnapshotEvery == 0) SaveSnapshot(after);
            Publish(progress);
            if (after.IsFinished) _log.Info("Run {RunId} finished at generation {Generation}", _runId, after.Generation);
            if (after.IsFinished) ReportFinished();
        });
        StartGenerationIfDue();
    }

    private void RecordMetrics(GenerationDispatch<IActorRef>.Completed completed, GenerationProgress progress)
    {
        EsMetrics.GenerationDuration.Record(completed.Event.WallSeconds, _runTag);
        if (completed.Reissued > 0) EsMetrics.Reissued.Add(completed.Reissued, _runTag);
        if (completed.Backups > 0) EsMetrics.Backups.Add(completed.Backups, _runTag);
        _gauges.Update(progress, Now);
    }

    private void Fail(string reason)
    {
        _failure = reason;
        _dispatch.Abandon();
        _log.Error("Run {RunId} stopped: {Reason}", _runId, reason);
        Publish(new RunFailed(_runId, reason));
    }

    /// <summary>Sends the generation's scalars to the replica of every node with slots (Algorithm 2's broadcast).</summary>
    private void PushToReplicas(GenerationCompleted generation)
    {
        var message = new GenerationApplied(_runId, generation);
        foreach (var (_, address, replica) in _dispatch.Slots.Nodes)
            if (replica is not null) replica.Tell(message);
            else Context.ActorSelection(ReplicaPath(address)).Tell(message);
    }

    private static ActorPath ReplicaPath(Address node) => new RootActorPath(node) / "user" / "replica";

    private void OnGetGenerations(GetGenerations request)
    {
        var generations = request.RunId == _runId ? _recent.Range(request.FromGeneration, request.ToGeneration, _state.Generation) : null;
        Sender.Tell(new GenerationsReply(request.RunId, null, generations ?? [], generations is not null));
    }

    /// <summary>Remembers (and watches) the entity that answered for a slot of a live node: later batches go to it directly.</summary>
    private void LearnEntity(string evaluator)
    {
        if (!Sender.IsNobody() && !Sender.Equals(Context.System.DeadLetters) && _dispatch.Slots.LearnEntity(evaluator, Sender)) Context.Watch(Sender);
    }

    /// <summary>A slot evaluated on another node than its id names shares that node's cores: say so, once per slot.</summary>
    private void WarnIfMisplaced(BatchResult result)
    {
        if (_dispatch.Slots.FirstAnswerIsMisplaced(result.EvaluatorId, result.NodeAddress))
            _log.Warning("Evaluator slot {Evaluator} runs on {Node}, not on its own node: it shares that node's cores", result.EvaluatorId, result.NodeAddress);
    }

    /// <summary>A node is Up: its slots join the dispatch (if compatible); a new node's replica is looked up for direct pushes.</summary>
    private void AddNode(Member member)
    {
        // No slots before it proved the cluster secret here and verified this node's proof (else it drops our batches).
        if (!MemberAuthority.Get(Context.System).AdmitsBothWays(member.Address)) return;
        if (!_dispatch.NodeUp(member.UniqueAddress, member.Address, member.Roles, Cluster.Get(Context.System).SelfMember.Roles)) return;
        var node = EvaluatorIds.Node(member.UniqueAddress);
        Context.ActorSelection(ReplicaPath(member.Address)).ResolveOne(TimeSpan.FromSeconds(10))
            .PipeTo(Self, success: replica => new ReplicaFound(node, replica), failure: _ => new Status.Failure(new ActorNotFoundException()));
    }

    private void LoseNode(Member member, bool unreachable)
    {
        foreach (var entity in _dispatch.NodeLost(EvaluatorIds.Node(member.UniqueAddress), unreachable)) Context.Unwatch(entity);
        Dispatch();
    }

    // A failed write or recovery stops this actor (Akka's rule: its state may be ahead of the journal); the run host
    // starts it again with backoff. One line each, not the plugin's stack trace; subscribers hear that the run paused.
    protected override void OnPersistFailure(Exception cause, object @event, long sequenceNr) =>
        Paused($"a journal write failed ({Describe(cause)})");

    protected override void OnPersistRejected(Exception cause, object @event, long sequenceNr) =>
        Paused($"the journal refused a write ({Describe(cause)})");

    protected override void OnRecoveryFailure(Exception reason, object? message = null)
    {
        // An event that does not decode, with snapshots already out of the way, is corruption: restarting cannot help,
        // and nothing was appended after it. The run ends with that reason (the journal stays as it was).
        if (_replayEventsOnly && reason.GetBaseException() is System.Runtime.Serialization.SerializationException corrupt)
        {
            var failure = $"the journal holds an event of run {_runId} that does not decode (sequence number {LastSequenceNr + 1}): {corrupt.Message}";
            _log.Error("Run {RunId} cannot be recovered: {Reason}", _runId, failure);
            Context.Parent.Tell(new RecoveryFailed(failure, Permanent: true));
            Publish(new RunFailed(_runId, failure));
            Context.Stop(Self);
            return;
        }
        Context.Parent.Tell(new RecoveryFailed(Describe(reason), Permanent: false));
        Paused($"recovery from the journal failed ({Describe(reason)}){(_replayEventsOnly ? "" : "; the next start replays the events without the snapshot")}");
    }

    private void Paused(string reason)
    {
        _log.Warning("Run {RunId} paused: {Reason}; the optimizer stops and is restarted", _runId, reason);
        Publish(new RunPaused(_runId, reason));
        Context.Stop(Self);
    }

    private static string Describe(Exception e)
    {
        var root = e.GetBaseException();
        var text = root == e ? e.Message : $"{e.Message}: {root.Message}";
        return text.Split('\n')[0].Trim();
    }

    private void Publish(object message) => _mediator?.Tell(new Publish(TopicFor(_runId), message));
}
