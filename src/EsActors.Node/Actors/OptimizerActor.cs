using System.Diagnostics;
using Akka.Actor;
using Akka.Cluster;
using Akka.Cluster.Tools.PublishSubscribe;
using Akka.Event;
using Akka.Persistence;
using EsActors.Domain.Runs;
using EsActors.Environments;
using EsActors.Node.Hosting;
using EsActors.Node.Protocol;

namespace EsActors.Node.Actors;

/// <summary>
/// The run's optimizer: a cluster singleton and a persistent actor. Each generation it issues seed batches to
/// the evaluator slots of all Up nodes, reissues what a lost node or an overdue batch held, assembles the
/// scalars, persists one <see cref="GenerationCompleted"/> per generation (θ itself is never persisted:
/// recovery = snapshot + replay of the pure update) and publishes progress.
/// </summary>
public sealed class OptimizerActor : ReceivePersistentActor, IWithTimers
{
    public static string TopicFor(string runId) => $"run-progress:{runId}";
    public static string PersistenceIdFor(string runId) => $"esrun-{runId}";
    public const string SlotsRolePrefix = "slots-";

    private const string TickTimer = nameof(TickTimer);
    private sealed record Tick;

    /// <summary>Local query used by tests and the status command.</summary>
    public sealed record GetOptimizerState;

    public sealed record OptimizerStatus(RunState State, int InFlightGeneration, IReadOnlyList<string> Evaluators, int Reissued, int Backups, bool Failed);

    private readonly ILoggingAdapter _log = Context.GetLogger();
    private readonly string _runId;
    private readonly DispatchSettings _settings;
    private readonly IActorRef _evaluators;
    private readonly IActorRef? _mediator;
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    // Evaluator id → the (generation, attempt) of each batch it holds, oldest first. A slot holds up to
    // batches-in-flight-per-slot batches, so its next batch already waits in its mailbox when it finishes one (no
    // idle round trip). Only the answer to an assignment frees its place: a late answer to an older batch must not
    // make a busy slot look free.
    private readonly SortedDictionary<string, List<long>> _slots = new(StringComparer.Ordinal);
    private bool _membersKnown;
    private int _failedEvaluations;
    private const int MaxFailedEvaluationsPerGeneration = 20;
    private readonly HashSet<string> _unreachableNodes = new();
    private readonly HashSet<string> _refusedNodes = new();
    private readonly HashSet<string> _placementChecked = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Address> _nodeAddresses = new(StringComparer.Ordinal);
    // Direct references learnt from answers and lookups. Going through the shard region costs three actor hops per
    // batch and an ActorSelection is resolved again on the receiving node for every message; at the generation
    // barrier every hop waits for a core the evaluators keep busy. Unknown refs fall back to the region/selection.
    private readonly Dictionary<string, IActorRef> _evaluatorRefs = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IActorRef> _replicaRefs = new(StringComparer.Ordinal);
    private sealed record ReplicaFound(string Node, IActorRef Replica);
    private readonly LinkedList<GenerationCompleted> _recent = new();
    private RunState _state = RunState.Empty;
    private GenerationWork? _work;
    private ulong _workChecksum;
    private int _workEpisodeCap;
    private TimeSpan _generationStarted;
    // Evaluation seconds per mirrored pair, measured on this generation's pair batches and used to size the next
    // generation's batches (timing only decides how work is cut, never what is computed).
    private double _pairSeconds, _secondsPerPair;
    private double _pairsTimed;
    private int _totalReissued, _totalBackups;
    private string? _failure;
    private sealed class NodeCounters { public long Batches, Steps; public double Seconds; public int Reissued, Backups; }
    private readonly SortedDictionary<string, NodeCounters> _nodeWork = new(StringComparer.Ordinal);

    private NodeCounters CountersOf(string node)
    {
        if (!_nodeWork.TryGetValue(node, out var counters)) _nodeWork[node] = counters = new NodeCounters();
        return counters;
    }

