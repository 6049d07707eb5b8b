using Akka.Actor;
using Akka.Cluster;
using Akka.Event;
using EsActors.Domain.Es;
using EsActors.Domain.Runs;
using EsActors.Domain.Scheduling;
using EsActors.Environments;
using EsActors.Node.Clustering;
using EsActors.Node.Configuration;
using EsActors.Node.Protocol;

namespace EsActors.Node.Optimizer;

/// <summary>
/// The optimizer's dispatch loop without the actor: which seed batches go to which slot, what a result, a refusal,
/// a lost node, a stopped entity or the periodic tick changes. It owns the <see cref="SlotTable{TRef}"/>, the
/// per-node <see cref="NodeLedger"/> and the <see cref="BatchPacing"/>; the actor only sends what it returns.
/// Timing decides how work is cut and who does it, never what is computed.
/// </summary>
public sealed class GenerationDispatch<TRef>(string runId, DispatchSettings settings, ILoggingAdapter log) where TRef : class
{
    private const int MaxFailedEvaluationsPerGeneration = 20;

    /// <summary>The generation being evaluated, and what its seed batches carry.</summary>
    private sealed record InFlight(GenerationWork Work, ulong Checksum, int EpisodeCap, TimeSpan Started) { public int Failures; }

    private readonly BatchPacing _pacing = new(settings.MinBatchTime.TotalSeconds);
    private InFlight? _gen;
    private int _totalReissued, _totalBackups;
    private readonly Dictionary<(int Generation, int BatchId), string> _impossibleFrom = [];
    /// <summary>The run's environment: what an episode can return, and its step limit (set by <see cref="Start"/>).</summary>
    private (string Id, RewardBounds Rewards, int MaxSteps)? _env;
    private readonly Dictionary<string, (int Generation, TimeSpan At)> _replicaResets = new(StringComparer.Ordinal);

    /// <summary>The runs that share the slots (in the order they were started); alone, this run uses every slot.</summary>
    private IReadOnlyList<string> _sharedWith = [runId];

    public SlotTable<TRef> Slots { get; } = new();
    public NodeLedger Ledger { get; } = new();
    public bool InProgress => _gen is not null;
    public int Reissued => _totalReissued + (_gen?.Work.Reissued ?? 0);
    public int Backups => _totalBackups + (_gen?.Work.Backups ?? 0);
    public NodeWork[] NodeFigures() => Ledger.Figures(Slots.SlotsPerNode());

    /// <summary>Starts evaluating the generation after <paramref name="state"/>, cut for the slots there are now.</summary>
    public void Start(RunState state, TimeSpan now)
    {
        var run = state.RequireDefinition();
        var plan = PerturbationPlan.For(run, state.Generation, RunLogic.NoiseFor(run));
        var slots = Math.Max(1, MySlots().Count);
        var work = new GenerationWork(run, plan, slots * settings.BatchesPerSlot, slots, _pacing.MinPairsPerBatch, settings.SplitTailPairs);
        var spec = EnvironmentRegistry.GetSpec(run.EnvironmentId);
        _env = (spec.Id, spec.RewardsFor(run.BoxHead), spec.MaxEpisodeSteps);
        _gen = new InFlight(work, state.Checksum(), state.EpisodeCap(spec.MaxEpisodeSteps), now);
    }

    /// <summary>
    /// The runs that now share the cluster's slots (from the run host): from now on only this run's share of the slots
    /// gets its batches (<see cref="SlotShares"/>). Batches already on a slot that moved to another run finish there.
    /// </summary>
    public void ShareWith(IReadOnlyList<string> runs) => _sharedWith = runs;

    /// <summary>This run's slots: all of them when it is alone.</summary>
    public IReadOnlyCollection<string> MySlots() =>
        _sharedWith is [var only] && only == runId ? Slots.Evaluators : (IReadOnlyCollection<string>)SlotShares.Of(runId, Slots.Evaluators, _sharedWith);

    private IReadOnlyList<(string Evaluator, int Held)> MyOccupancy()
    {
        var all = Slots.Occupancy();
        if (_sharedWith is [var only] && only == runId) return all;
        var mine = SlotShares.Of(runId, Slots.Evaluators, _sharedWith);
        return all.Where(o => mine.Contains(o.Evaluator)).ToList();
    }

    /// <summary>Stops dispatching (the run failed).</summary>
    public void Abandon() => _gen = null;

