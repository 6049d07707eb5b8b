using EsActors.Domain.Normalization;
using EsActors.Domain.Runs;
using EsActors.Domain.Es;
using EsActors.Domain.Scheduling;
using static EsActors.Domain.Tests.Runs.RunTestData;

namespace EsActors.Domain.Tests.Scheduling;

public class GenerationWorkTests
{
    [Theory]
    [InlineData(40, 16, 2)]
    [InlineData(512, 512, 64)]
    [InlineData(7, 3, 1)]
    [InlineData(1, 8, 4)]
    [InlineData(100, 1, 3)]
    public void Pair_ranges_cover_every_pair_once_in_order_and_shrink_to_one_pair(int pairs, int pairBatches, int slots)
    {
        var ranges = GenerationWork.PairRanges(pairs, pairBatches, slots);

        Assert.Equal(0, ranges[0].From);
        Assert.Equal(pairs, ranges[^1].To);
        for (var i = 1; i < ranges.Count; i++) Assert.Equal(ranges[i - 1].To, ranges[i].From);
        var sizes = ranges.Select(r => r.To - r.From).ToList();
        Assert.All(sizes, size => Assert.InRange(size, 1, (pairs + pairBatches - 1) / pairBatches));
        for (var i = 1; i < sizes.Count; i++) Assert.True(sizes[i] <= sizes[i - 1], $"sizes must not grow: {string.Join(",", sizes)}");
        Assert.Equal(1, sizes[^1]);
    }

    [Fact]
    public void The_tail_of_a_generation_is_cut_finer_than_its_bulk()
    {
        // Hopper preset on two slots: 40 pairs, 2 x 8 batches of at most 3 pairs, the last ones single pairs.
        var sizes = GenerationWork.PairRanges(40, 16, 2).Select(r => r.To - r.From).ToList();

        Assert.Equal(3, sizes[0]);
        Assert.Equal([2, 2, 1, 1, 1], sizes.TakeLast(5));
    }

    [Fact]
    public void Batches_are_the_evaluation_episodes_then_the_pair_ranges()
    {
        var run = Definition(pairs: 40);
        var work = new GenerationWork(run, PerturbationPlan.For(run, 0, RunLogic.NoiseFor(run)), 16, 2);

        var evaluation = work.Batches.TakeWhile(b => b.IsEvaluation).ToList();
        Assert.Equal(run.EvaluationEpisodes, evaluation.Count);
        var pairBatches = work.Batches.Skip(evaluation.Count).ToList();
        Assert.All(pairBatches, b => Assert.False(b.IsEvaluation));
        // (a split pair's second half follows its first)
        Assert.Equal(GenerationWork.PairRanges(40, 16, 2).Select(r => Enumerable.Range(r.From, r.To - r.From).ToArray()),
            pairBatches.Where(b => b.Half != PairHalf.Negative).Select(b => b.Indices));
        Assert.Equal(Enumerable.Range(0, work.Batches.Count), work.Batches.Select(b => b.BatchId));
    }