    public OptimizerActor(string runId, DispatchSettings settings, IActorRef evaluators, IActorRef? mediator)
    {
        _runId = runId;
        _settings = settings;
        _evaluators = evaluators;
        _mediator = mediator;

        Recover<SnapshotOffer>(offer => { if (offer.Snapshot is RunState state) _state = state; });
        Recover<IRunEvent>(e => { _state = RunLogic.Apply(_state, e); Remember(e); });
        Recover<RecoveryCompleted>(_ => OnRecovered());

        Command<StartRunRequest>(OnStartRun);
        Command<BatchResult>(OnBatchResult);
        Command<BatchRejected>(OnBatchRejected);
        Command<GetGenerations>(OnGetGenerations);
        Command<FetchState>(f => Sender.Tell(f.RunId == _runId ? new StateReply(_runId, _state) : new RunRejected(f.RunId, "unknown run")));
        Command<Tick>(_ => OnTick());
        Command<ReplicaFound>(f => { if (_nodeAddresses.ContainsKey(f.Node)) _replicaRefs[f.Node] = f.Replica; });
        Command<Terminated>(OnEvaluatorTerminated);
        Command<ClusterEvent.CurrentClusterState>(s =>
        {
            foreach (var m in s.Members) if (m.Status == MemberStatus.Up) AddNode(m);
            // Generations are split by the number of slots, so the first one waits until the members are known.
            _membersKnown = true;
            if (_work is null && _state.IsStarted && !_state.IsFinished && _failure is null) StartGeneration();
            else Dispatch();
        });
        Command<ClusterEvent.MemberUp>(e => { AddNode(e.Member); Dispatch(); });
        Command<ClusterEvent.MemberRemoved>(e => LoseNode(e.Member, removed: true));
        Command<ClusterEvent.UnreachableMember>(e => LoseNode(e.Member, removed: false));
        Command<ClusterEvent.ReachableMember>(e => { _unreachableNodes.Remove(EvaluatorIds.Node(e.Member.UniqueAddress)); AddNode(e.Member); Dispatch(); });
        Command<ClusterEvent.IMemberEvent>(_ => { });
        Command<Status.Failure>(_ => { }); // a replica lookup that failed: pushes keep using the selection
        Command<GetOptimizerState>(_ => Sender.Tell(new OptimizerStatus(_state, _work?.Generation ?? -1, _slots.Keys.ToList(), _totalReissued, _totalBackups, _failure is not null)));
        Command<GetRunStatus>(_ => Sender.Tell(Status()));
        Command<SaveSnapshotSuccess>(_ => { });
        Command<SaveSnapshotFailure>(f => _log.Warning("Snapshot of run {RunId} failed: {Reason}", _runId, f.Cause.Message));
    }

    public override string PersistenceId => PersistenceIdFor(_runId);
    public ITimerScheduler Timers { get; set; } = null!;

    public static Props Props(string runId, DispatchSettings settings, IActorRef evaluators, IActorRef? mediator) =>
        Akka.Actor.Props.Create(() => new OptimizerActor(runId, settings, evaluators, mediator));

    private TimeSpan Now => _clock.Elapsed;

    private RunStatus Status()
    {
        return new RunStatus(_runId, _state.Generation, _state.Timesteps, _state.LastEvaluationMean, _state.IsFinished, _failure,
            _totalReissued + (_work?.Reissued ?? 0), _totalBackups + (_work?.Backups ?? 0), NodeFigures());
    }

    /// <summary>Per-node figures: every node that has slots now or did work before, in address order.</summary>
    private NodeWork[] NodeFigures()
    {
        var slotsPerNode = _slots.Keys.GroupBy(EvaluatorIds.Node).ToDictionary(g => g.Key, g => g.Count());
        return slotsPerNode.Keys.Union(_nodeWork.Keys).Order(StringComparer.Ordinal).Select(n =>
        {
            var w = _nodeWork.GetValueOrDefault(n) ?? new NodeCounters();
            return new NodeWork(n, slotsPerNode.GetValueOrDefault(n), w.Batches, w.Steps, w.Seconds, w.Reissued, w.Backups);
        }).ToArray();
    }

    private void OnRecovered()
    {
        _log.Info("Optimizer of run {RunId} recovered at generation {Generation}", _runId, _state.Generation);
        Cluster.Get(Context.System).Subscribe(Self, ClusterEvent.SubscriptionInitialStateMode.InitialStateAsSnapshot,
            typeof(ClusterEvent.IMemberEvent), typeof(ClusterEvent.IReachabilityEvent));
        Timers.StartPeriodicTimer(TickTimer, new Tick(), _settings.TickInterval);
    }

    private void OnStartRun(StartRunRequest request)
    {
        if (request.RunId != _runId) { Sender.Tell(new RunRejected(request.RunId, $"this optimizer runs '{_runId}'")); return; }
        var decision = RunLogic.Decide(_state, new StartRun(request.Definition, request.Stop));
        if (decision.IsRejected) { Sender.Tell(new RunRejected(_runId, decision.Rejection!)); return; }
        var requester = Sender;
        if (decision.Events.Count == 0) { Accepted(requester); return; }
        PersistAll(decision.Events, e =>
        {
            _state = RunLogic.Apply(_state, e);
            Remember(e);
            if (ReferenceEquals(e, decision.Events[^1])) Accepted(requester);
        });
    }