    /// <summary>
    /// Seed batches to send by <see cref="GenerationWork.AssignToSlots"/>: idle slots first, then backups, then queued
    /// batches. Each goes to the slot's known entity, or (null) through the shard region.
    /// </summary>
    public IReadOnlyList<(TRef? Entity, SeedBatch Batch)> Dispatch(TimeSpan now)
    {
        if (_gen is not { } gen) return [];
        var sends = new List<(TRef?, SeedBatch)>();
        foreach (var a in gen.Work.AssignToSlots(MyOccupancy(), now, settings.BackupAfter, settings.BatchesInFlightPerSlot))
        {
            if (a.IsBackup)
            {
                log.Info("Backup copy of batch {BatchId} of generation {Generation} to {Evaluator}", a.Batch.BatchId, gen.Work.Generation, a.Evaluator);
                Ledger.CountBackup(EvaluatorIds.Node(a.Evaluator));
            }
            Slots.Hold(a.Evaluator, gen.Work.Generation, a.Attempt);
            sends.Add((Slots.EntityOf(a.Evaluator),
                new SeedBatch(a.Evaluator, runId, gen.Work.Generation, a.Batch.BatchId, a.Attempt, gen.Checksum, gen.EpisodeCap, a.Batch.ItemsOf(gen.Work.Plan))));
        }
        return sends;
    }

    /// <summary>A generation whose last batch is in: its event, and how many batches it reissued and backed up.</summary>
    public sealed record Completed(GenerationCompleted Event, int Reissued, int Backups);

    /// <summary>
    /// Whether a result may be judged at all: for the generation in flight it must come from an evaluator slot that was
    /// given that batch under that attempt (now or before a reissue; results are deterministic, so any of them will
    /// do) and not from an excluded node. Anything else is dropped and logged: a result names its slot and batch
    /// itself, and a member must not fill in, or get excluded for, work it was never asked to do. Results for other
    /// generations or runs pass here and are dropped as stale by <see cref="Record"/>.
    /// </summary>
    public bool FromAssignee(BatchResult result)
    {
        if (result.RunId != runId || _gen is not { } gen || result.Generation != gen.Work.Generation) return true;
        var node = EvaluatorIds.Node(result.EvaluatorId);
        if (!Slots.IsExcluded(node) && gen.Work.WasIssued(result.BatchId, result.EvaluatorId, result.Attempt)) return true;
        log.Warning("Dropped a result for batch {BatchId} (attempt {Attempt}) of generation {Generation} from {Evaluator} (node address {Address}): {Why}",
            result.BatchId, result.Attempt, result.Generation, result.EvaluatorId, result.NodeAddress,
            Slots.IsExcluded(node) ? "its node is excluded from the run" : "that batch was never assigned to it");
        return false;
    }

    /// <summary>Records a result; returns the generation once its last batch is in (dispatch stops until the next <see cref="Start"/>).</summary>
    public Completed? Record(BatchResult result, TimeSpan now)
    {
        if (!FromAssignee(result)) return null;
        Slots.Free(result.EvaluatorId, result.Generation, result.Attempt);
        Ledger.CountBatch(EvaluatorIds.Node(result.EvaluatorId), result.Items.Sum(i => i.Steps), result.EvaluationSeconds);
        if (result.RunId != runId || _gen is not { } gen || result.Generation != gen.Work.Generation)
        {
            log.Debug("Dropped a stale result for generation {Generation} batch {BatchId}", result.Generation, result.BatchId);
            return null;
        }
        if (!gen.Work.Record(result.BatchId, result.Items, now))
        {
            log.Debug("Dropped a duplicate or malformed result for generation {Generation} batch {BatchId}", result.Generation, result.BatchId);
            return null;
        }
        if (result.Items is [{ IsEvaluation: false } first, ..]) _pacing.Record(result.EvaluationSeconds, result.Items.Length * first.Half.PairShare());
        if (!gen.Work.IsComplete) return null;
        _gen = null;
        _pacing.CloseGeneration();
        _totalReissued += gen.Work.Reissued;
        _totalBackups += gen.Work.Backups;
        return new Completed(gen.Work.Assemble((now - gen.Started).TotalSeconds), gen.Work.Reissued, gen.Work.Backups);
    }

    /// <summary>A node excluded for an impossible result: the entities to stop watching, and a reason to stop the run if it must.</summary>
    public sealed record Exclusion(string Node, IReadOnlyList<TRef> Entities, string? Failure);

