using EsActors.Domain.Runs;
using static EsActors.Domain.Tests.Runs.RunTestData;

namespace EsActors.Domain.Tests.Runs;

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
        Assert.Equal(GenerationWork.PairRanges(40, 16, 2).Select(r => Enumerable.Range(r.From, r.To - r.From).ToArray()), pairBatches.Select(b => b.Indices));
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

        var run = Definition(pairs: 24);
        var work = new GenerationWork(run, PerturbationPlan.For(run, 0, RunLogic.NoiseFor(run)), 16, 2, minPairsPerBatch: 140);
        var evaluation = work.Batches.Where(b => b.IsEvaluation).ToList();
        Assert.Equal(Enumerable.Range(0, run.EvaluationEpisodes), evaluation.SelectMany(b => b.Indices));
        Assert.True(evaluation.Count <= 2, "evaluation episodes are grouped, at most one batch per slot");
        Assert.Equal(2, work.Batches.Count(b => !b.IsEvaluation));
    }
}
