using EsActors.Domain.Runs;
using EsActors.Domain.Es;
using EsActors.Domain.Scheduling;
using static EsActors.Domain.Tests.Runs.RunTestData;

namespace EsActors.Bench.Tests;

public class DispatchSimulationTests
{
    /// <summary>No evaluation episodes and no statistics sampling, so every single pair may be split.</summary>
    private static RunDefinition Plain(int pairs) => Definition(pairs) with { EvaluationEpisodes = 0, ObservationStatisticsProbability = 0 };

    private static DispatchSimulation.GenerationCosts Uniform(RunDefinition run, int generation, double episodeSeconds) => new(
        PerturbationPlan.For(run, generation, RunLogic.NoiseFor(run)),
        Enumerable.Repeat(episodeSeconds, run.Pairs).ToArray(), Enumerable.Repeat(episodeSeconds, run.Pairs).ToArray(),
        Enumerable.Repeat(episodeSeconds, run.EvaluationEpisodes).ToArray());

    private static DispatchSimulation.Settings Exact(int slots, bool split) =>
        new(slots, BackupAfter: 0, MinBatchSeconds: 0, SplitTail: split, Latency: 0, TickSeconds: 1e9);

    [Fact]
    public void One_slot_without_latency_is_never_idle()
    {
        var run = Definition(pairs: 12);
        var costs = Enumerable.Range(0, 3).Select(g => Uniform(run, g, 0.01 * (g + 1))).ToList();
        var outcome = DispatchSimulation.Run(run, costs, Exact(1, split: true));
        Assert.Equal(costs.Sum(c => c.Total), outcome.Seconds, 9);
        Assert.Equal(0, outcome.IdleShare, 9);
        Assert.Equal(3, outcome.Generations);
    }

    [Fact]
    public void Three_pairs_on_two_slots_finish_a_pair_earlier_when_the_tail_is_split()
    {
        // Whole pairs: slot A runs pairs 0 and 2 (4 s), slot B pair 1 and then waits 2 s. Halves: 6 episodes on 2 slots, 3 s.
        var run = Plain(3);
        var costs = new[] { Uniform(run, 0, 1.0) };
        var whole = DispatchSimulation.Run(run, costs, Exact(2, split: false));
        var split = DispatchSimulation.Run(run, costs, Exact(2, split: true));
        Assert.Equal(4.0, whole.Seconds, 9);
        Assert.Equal(0.25, whole.IdleShare, 9);
        Assert.Equal(3.0, split.Seconds, 9);
        Assert.Equal(0, split.IdleShare, 9);
        Assert.Equal(3, whole.Batches);
        Assert.Equal(6, split.Batches);
    }

    [Fact]
    public void A_small_generation_of_cheap_episodes_is_shared_evenly_by_the_slots()
    {
        // 24 pairs of 0.1 s episodes on 2 slots with a 1.6 s minimum batch (8 pairs): 8+8+8 would leave one slot idle
        // for a third of every generation; two batches of 12 keep both busy after the first generation (timed at 1 pair).
        var run = Plain(24);
        var costs = Enumerable.Range(0, 3).Select(g => Uniform(run, g, 0.1)).ToList();
        var outcome = DispatchSimulation.Run(run, costs, Exact(2, split: true) with { MinBatchSeconds = 1.6 });
        Assert.Equal(0, outcome.IdleShare, 9);
        Assert.Equal(3 * 24 * 0.2 / 2, outcome.Seconds, 9);
    }

    [Fact]
    public void Each_generation_pays_two_message_delays_at_the_barrier()
    {
        var run = Plain(1);
        var costs = Enumerable.Range(0, 4).Select(g => Uniform(run, g, 1.0)).ToList();
        var outcome = DispatchSimulation.Run(run, costs, Exact(1, split: true) with { Latency = 0.25 });
        Assert.Equal(4 * (2.0 + 2 * 0.25), outcome.Seconds, 9);
    }

    [Fact]
    public void Slots_on_the_optimizers_node_pay_the_local_delay()
    {
        var run = Plain(1);
        var costs = Enumerable.Range(0, 4).Select(g => Uniform(run, g, 1.0)).ToList();
        var outcome = DispatchSimulation.Run(run, costs, Exact(1, split: true) with { Latency = 0.25, LocalSlots = 1, LocalLatency = 0.05 });
        Assert.Equal(4 * (2.0 + 2 * 0.05), outcome.Seconds, 9);
    }

    [Fact]
    public void A_backup_copy_of_a_straggler_still_holds_its_slot_when_the_next_generation_starts()
    {
        // Uneven episodes: the last pair is long, so an idle slot gets a backup copy of it (after 2 × the median batch
        // time) and keeps running that duplicate after the original has finished: the next generation starts late there.
        var run = Plain(6);
        DispatchSimulation.GenerationCosts Costs(int generation)
        {
            var c = Uniform(run, generation, 0.1);
            c.Positive[5] = c.Negative[5] = 2.0;
            return c;
        }
        var costs = Enumerable.Range(0, 2).Select(Costs).ToList();
        var settings = Exact(2, split: false) with { TickSeconds = 0.05 };
        var withBackups = DispatchSimulation.Run(run, costs, settings with { BackupAfter = 2.0 });
        var without = DispatchSimulation.Run(run, costs, settings);
        Assert.True(withBackups.Backups > 0, "the long pair should have drawn a backup copy");
        Assert.Equal(0, without.Backups);
        Assert.True(withBackups.Seconds > without.Seconds, $"{withBackups.Seconds} vs {without.Seconds}");
    }

    [Fact]
    public void Assign_to_slots_fills_idle_slots_first_then_queues_while_every_slot_can_still_get_a_batch()
    {
        var run = Plain(40);
        var work = new GenerationWork(run, PerturbationPlan.For(run, 0, RunLogic.NoiseFor(run)), 16, 2);
        var first = work.AssignToSlots([("a", 0), ("b", 0)], TimeSpan.Zero, 2.0, 2);
        Assert.Equal(["a", "b", "a", "b"], first.Select(x => x.Evaluator));
        Assert.Equal([0, 1, 2, 3], first.Select(x => x.Batch.BatchId));
        Assert.All(first, x => Assert.False(x.IsBackup));

        // A slot that holds two batches gets nothing; one that holds one gets one more.
        var second = work.AssignToSlots([("a", 2), ("b", 1)], TimeSpan.Zero, 2.0, 2);
        Assert.Equal([("b", 4)], second.Select(x => (x.Evaluator, x.Batch.BatchId)));

        // Near the end nothing is queued behind a running batch: with two left and two slots, only idle slots get one.
        while (work.UnassignedCount > 2) work.TryAssignNext("c", TimeSpan.Zero, out _, out _);
        Assert.Empty(work.AssignToSlots([("a", 1), ("b", 1)], TimeSpan.Zero, 2.0, 2));
        Assert.Single(work.AssignToSlots([("a", 0), ("b", 1)], TimeSpan.Zero, 2.0, 2));
    }
}
