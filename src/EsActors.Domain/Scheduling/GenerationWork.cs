using EsActors.Domain.Es;
using EsActors.Domain.Normalization;
using EsActors.Domain.Runs;

namespace EsActors.Domain.Scheduling;

/// <summary>
/// Book-keeping of one generation in flight, kept out of the actor so it can be tested without Akka: which
/// batches are unassigned, who holds the others and since when, which results arrived. The first result of a
/// batch wins; later copies (reissues, backups) are ignored, which is safe because results are deterministic.
/// </summary>
public sealed class GenerationWork
{
    private sealed record Assignment(string Evaluator, int Attempt, TimeSpan IssuedAt);

    private readonly RunDefinition _run;
    private readonly LinkedList<int> _unassigned = new();
    private readonly Dictionary<int, List<Assignment>> _assignments = new();
    // Every (batch, evaluator, attempt) handed out this generation, kept after a reissue: a late answer from an earlier
    // holder is as good as any (results are deterministic), while a result nobody was asked for is not.
    private readonly HashSet<(int BatchId, string Evaluator, int Attempt)> _issued = new();
    private readonly bool[] _batchDone;
    private readonly List<double> _completedDurations = new();
    private readonly double[] _returnsPositive, _returnsNegative, _evalReturns;
    private readonly int[] _lengthsPositive, _lengthsNegative, _evalLengths;
    private readonly ObservationStatistics?[] _pairStatistics;
    private int _remaining;
    private int _nextAttempt;

    /// <param name="pairBatches">How many pair batches the bulk of the generation is cut into (at most this size each).</param>
    /// <param name="slots">Evaluator slots sharing the generation: the last batches shrink to one pair so that the
    /// slots finish together (guided self-scheduling), since the next generation waits for the slowest slot.</param>
    /// <param name="minPairsPerBatch">Fewest pairs in a batch (cheap episodes: a batch must outlast a message round trip);
    /// evaluation episodes are grouped twice as many per batch. Never more than a slot's even share. At 1 (long
    /// episodes) the single-pair batches at the end are split into their two halves, see <see cref="SplitsTail"/>.</param>
    /// <param name="splitTail">Whether those last single pairs may be split at all (off only to measure what splitting gains).</param>
    public GenerationWork(RunDefinition run, PerturbationPlan plan, int pairBatches, int slots = 1, int minPairsPerBatch = 1, bool splitTail = true)
    {
        _run = run;
        Plan = plan;
        var pairs = run.Pairs;
        pairBatches = Math.Clamp(pairBatches, 1, pairs);
        var batches = new List<WorkBatch>();
        // Evaluation episodes first, one per batch: they decide when the run stops and are not capped, so
        // they are the longest items and must spread over the slots rather than form the generation's tail.
        slots = Math.Max(1, slots);
        var evaluationsPerBatch = Math.Clamp(minPairsPerBatch <= 1 ? 1 : 2 * minPairsPerBatch, 1, Math.Max(1, (run.EvaluationEpisodes + slots - 1) / slots));
        for (var k = 0; k < run.EvaluationEpisodes; k += evaluationsPerBatch)
            batches.Add(new WorkBatch(batches.Count, true, Enumerable.Range(k, Math.Min(evaluationsPerBatch, run.EvaluationEpisodes - k)).ToArray()));
        splitTail = splitTail && SplitsTail(slots, minPairsPerBatch);
        foreach (var (from, to) in PairRanges(pairs, pairBatches, slots, minPairsPerBatch))
        {
            if (splitTail && to - from == 1 && !plan.CollectStatistics[from])
            {
                batches.Add(new WorkBatch(batches.Count, false, [from], PairHalf.Positive));
                batches.Add(new WorkBatch(batches.Count, false, [from], PairHalf.Negative));
            }
            else batches.Add(new WorkBatch(batches.Count, false, Enumerable.Range(from, to - from).ToArray()));
        }
        Batches = batches;
        foreach (var batch in batches) _unassigned.AddLast(batch.BatchId);
        _batchDone = new bool[batches.Count];
        _remaining = batches.Count;
        _returnsPositive = new double[pairs]; _returnsNegative = new double[pairs];
        _lengthsPositive = new int[pairs]; _lengthsNegative = new int[pairs];
        _pairStatistics = new ObservationStatistics?[pairs];
        _evalReturns = new double[run.EvaluationEpisodes]; _evalLengths = new int[run.EvaluationEpisodes];
    }