    private void Accepted(IActorRef requester)
    {
        requester.Tell(new RunAccepted(_runId, _state.Generation, _state.IsFinished));
        if (_membersKnown && _work is null && !_state.IsFinished && _failure is null) StartGeneration();
    }

    private void StartGeneration()
    {
        var run = _state.RequireDefinition();
        var plan = PerturbationPlan.For(run, _state.Generation, RunLogic.NoiseFor(run));
        var batches = Math.Max(1, _slots.Count) * _settings.BatchesPerSlot;
        _work = new GenerationWork(run, plan, batches, Math.Max(1, _slots.Count), MinPairsPerBatch(), _settings.SplitTailPairs);
        _failedEvaluations = 0;
        _workChecksum = _state.Checksum();
        _workEpisodeCap = _state.EpisodeCap(EnvironmentRegistry.GetSpec(run.EnvironmentId).MaxEpisodeSteps);
        _generationStarted = Now;
        Dispatch();
    }

    /// <summary>Pairs a batch needs to take min-batch-time, from the last generation's evaluation time per pair (1 until known).</summary>
    private int MinPairsPerBatch() => GenerationWork.MinPairsPerBatch(_settings.MinBatchTime.TotalSeconds, _secondsPerPair);

    /// <summary>Hands out batches by <see cref="GenerationWork.AssignToSlots"/>: idle slots first, then backups, then queued batches.</summary>
    private void Dispatch()
    {
        if (_work is null) return;
        foreach (var a in _work.AssignToSlots(_slots.Select(s => (s.Key, s.Value.Count)).ToList(), Now, _settings.BackupAfter, _settings.BatchesInFlightPerSlot))
        {
            if (a.IsBackup)
            {
                _log.Info("Backup copy of batch {BatchId} of generation {Generation} to {Evaluator}", a.Batch.BatchId, _work.Generation, a.Evaluator);
                CountersOf(EvaluatorIds.Node(a.Evaluator)).Backups++;
            }
            Send(a.Evaluator, a.Batch, a.Attempt);
        }
    }

    private void Send(string evaluator, WorkBatch batch, int attempt)
    {
        var plan = _work!.Plan;
        var items = WorkItem.For(plan, batch);
        _slots[evaluator].Add(Assignment(plan.Generation, attempt));
        var message = new SeedBatch(evaluator, _runId, plan.Generation, batch.BatchId, attempt, _workChecksum, _workEpisodeCap, items);
        if (_evaluatorRefs.TryGetValue(evaluator, out var entity)) entity.Tell(message);
        else _evaluators.Tell(message);
    }

    private void OnBatchResult(BatchResult result)
    {
        MarkIdle(result.EvaluatorId, Assignment(result.Generation, result.Attempt));
        LearnEvaluator(result.EvaluatorId);
        var node = EvaluatorIds.Node(result.EvaluatorId);
        var counters = CountersOf(node);
        counters.Batches++;
        counters.Steps += result.Items.Sum(i => (long)i.LengthPositive + i.LengthNegative);
        counters.Seconds += result.EvaluationSeconds;
        WarnIfMisplaced(result);
        if (result.RunId != _runId || _work is null || result.Generation != _work.Generation)
        {
            _log.Debug("Dropped a stale result for generation {Generation} batch {BatchId}", result.Generation, result.BatchId);
            Dispatch();
            return;
        }
        if (result.Items.Length > 0 && !result.Items[0].IsEvaluation && result.EvaluationSeconds > 0)
        {
            _pairSeconds += result.EvaluationSeconds;
            _pairsTimed += result.Items.Sum(i => i.Half.PairShare());
        }
        var items = result.Items.Select(i => i.ToOutcome()).ToList();
        if (!_work.Record(result.BatchId, items, Now))
            _log.Debug("Dropped a duplicate or malformed result for generation {Generation} batch {BatchId}", result.Generation, result.BatchId);
        if (_work.IsComplete) CompleteGeneration();
        else Dispatch();
    }

    /// <summary>Remembers (and watches) the entity that answered for a slot of a live node.</summary>
    private void LearnEvaluator(string evaluator)
    {
        if (_evaluatorRefs.ContainsKey(evaluator) || !_slots.ContainsKey(evaluator) || Sender.IsNobody() || Sender.Equals(Context.System.DeadLetters)) return;
        _evaluatorRefs[evaluator] = Sender;
        Context.Watch(Sender);
    }

