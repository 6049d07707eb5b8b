using EsActors.Domain.Es;
using EsActors.Domain.Runs;
using EsActors.Domain.Scheduling;

namespace EsActors.Bench;

/// <summary>
/// The optimizer's dispatch of consecutive generations played out on simulated slots whose episodes take known
/// times: how long the generations take and how much slot time is lost at the generation barrier, free of the
/// machine's noise. The bench feeds it the episode lengths a real run produced, so scheduling choices (batch sizes,
/// the split tail, backups) can be weighed on two cores whose run-to-run spread is larger than their effect.
/// The dispatch rule is the optimizer's own (<see cref="GenerationWork.AssignToSlots"/>).
/// </summary>
public static class DispatchSimulation
{
    /// <param name="Latency">One-way message delay: a batch reaches its slot, and a result the optimizer, this much later
    /// (so a generation's barrier costs at least two of them).</param>
    /// <param name="LocalSlots">The first slots share the optimizer's node: their messages take <paramref name="LocalLatency"/>.</param>
    /// <param name="MinBatchSeconds">As <c>min-batch-time</c>: batches hold enough pairs to take this long, from the
    /// previous generation's time per pair (the first generation: one pair).</param>
    public sealed record Settings(int Slots, int PairBatchesPerSlot = 8, int InFlightPerSlot = 2, double BackupAfter = 2.0, double MinBatchSeconds = 0.002,
        bool SplitTail = true, double Latency = 0.0002, double TickSeconds = 0.25, int LocalSlots = 0, double LocalLatency = 0)
    {
        public double LatencyOf(int slot) => slot < LocalSlots ? LocalLatency : Latency;
    }

    /// <summary>Time the episodes of one generation take on a slot: per pair (each half) and per evaluation episode.</summary>
    public sealed record GenerationCosts(PerturbationPlan Plan, double[] Positive, double[] Negative, double[] Evaluation)
    {
        public double Total => Positive.Sum() + Negative.Sum() + Evaluation.Sum();

        public double Of(WorkBatch batch)
        {
            var seconds = 0.0;
            foreach (var i in batch.Indices)
            {
                if (batch.IsEvaluation) { seconds += Evaluation[i]; continue; }
                if (batch.Half.RunsPositive()) seconds += Positive[i];
                if (batch.Half.RunsNegative()) seconds += Negative[i];
            }
            return seconds;
        }
    }

    /// <param name="Seconds">From the first generation's start to the last one's completion.</param>
    /// <param name="WorkSeconds">Every episode once: what the slots had to do.</param>
    public sealed record Outcome(int Slots, int Generations, double Seconds, double WorkSeconds, int Batches, int Backups)
    {
        /// <summary>Share of slot time not spent on useful episodes: waits at the barrier, in flight, and on duplicate (backup) work.</summary>
        public double IdleShare => Seconds <= 0 ? 0 : Math.Max(0, 1 - WorkSeconds / (Slots * Seconds)); // no "-0.0 %" from rounding
    }

    public static Outcome Run(RunDefinition run, IReadOnlyList<GenerationCosts> generations, Settings settings)
    {
        if (settings.Slots < 1) throw new ArgumentOutOfRangeException(nameof(settings), "at least one slot");
        var slots = Enumerable.Range(0, settings.Slots).Select(s => $"slot-{s:D4}").ToArray();
        var held = new int[slots.Length];
        var slotFree = new double[slots.Length];
        // Results on their way to the optimizer: (generation, slot, batch, attempt) by arrival time; ties in issue order.
        var results = new PriorityQueue<(int Generation, int Slot, int BatchId), (double At, long Order)>();
        long order = 0;
        double now = 0, work = 0;
        var pacing = new BatchPacing(settings.MinBatchSeconds);
        int batches = 0, backups = 0;
        var nextTick = settings.TickSeconds;

        foreach (var costs in generations)
        {
            var generation = new GenerationWork(run, costs.Plan, settings.Slots * settings.PairBatchesPerSlot, settings.Slots, pacing.MinPairsPerBatch, settings.SplitTail);
            batches += generation.Batches.Count;
            work += costs.Total;

            void Dispatch()
            {
                var state = slots.Select((id, s) => (id, held[s])).ToList();
                foreach (var a in generation.AssignToSlots(state, TimeSpan.FromSeconds(now), settings.BackupAfter, settings.InFlightPerSlot))
                {
                    var s = Array.IndexOf(slots, a.Evaluator);
                    var latency = settings.LatencyOf(s);
                    var finish = Math.Max(slotFree[s], now + latency) + costs.Of(a.Batch);
                    slotFree[s] = finish;
                    held[s]++;
                    results.Enqueue((costs.Plan.Generation, s, a.Batch.BatchId), (finish + latency, order++));
                }
            }

            Dispatch();
            while (!generation.IsComplete)
            {
                if (!results.TryPeek(out _, out var next)) throw new InvalidOperationException("simulation stalled: no batch in flight and the generation is not complete");
                if (nextTick < next.At)
                {
                    // The optimizer's periodic tick: a chance for backup copies while slots idle.
                    now = nextTick;
                    nextTick += settings.TickSeconds;
                    Dispatch();
                    continue;
                }
                var (g, slot, batchId) = results.Dequeue();
                now = next.At;
                held[slot]--;
                if (g == costs.Plan.Generation)
                {
                    var batch = generation.Batches[batchId];
                    // Paced like the optimizer: only a batch's first result counts, by its pair share.
                    if (generation.Record(batchId, batch.Indices.Select(i => new ItemOutcome(i, batch.IsEvaluation, batch.Half, 0, 0, 0, 0, null)).ToList(),
                            TimeSpan.FromSeconds(now)) && !batch.IsEvaluation)
                        pacing.Record(costs.Of(batch), batch.Indices.Length * batch.Half.PairShare());
                }
                if (!generation.IsComplete) Dispatch();
            }
            backups += generation.Backups;
            pacing.CloseGeneration();
        }
        return new Outcome(settings.Slots, generations.Count, now, work, batches, backups);
    }
}