    [Fact]
    public void Cheap_episodes_go_in_batches_of_at_least_the_minimum_but_every_slot_still_gets_work()
    {
        // CartPole-like: 24 pairs whose episodes take microseconds. A minimum of 140 pairs is capped at a slot's share.
        Assert.Equal([(0, 12), (12, 24)], GenerationWork.PairRanges(24, 16, 2, minPairs: 140));
        var sizes = GenerationWork.PairRanges(100, 32, 4, minPairs: 5).Select(r => r.To - r.From).ToList();
        Assert.Equal(100, sizes.Sum());
        Assert.All(sizes, size => Assert.InRange(size, 5, 5));

        // Too few pairs for a shrinking tail at the minimum size: equal batches, a multiple of the slots, never
        // below the minimum unless a slot would otherwise go without.
        Assert.Equal([(0, 12), (12, 24)], GenerationWork.PairRanges(24, 16, 2, minPairs: 8));   // not 8 + 8 + 8
        Assert.Equal([6, 6, 6, 6], GenerationWork.PairRanges(24, 16, 2, minPairs: 5).Select(r => r.To - r.From));  // not 5+5+5+5+4
        Assert.Equal([8, 8, 8], GenerationWork.PairRanges(24, 16, 3, minPairs: 8).Select(r => r.To - r.From));
        Assert.Equal([5, 5, 5, 5, 4], GenerationWork.PairRanges(24, 16, 5, minPairs: 7).Select(r => r.To - r.From));
        // Long episodes (minimum one pair) keep the shrinking tail down to single pairs.
        Assert.Equal([1, 1, 1], GenerationWork.PairRanges(3, 16, 2).Select(r => r.To - r.From));

        var run = Definition(pairs: 24);
        var work = new GenerationWork(run, PerturbationPlan.For(run, 0, RunLogic.NoiseFor(run)), 16, 2, minPairsPerBatch: 140);
        var evaluation = work.Batches.Where(b => b.IsEvaluation).ToList();
        Assert.Equal(Enumerable.Range(0, run.EvaluationEpisodes), evaluation.SelectMany(b => b.Indices));
        Assert.True(evaluation.Count <= 2, "evaluation episodes are grouped, at most one batch per slot");
        Assert.Equal(2, work.Batches.Count(b => !b.IsEvaluation));
    }

    [Fact]
    public void On_several_slots_the_last_single_pairs_run_as_two_half_batches_unless_they_sample_statistics()
    {
        var run = Definition(pairs: 40);
        var plan = PerturbationPlan.For(run, 0, RunLogic.NoiseFor(run));
        var work = new GenerationWork(run, plan, 16, 2);

        var pairBatches = work.Batches.Where(b => !b.IsEvaluation).ToList();
        var expected = new List<(int[], PairHalf)>();
        foreach (var (from, to) in GenerationWork.PairRanges(40, 16, 2))
        {
            if (to - from == 1 && !plan.CollectStatistics[from]) { expected.Add(([from], PairHalf.Positive)); expected.Add(([from], PairHalf.Negative)); }
            else expected.Add((Enumerable.Range(from, to - from).ToArray(), PairHalf.Both));
        }
        Assert.Equal(expected, pairBatches.Select(b => (b.Indices, b.Half)));
        Assert.Contains(pairBatches, b => b.Half == PairHalf.Negative);
        Assert.Equal(Enumerable.Range(0, work.Batches.Count), work.Batches.Select(b => b.BatchId));

        // One slot has no tail to balance, and cheap episodes (several pairs per batch) are not worth the extra messages.
        Assert.All(new GenerationWork(run, plan, 16, 1).Batches, b => Assert.Equal(PairHalf.Both, b.Half));
        Assert.All(new GenerationWork(run, plan, 16, 2, minPairsPerBatch: 2).Batches, b => Assert.Equal(PairHalf.Both, b.Half));
        // Switched off (esactors.dispatch.split-tail-pairs = off): the same ranges, all whole.
        var whole = new GenerationWork(run, plan, 16, 2, splitTail: false).Batches.Where(b => !b.IsEvaluation).ToList();
        Assert.All(whole, b => Assert.Equal(PairHalf.Both, b.Half));
        Assert.Equal(GenerationWork.PairRanges(40, 16, 2).Select(r => Enumerable.Range(r.From, r.To - r.From).ToArray()), whole.Select(b => b.Indices));
    }