    /// <summary>An evaluator entity stopped while its node stays: forget it and put back what it held (the region starts a new one).</summary>
    private void OnEvaluatorTerminated(Terminated terminated)
    {
        var gone = _evaluatorRefs.Where(kv => kv.Value.Equals(terminated.ActorRef)).Select(kv => kv.Key).ToList();
        foreach (var evaluator in gone)
        {
            _evaluatorRefs.Remove(evaluator);
            MarkIdle(evaluator);
            if (_work is null) continue;
            foreach (var id in _work.ReissueLost(holder => holder == evaluator))
                _log.Warning("Reissuing batch {BatchId} of generation {Generation}: evaluator {Evaluator} stopped", id, _work.Generation, evaluator);
        }
        Dispatch();
    }

    /// <summary>
    /// A slot evaluated on another node than its id names shares that node's cores: say so. Checked on a slot's first
    /// answer only (shards are never rebalanced), so the address is not parsed again for every result.
    /// </summary>
    private void WarnIfMisplaced(BatchResult result)
    {
        if (!_placementChecked.Add(result.EvaluatorId) || !ActorPath.TryParseAddress(result.NodeAddress, out var address)) return;
        if ($"{address.Host}:{address.Port}" == EvaluatorIds.HostPort(result.EvaluatorId)) return;
        _log.Warning("Evaluator slot {Evaluator} runs on {Node}, not on its own node: it shares that node's cores", result.EvaluatorId, result.NodeAddress);
    }

    private void OnBatchRejected(BatchRejected rejected)
    {
        MarkIdle(rejected.EvaluatorId);
        LearnEvaluator(rejected.EvaluatorId);
        if (rejected.Reason.StartsWith("evaluation failed", StringComparison.Ordinal) && _work is not null && rejected.Generation == _work.Generation
            && ++_failedEvaluations > MaxFailedEvaluationsPerGeneration)
        {
            // Every slot failing the same work (e.g. a broken environment) must stop the run, not spin forever.
            Fail($"evaluators keep failing: {rejected.Reason}");
            return;
        }
        if (_work is not null && rejected.Generation == _work.Generation) _work.Release(rejected.BatchId, rejected.EvaluatorId);
        Dispatch();
    }

    private static long Assignment(int generation, int attempt) => ((long)generation << 32) | (uint)attempt;

    /// <summary>Frees the place of <paramref name="assignment"/> on a slot, or every place when it is not known.</summary>
    private void MarkIdle(string evaluator, long? assignment = null)
    {
        if (!_slots.TryGetValue(evaluator, out var held)) return;
        if (assignment is { } key) held.Remove(key);
        else held.Clear();
    }

    private void CompleteGeneration()
    {
        var work = _work!;
        var wall = (Now - _generationStarted).TotalSeconds;
        var generation = work.Assemble(wall);
        var decision = RunLogic.Decide(_state, new CompleteGeneration(generation));
        if (decision.IsRejected)
        {
            Fail(decision.Rejection!);
            return;
        }
        _work = null;
        if (_pairsTimed > 0) _secondsPerPair = _pairSeconds / _pairsTimed;
        _pairSeconds = 0;
        _pairsTimed = 0;
        // θ of the next generation depends only on the pure update, not on the write: apply now, persist
        // asynchronously and start the next generation at once, so the journal's latency overlaps evaluation.
        // A crash before the write completes loses nothing: recovery replays up to the last persisted event and
        // the next generation's plan is a function of (seed, generation), so the same work is simply redone.
        _state = RunLogic.Apply(_state, generation);
        Remember(generation);
        _totalReissued += work.Reissued;
        _totalBackups += work.Backups;
        var after = _state;
        var evaluators = _slots.Count;
        var nodes = NodeFigures();
        if (!after.IsFinished) PushToReplicas(generation);
        PersistAsync(generation, e =>
        {
            if (after.Generation % after.RequireDefinition().SnapshotEvery == 0) SaveSnapshot(after);
            var steps = e.TrainingTimesteps + e.EvaluationTimesteps;
            Publish(new GenerationProgress(_runId, e.Generation, after.Timesteps, e.MeanTrainingReturn, e.MaxTrainingReturn, e.MeanEvaluationReturn,
                wall > 0 ? steps / wall : 0, wall, work.Reissued, work.Backups, evaluators, after.IsFinished, nodes));
            if (after.IsFinished) _log.Info("Run {RunId} finished at generation {Generation}", _runId, after.Generation);
        });
        if (!after.IsFinished) StartGeneration();
    }

    private void Fail(string reason)
    {
        _failure = reason;
        _work = null;
        _log.Error("Run {RunId} stopped: {Reason}", _runId, reason);
        Publish(new RunFailed(_runId, reason));
    }