    /// <summary>
    /// Consecutive pair ranges: at most ⌈pairs / pairBatches⌉ pairs each, and never more than the remaining pairs
    /// shared by twice the slots, so sizes fall to one pair (or <paramref name="minPairs"/>, capped at a slot's even share)
    /// at the end of the generation. A generation too small for that (fewer than four minimum batches per slot) is cut
    /// into equal batches, a multiple of the slots.
    /// </summary>
    public static IReadOnlyList<(int From, int To)> PairRanges(int pairs, int pairBatches, int slots, int minPairs = 1)
    {
        slots = Math.Max(1, slots);
        pairBatches = Math.Clamp(pairBatches, 1, Math.Max(1, pairs));
        minPairs = Math.Clamp(minPairs, 1, Math.Max(1, (pairs + slots - 1) / slots));
        var largest = Math.Max(minPairs, (pairs + pairBatches - 1) / pairBatches);
        var share = 2 * slots;
        var ranges = new List<(int, int)>();
        if (minPairs > 1 && pairs < 2 * share * minPairs)
        {
            // A small generation of cheap episodes: batches cannot shrink below the minimum, so the shrinking tail
            // below would end with one slot running a last batch while the others wait (P=48 CartPole on 2 slots:
            // 8+8+8 pairs, one slot idle for a third of the generation). Cut it into equal batches instead, as many as
            // the minimum allows but a multiple of the slots, so every slot gets the same share.
            var count = Math.Clamp(Math.Max(slots, pairs / minPairs / slots * slots), 1, pairs);
            for (int k = 0, from = 0; k < count; k++)
            {
                var size = pairs / count + (k < pairs % count ? 1 : 0);
                ranges.Add((from, from + size));
                from += size;
            }
            return ranges;
        }
        for (var from = 0; from < pairs;)
        {
            var remaining = pairs - from;
            var size = Math.Min(remaining, Math.Max(minPairs, Math.Min(largest, (remaining + share - 1) / share)));
            ranges.Add((from, from + size));
            from += size;
        }
        return ranges;
    }

    /// <summary>
    /// Whether the last single-pair batches run as two one-episode batches. The generation waits for its slowest
    /// slot, and a slot that drew the last item keeps the others idle for up to that item's length: with long
    /// episodes (Hopper: a pair ≈ 85 ms of a ≈ 1.8 s generation) halving the last items halves that wait. Results
    /// are the same either way (each half is the same episode); pairs that sample observation statistics stay
    /// whole because their statistics are accumulated over both episodes in one pass. Cheap episodes (more than
    /// one pair per batch) and a single slot gain nothing from it.
    /// </summary>
    public static bool SplitsTail(int slots, int minPairsPerBatch) => slots > 1 && minPairsPerBatch <= 1;

    public PerturbationPlan Plan { get; }
    public int Generation => Plan.Generation;
    public IReadOnlyList<WorkBatch> Batches { get; }
    public bool IsComplete => _remaining == 0;
    public int Reissued { get; private set; }
    public int Backups { get; private set; }
    public bool HasUnassigned => _unassigned.Count > 0;
    public int UnassignedCount => _unassigned.Count;

    public bool IsDone(int batchId) => batchId >= 0 && batchId < _batchDone.Length && _batchDone[batchId];

    /// <summary>Takes the next unassigned batch and records who holds it; returns the attempt number.</summary>
    public bool TryAssignNext(string evaluator, TimeSpan now, out WorkBatch batch, out int attempt)
    {
        while (_unassigned.First is { } node)
        {
            _unassigned.RemoveFirst();
            if (_batchDone[node.Value]) continue;
            batch = Batches[node.Value];
            attempt = Assign(node.Value, evaluator, now);
            return true;
        }
        batch = null!; attempt = 0;
        return false;
    }