    /// <summary>
    /// A result no honest evaluator can produce is treated like a lost node: a non-finite return or observation
    /// statistic, a return outside what the environment's rewards allow for the episode's length
    /// (<see cref="RewardBounds"/>), or an episode longer than its cap. The node is excluded from the run for good and
    /// what it held (this batch included) is redone elsewhere, so θ is what a healthy cluster computes. Two nodes failing
    /// the same batch mean the work itself diverges, not a node: the run stops, as it does when no node is left to redo
    /// the batch — unless the run's host has no slots of its own (<paramref name="hostWaitsForWorkers"/>): such a host
    /// waits for workers to join, as it did before the first one came. Returns null for a possible result (and for one
    /// that <see cref="FromAssignee"/> drops anyway).
    /// </summary>
    public Exclusion? ExcludeIfImpossible(BatchResult result, bool hostWaitsForWorkers = false)
    {
        if (Impossibility(result) is not { } what || !FromAssignee(result)) return null;
        var node = EvaluatorIds.Node(result.EvaluatorId);
        if (Slots.IsExcluded(node)) return new Exclusion(node, [], null); // its late answers (stale ones pass FromAssignee): dropped, logged once
        var where = $"batch {result.BatchId} of generation {result.Generation}";
        if (_impossibleFrom.TryGetValue((result.Generation, result.BatchId), out var first) && first != node)
            return new Exclusion(node, [], $"{where} gave impossible results (non-finite or out of bounds) on nodes {first} and {node}, the last {what}: the environment or the policy diverges");
        _impossibleFrom[(result.Generation, result.BatchId)] = node;
        Slots.Exclude(node);
        log.Error("Node {Node} returned {What} for {Batch} of run {RunId}: it is excluded from the run and its batches are redone elsewhere",
            node, what, where, runId);
        var entities = NodeLost(node, unreachable: false);
        if (Slots.Count > 0) return new Exclusion(node, entities, null);
        if (!hostWaitsForWorkers) return new Exclusion(node, entities, $"node {node} returned {what} for {where} and no other node is left to redo it");
        log.Warning("No slots are left to redo {Batch} of run {RunId}: the run waits for a worker to join", where, runId);
        return new Exclusion(node, entities, null);
    }

    /// <summary>What makes a result impossible (for the log line), or null when every item is possible.</summary>
    private string? Impossibility(BatchResult result)
    {
        if (!result.Items.All(IsFinite)) return "non-finite values";
        if (_env is not { } env) return null;
        var current = result.RunId == runId && _gen is { } gen && result.Generation == gen.Work.Generation;
        var trainingCap = current ? Math.Min(_gen!.EpisodeCap, env.MaxSteps) : env.MaxSteps;
        foreach (var item in result.Items)
        {
            var cap = item.IsEvaluation ? env.MaxSteps : trainingCap;
            var runsPositive = item.IsEvaluation || item.Half.RunsPositive();
            var runsNegative = !item.IsEvaluation && item.Half.RunsNegative();
            if (Episode(item.ReturnPositive, item.LengthPositive, runsPositive ? cap : 0) is { } positive) return $"{positive} (item {item.Index})";
            if (Episode(item.ReturnNegative, item.LengthNegative, runsNegative ? cap : 0) is { } negative) return $"{negative} (item {item.Index}, negative half)";
        }
        return null;

        string? Episode(double episodeReturn, int length, int maxLength) =>
            length < 0 || length > maxLength ? $"an episode of {length} steps (at most {maxLength} possible)"
            : !env.Rewards.Admits(episodeReturn, length) ? $"return {episodeReturn:G6}, outside what {env.Id} can return: {env.Rewards.Describe(length)}"
            : null;
    }

    private static bool IsFinite(ItemOutcome item) =>
        double.IsFinite(item.ReturnPositive) && double.IsFinite(item.ReturnNegative)
        && (item.Delta is not { } d || (double.IsFinite(d.Count) && d.Sum.All(double.IsFinite) && d.SumOfSquares.All(double.IsFinite)));

    /// <summary>What subscribers hear about a completed generation; <paramref name="before"/> and <paramref name="after"/> are the states around it.</summary>
    public GenerationProgress Progress(Completed completed, RunState before, RunState after) =>
        new(runId, GenerationFigures.Of(completed.Event, before, after), completed.Reissued, completed.Backups, MySlots().Count, after.IsFinished, NodeFigures());

    /// <summary>A slot refused a batch: it goes back. Returns a reason to stop the run when evaluations keep failing.</summary>
    public string? Refused(BatchRejected rejected)
    {
        Slots.FreeAll(rejected.EvaluatorId);
        if (_gen is not { } gen || rejected.Generation != gen.Work.Generation) return null;
        // Every slot failing the same work (e.g. a broken environment) must stop the run, not spin forever.
        if (rejected.Reason.StartsWith("evaluation failed", StringComparison.Ordinal) && ++gen.Failures > MaxFailedEvaluationsPerGeneration)
            return $"evaluators keep failing: {rejected.Reason}";
        gen.Work.Release(rejected.BatchId, rejected.EvaluatorId);
        return null;
    }