    /// <summary>Sends the generation's scalars to the replica of every node with slots (Algorithm 2's broadcast).</summary>
    private void PushToReplicas(GenerationCompleted generation)
    {
        var message = new GenerationApplied(_runId, generation);
        foreach (var (node, address) in _nodeAddresses)
            if (_replicaRefs.TryGetValue(node, out var replica)) replica.Tell(message);
            else Context.ActorSelection(ReplicaPath(address)).Tell(message);
    }

    private static ActorPath ReplicaPath(Address node) => new RootActorPath(node) / "user" / "replica";

    private void OnGetGenerations(GetGenerations request)
    {
        var available = request.RunId == _runId && request.FromGeneration <= request.ToGeneration
            && request.ToGeneration <= _state.Generation
            && (request.FromGeneration == request.ToGeneration || _recent.Any(g => g.Generation == request.FromGeneration));
        var generations = available
            ? _recent.Where(g => g.Generation >= request.FromGeneration && g.Generation < request.ToGeneration).ToArray()
            : [];
        Sender.Tell(new GenerationsReply(request.RunId, null, generations, available));
    }

    private void OnTick()
    {
        if (_work is null) return;
        // The silent holders stay busy (a slow one frees itself by answering; the slots of a lost node go with
        // the node), so the batch goes to another slot.
        foreach (var (id, holders) in _work.ReissueOverdue(Now, _settings.BatchTimeout))
        {
            _log.Warning("Reissuing batch {BatchId} of generation {Generation}: no answer within {Timeout}", id, _work.Generation, _settings.BatchTimeout);
            foreach (var holder in holders) CountersOf(EvaluatorIds.Node(holder)).Reissued++;
        }
        Dispatch();
    }

    private void AddNode(Member member)
    {
        var node = EvaluatorIds.Node(member.UniqueAddress);
        if (_unreachableNodes.Contains(node)) return;
        var self = Cluster.Get(Context.System).SelfMember;
        if (Compatibility.Mismatch(self.Roles, member.Roles) is { } mismatch)
        {
            if (_refusedNodes.Add(node)) _log.Error("Node {Node} refused: it has {Mismatch}; it gets no seed batches", node, mismatch);
            return;
        }
        foreach (var role in member.Roles)
        {
            if (!role.StartsWith(SlotsRolePrefix, StringComparison.Ordinal) || !int.TryParse(role.AsSpan(SlotsRolePrefix.Length), out var slots)) continue;
            var added = 0;
            if (slots > 0 && _nodeAddresses.TryAdd(node, member.Address))
                Context.ActorSelection(ReplicaPath(member.Address)).ResolveOne(TimeSpan.FromSeconds(10))
                    .PipeTo(Self, success: replica => new ReplicaFound(node, replica), failure: _ => new Status.Failure(new ActorNotFoundException()));
            for (var k = 0; k < slots; k++)
                if (_slots.TryAdd(EvaluatorIds.For(member.UniqueAddress, k), new List<long>())) added++;
            if (added > 0) _log.Info("Node {Node} joined with {Slots} evaluator slots", node, slots);
        }
    }

    private void LoseNode(Member member, bool removed)
    {
        var node = EvaluatorIds.Node(member.UniqueAddress);
        if (!removed) _unreachableNodes.Add(node); else _unreachableNodes.Remove(node);
        _nodeAddresses.Remove(node);
        _replicaRefs.Remove(node);
        var lost = _slots.Keys.Where(id => EvaluatorIds.Node(id) == node).ToList();
        if (lost.Count == 0) return;
        foreach (var id in lost)
        {
            _slots.Remove(id);
            if (_evaluatorRefs.Remove(id, out var entity)) Context.Unwatch(entity);
        }
        _log.Info("Node {Node} {Change}: {Slots} evaluator slots lost", node, removed ? "removed" : "unreachable", lost.Count);
        if (_work is not null)
        {
            var lostSet = lost.ToHashSet();
            foreach (var id in _work.ReissueLost(lostSet.Contains))
            {
                _log.Warning("Reissuing batch {BatchId} of generation {Generation}: its node {Node} is gone", id, _work.Generation, node);
                CountersOf(node).Reissued++;
            }
        }
        Dispatch();
    }

    private void Remember(IRunEvent e)
    {
        if (e is not GenerationCompleted g) return;
        _recent.AddLast(g);
        while (_recent.Count > _settings.ReplayWindow) _recent.RemoveFirst();
    }

    private void Publish(object message) => _mediator?.Tell(new Publish(TopicFor(_runId), message));
}