    private int Assign(int batchId, string evaluator, TimeSpan now)
    {
        if (!_assignments.TryGetValue(batchId, out var list)) _assignments[batchId] = list = new List<Assignment>();
        var attempt = ++_nextAttempt;
        list.Add(new Assignment(evaluator, attempt, now));
        _issued.Add((batchId, evaluator, attempt));
        return attempt;
    }

    /// <summary>
    /// Whether <paramref name="evaluator"/> was given this batch under this attempt number in this generation (it may
    /// have lost it since to a reissue or share it with a backup copy): the only answers the generation accepts.
    /// </summary>
    public bool WasIssued(int batchId, string evaluator, int attempt) => _issued.Contains((batchId, evaluator, attempt));

    /// <summary>
    /// Stores a batch's results. Returns false (and changes nothing) for a batch already done or unknown, or for
    /// results that do not match the batch's items.
    /// </summary>
    public bool Record(int batchId, IReadOnlyList<ItemOutcome> items, TimeSpan now)
    {
        if (batchId < 0 || batchId >= Batches.Count || _batchDone[batchId]) return false;
        var batch = Batches[batchId];
        if (items.Count != batch.Indices.Length) return false;
        for (var i = 0; i < items.Count; i++)
            if (items[i].Index != batch.Indices[i] || items[i].IsEvaluation != batch.IsEvaluation || items[i].Half != batch.Half) return false;
        foreach (var item in items)
        {
            if (batch.IsEvaluation) { _evalReturns[item.Index] = item.ReturnPositive; _evalLengths[item.Index] = item.LengthPositive; }
            else
            {
                if (item.Half.RunsPositive()) { _returnsPositive[item.Index] = item.ReturnPositive; _lengthsPositive[item.Index] = item.LengthPositive; }
                if (item.Half.RunsNegative()) { _returnsNegative[item.Index] = item.ReturnNegative; _lengthsNegative[item.Index] = item.LengthNegative; }
                if (item.Half == PairHalf.Both) _pairStatistics[item.Index] = item.Delta;
            }
        }
        if (_assignments.TryGetValue(batchId, out var list) && list.Count > 0 && !batch.IsEvaluation)
            _completedDurations.Add((now - list[0].IssuedAt).TotalSeconds);
        _batchDone[batchId] = true;
        _assignments.Remove(batchId);
        _remaining--;
        return true;
    }

    /// <summary>Drops one evaluator's claim on a batch (it refused it) and puts the batch back if nobody else holds it.</summary>
    public void Release(int batchId, string evaluator)
    {
        if (IsDone(batchId) || !_assignments.TryGetValue(batchId, out var list)) return;
        list.RemoveAll(a => a.Evaluator == evaluator);
        if (list.Count == 0) { _assignments.Remove(batchId); Requeue(batchId); }
    }

    /// <summary>
    /// Batches whose every copy has been out longer than <paramref name="timeout"/>: put back at the front.
    /// Returns each with the evaluators that held it, so the caller can stop counting them as busy.
    /// </summary>
    public IReadOnlyList<(int BatchId, string[] Holders)> ReissueOverdue(TimeSpan now, TimeSpan timeout)
    {
        var overdue = _assignments.Where(kv => kv.Value.All(a => now - a.IssuedAt >= timeout))
            .OrderBy(kv => kv.Key).Select(kv => (kv.Key, kv.Value.Select(a => a.Evaluator).ToArray())).ToList();
        foreach (var (id, _) in overdue) { _assignments.Remove(id); Requeue(id); }
        return overdue;
    }

    /// <summary>Batches held only by evaluators that are gone: put back at the front.</summary>
    public IReadOnlyList<int> ReissueLost(Func<string, bool> isLost)
    {
        var lost = new List<int>();
        foreach (var (id, list) in _assignments.OrderBy(kv => kv.Key).ToList())
        {
            list.RemoveAll(a => isLost(a.Evaluator));
            if (list.Count == 0) { _assignments.Remove(id); Requeue(id); lost.Add(id); }
        }
        return lost;
    }