    /// <summary>
    /// Whether a refusal says the node's replica is ahead of this optimizer: "stale" for the generation being evaluated
    /// now. That happens after the optimizer rolled back (it restarted, or moved, and recovered fewer generations than
    /// it had applied and pushed): the node's replica must be given this optimizer's state. At most once a second per
    /// node, so the reset is not sent again for every slot of the node.
    /// </summary>
    public bool ReplicaIsAhead(BatchRejected rejected, TimeSpan now)
    {
        if (!rejected.Reason.StartsWith("stale", StringComparison.Ordinal) || _gen is not { } gen || rejected.Generation != gen.Work.Generation) return false;
        var node = EvaluatorIds.Node(rejected.EvaluatorId);
        if (_replicaResets.TryGetValue(node, out var last) && last.Generation == gen.Work.Generation && now - last.At < TimeSpan.FromSeconds(1)) return false;
        _replicaResets[node] = (gen.Work.Generation, now);
        return true;
    }

    /// <summary>The periodic tick: batches whose every copy is overdue go to other slots (the silent holders stay busy).</summary>
    public void ReissueOverdue(TimeSpan now)
    {
        if (_gen is not { } gen) return;
        foreach (var (id, holders) in gen.Work.ReissueOverdue(now, settings.BatchTimeout))
        {
            log.Warning("Reissuing batch {BatchId} of generation {Generation}: no answer within {Timeout}", id, gen.Work.Generation, settings.BatchTimeout);
            foreach (var holder in holders) Ledger.CountReissue(EvaluatorIds.Node(holder));
        }
    }

    /// <summary>An evaluator entity stopped while its node stays: what it held goes back (the region starts a new one).</summary>
    public void EntityStopped(TRef entity)
    {
        foreach (var evaluator in Slots.ForgetEntity(entity))
        {
            Slots.FreeAll(evaluator);
            if (_gen is not { } gen) continue;
            foreach (var id in gen.Work.ReissueLost(holder => holder == evaluator))
                log.Warning("Reissuing batch {BatchId} of generation {Generation}: evaluator {Evaluator} stopped", id, gen.Work.Generation, evaluator);
        }
    }

    /// <summary>
    /// A member is Up: a compatible node that advertises slots gets them in the table (an incompatible one is refused
    /// and logged once; one still marked unreachable waits). Returns true for a node not seen before.
    /// </summary>
    public bool NodeUp(UniqueAddress member, Address address, IEnumerable<string> roles, IEnumerable<string> selfRoles)
    {
        var node = EvaluatorIds.Node(member);
        if (Slots.IsUnreachable(node) || Slots.IsExcluded(node)) return false;
        if (Compatibility.Mismatch(selfRoles, roles) is { } mismatch)
        {
            if (Slots.Refuse(node)) log.Error("Node {Node} refused: it has {Mismatch}; it gets no seed batches", node, mismatch);
            return false;
        }
        if (NodeRoles.SlotsOf(roles) is not { } slots || slots <= 0) return false;
        if (slots > settings.MaxSlotsPerNode)
        {
            log.Warning("Node {Node} advertises {Advertised} evaluator slots, more than {Section}.max-slots-per-node: it gets {Slots}",
                node, slots, DispatchSettings.Section, settings.MaxSlotsPerNode);
            slots = settings.MaxSlotsPerNode;
        }
        var (added, newNode) = Slots.AddNode(node, address, Enumerable.Range(0, slots).Select(k => EvaluatorIds.For(member, k)));
        if (added > 0) log.Info("Node {Node} joined with {Slots} evaluator slots", node, slots);
        return newNode;
    }

    /// <summary>A node is unreachable or removed: its slots go, and so does what they held. Returns the entities to stop watching.</summary>
    public IReadOnlyList<TRef> NodeLost(string node, bool unreachable)
    {
        var (lost, entities) = Slots.RemoveNode(node, unreachable);
        if (lost.Count == 0) return entities;
        log.Info("Node {Node} {Change}: {Slots} evaluator slots lost", node, unreachable ? "unreachable" : "removed", lost.Count);
        if (_gen is { } gen)
            foreach (var id in gen.Work.ReissueLost(lost.ToHashSet().Contains))
            {
                log.Warning("Reissuing batch {BatchId} of generation {Generation}: its node {Node} is gone", id, gen.Work.Generation, node);
                Ledger.CountReissue(node);
            }
        return entities;
    }
}