    [Fact]
    public void Split_halves_assemble_the_same_generation_as_whole_pairs()
    {
        var run = Definition(pairs: 40);
        var plan = PerturbationPlan.For(run, 3, RunLogic.NoiseFor(run));
        var whole = new GenerationWork(run, plan, 16, 1);
        var split = new GenerationWork(run, plan, 16, 4);
        Assert.Contains(split.Batches, b => b.Half != PairHalf.Both);

        foreach (var work in new[] { whole, split })
            foreach (var batch in work.Batches.Reverse())
                Assert.True(work.Record(batch.BatchId, Outcomes(plan, run, batch, batch.Half), TimeSpan.Zero));

        var a = whole.Assemble(1.0);
        var b = split.Assemble(1.0);
        Assert.Equal(a.ReturnsPositive, b.ReturnsPositive);
        Assert.Equal(a.ReturnsNegative, b.ReturnsNegative);
        Assert.Equal(a.LengthsPositive, b.LengthsPositive);
        Assert.Equal(a.LengthsNegative, b.LengthsNegative);
        Assert.Equal(a.ObservationDelta.Sum, b.ObservationDelta.Sum);
        Assert.Equal(a.ObservationDelta.SumOfSquares, b.ObservationDelta.SumOfSquares);
        Assert.Equal(a.ObservationDelta.Count, b.ObservationDelta.Count);
        Assert.Equal(a.EvaluationReturns, b.EvaluationReturns);
    }

    [Fact]
    public void A_result_for_the_wrong_half_of_a_split_pair_is_refused()
    {
        var run = Definition(pairs: 40);
        var plan = PerturbationPlan.For(run, 0, RunLogic.NoiseFor(run));
        var work = new GenerationWork(run, plan, 16, 2);
        var positive = work.Batches.First(b => b.Half == PairHalf.Positive);

        Assert.False(work.Record(positive.BatchId, Outcomes(plan, run, positive, PairHalf.Negative), TimeSpan.Zero));
        Assert.False(work.Record(positive.BatchId, Outcomes(plan, run, positive, PairHalf.Both), TimeSpan.Zero));
        Assert.False(work.IsDone(positive.BatchId));
        Assert.True(work.Record(positive.BatchId, Outcomes(plan, run, positive, PairHalf.Positive), TimeSpan.Zero));
    }

    [Fact]
    public void Every_assignment_of_a_batch_counts_as_issued_even_after_a_reissue_and_nothing_else_does()
    {
        var run = Definition(pairs: 8);
        var work = new GenerationWork(run, PerturbationPlan.For(run, 0, RunLogic.NoiseFor(run)), 4);
        Assert.True(work.TryAssignNext("a", TimeSpan.Zero, out var batch, out var first));
        Assert.Equal(new[] { batch.BatchId }, work.ReissueLost(e => e == "a")); // a is gone: the batch is queued again
        Assert.True(work.TryAssignNext("b", TimeSpan.Zero, out var again, out var second));
        Assert.Equal(batch.BatchId, again.BatchId);

        Assert.True(work.WasIssued(batch.BatchId, "a", first));  // the earlier holder's late answer is still good
        Assert.True(work.WasIssued(batch.BatchId, "b", second));
        Assert.False(work.WasIssued(batch.BatchId, "a", second)); // attempt numbers belong to one assignment
        Assert.False(work.WasIssued(batch.BatchId, "c", first));
        Assert.False(work.WasIssued(batch.BatchId + 1, "a", first));
    }

    /// <summary>
    /// What an evaluator would report for <paramref name="batch"/>, claiming <paramref name="half"/>: values depend
    /// only on the item; statistics for the pairs that sample them.
    /// </summary>
    private static ItemOutcome[] Outcomes(PerturbationPlan plan, RunDefinition run, WorkBatch batch, PairHalf half) => batch.Indices.Select(i =>
    {
        if (batch.IsEvaluation) return new ItemOutcome(i, true, PairHalf.Both, 100 + i, 0, 50 + i, 0, null);
        var positive = half != PairHalf.Negative;
        var negative = half != PairHalf.Positive;
        ObservationStatistics? delta = null;
        if (half == PairHalf.Both && plan.CollectStatistics[i])
        {
            var sum = Enumerable.Range(0, run.Network.Inputs).Select(k => 0.1 * i + k).ToArray();
            delta = new ObservationStatistics(sum, sum.Select(x => x * x + 1).ToArray(), 7 + i);
        }
        return new ItemOutcome(i, false, half, positive ? 1.5 * i : 0, negative ? 2 - 0.25 * i : 0, positive ? 10 + i : 0, negative ? 20 + i : 0, delta);
    }).ToArray();
}