    /// <summary>
    /// A straggler to copy to an idle evaluator: the longest-running pending pair batch with a single copy out,
    /// once it has taken <paramref name="factor"/> × the median time of finished batches.
    /// </summary>
    public bool TryAssignBackup(string evaluator, TimeSpan now, double factor, out WorkBatch batch, out int attempt)
    {
        batch = null!; attempt = 0;
        if (factor <= 0 || _unassigned.Count > 0 || _completedDurations.Count == 0) return false;
        var sorted = _completedDurations.Order().ToList();
        var median = sorted[sorted.Count / 2];
        var candidate = _assignments
            .Where(kv => kv.Value.Count == 1 && kv.Value[0].Evaluator != evaluator && (now - kv.Value[0].IssuedAt).TotalSeconds > factor * median + 0.05)
            .OrderBy(kv => kv.Value[0].IssuedAt).Select(kv => (int?)kv.Key).FirstOrDefault();
        if (candidate is not { } id) return false;
        batch = Batches[id];
        attempt = Assign(id, evaluator, now);
        Backups++;
        return true;
    }

    /// <summary>
    /// The optimizer's dispatch rule, one pass: every idle slot (in the given order) gets the next unassigned batch,
    /// or else a backup copy of a straggler; then slots get one more batch each, up to
    /// <paramref name="inFlightPerSlot"/>, but only while every slot could still get one — a batch queued behind a
    /// running one near the end of a generation would leave other slots idle. <paramref name="held"/> is how many
    /// batches each slot holds (a late answer to an older generation's batch still holds its place).
    /// </summary>
    public IReadOnlyList<Assigned> AssignToSlots(IReadOnlyList<(string Evaluator, int Held)> held, TimeSpan now, double backupAfter, int inFlightPerSlot)
    {
        var assigned = new List<Assigned>();
        var counts = held.Select(h => h.Held).ToArray();
        for (var i = 0; i < counts.Length; i++)
        {
            if (counts[i] != 0) continue;
            var evaluator = held[i].Evaluator;
            if (TryAssignNext(evaluator, now, out var batch, out var attempt)) assigned.Add(new Assigned(evaluator, batch, attempt, false));
            else if (TryAssignBackup(evaluator, now, backupAfter, out batch, out attempt)) assigned.Add(new Assigned(evaluator, batch, attempt, true));
            else break;
            counts[i]++;
        }
        for (var level = 1; level < inFlightPerSlot && UnassignedCount > counts.Length; level++)
            for (var i = 0; i < counts.Length; i++)
            {
                if (counts[i] != level) continue;
                if (UnassignedCount > counts.Length && TryAssignNext(held[i].Evaluator, now, out var batch, out var attempt))
                {
                    assigned.Add(new Assigned(held[i].Evaluator, batch, attempt, false));
                    counts[i]++;
                }
                else break;
            }
        return assigned;
    }

    private void Requeue(int batchId)
    {
        if (_batchDone[batchId] || _unassigned.Contains(batchId)) return;
        _unassigned.AddFirst(batchId);
        Reissued++;
    }

    /// <summary>The generation's event: pair results in pair order, statistics merged in pair order.</summary>
    public GenerationCompleted Assemble(double wallSeconds)
    {
        if (!IsComplete) throw new InvalidOperationException("generation is not complete");
        var delta = ObservationStatistics.Empty(_run.Network.Inputs);
        foreach (var stats in _pairStatistics) if (stats is not null) delta = delta.Merge(stats);
        return new GenerationCompleted(Generation, (int[])Plan.NoiseIndices.Clone(),
            (double[])_returnsPositive.Clone(), (double[])_returnsNegative.Clone(),
            (int[])_lengthsPositive.Clone(), (int[])_lengthsNegative.Clone(), delta,
            (double[])_evalReturns.Clone(), (int[])_evalLengths.Clone(), wallSeconds);
    }
}
