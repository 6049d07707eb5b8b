using EsActors.Domain.Normalization;
using EsActors.Domain.Randomness;

namespace EsActors.Domain.Tests.Normalization;

public class ObservationStatisticsTests
{
    private static float[][] Observations(ulong seed, int count, int size, double[] mean, double[] std)
    {
        var rng = new DeterministicRandom(seed);
        return Enumerable.Range(0, count)
            .Select(_ => Enumerable.Range(0, size).Select(i => (float)(mean[i] + std[i] * rng.NextGaussian())).ToArray())
            .ToArray();
    }

    private static ObservationStatistics Accumulate(IEnumerable<float[]> observations, int size)
    {
        var accumulator = new ObservationAccumulator(size);
        foreach (var o in observations) accumulator.Add(o);
        return accumulator.ToDelta();
    }

    [Fact]
    public void Merging_the_deltas_of_batches_equals_the_statistics_of_all_observations()
    {
        // Arrange: 1,000 observations split into uneven batches, as evaluators would report them.
        const int size = 3;
        var all = Observations(1, 1000, size, [1, -2, 10], [0.5, 3, 0.01]);
        var batches = new[] { all[..1], all[1..250], all[250..251], all[251..700], all[700..] };

        // Act
        var merged = ObservationStatistics.Empty(size);
        foreach (var batch in batches) merged = merged.Merge(Accumulate(batch, size));
        var direct = Accumulate(all, size);

        // Assert: same sums up to double rounding from the different addition order.
        Assert.Equal(direct.Count, merged.Count);
        for (var i = 0; i < size; i++)
        {
            Assert.Equal(direct.Sum[i], merged.Sum[i], Math.Abs(direct.Sum[i]) * 1e-12);
            Assert.Equal(direct.SumOfSquares[i], merged.SumOfSquares[i], direct.SumOfSquares[i] * 1e-12);
            Assert.Equal(direct.Mean()[i], merged.Mean()[i], 1e-6f);
            Assert.Equal(direct.Std()[i], merged.Std()[i], 1e-6f);
        }
    }

    [Fact]
    public void Merge_is_associative()
    {
        // Arrange
        var a = Accumulate(Observations(2, 10, 2, [0, 0], [1, 1]), 2);
        var b = Accumulate(Observations(3, 20, 2, [5, 0], [1, 2]), 2);
        var c = Accumulate(Observations(4, 30, 2, [0, -5], [3, 1]), 2);

        // Act
        var left = a.Merge(b).Merge(c);
        var right = a.Merge(b.Merge(c));

        // Assert
        Assert.Equal(60, left.Count);
        Assert.Equal(left.Count, right.Count);
        for (var i = 0; i < 2; i++)
        {
            Assert.Equal(left.Sum[i], right.Sum[i], 1e-9);
            Assert.Equal(left.SumOfSquares[i], right.SumOfSquares[i], 1e-9);
        }
    }

    [Fact]
    public void Merge_is_bit_identical_for_the_same_order_and_leaves_its_operands_untouched()
    {
        var start = ObservationStatistics.Initial(2);
        var delta = Accumulate(Observations(5, 50, 2, [1, 2], [1, 1]), 2);
        var first = start.Merge(delta);
        var second = start.Merge(delta);
        Assert.True(first.ContentEquals(second));
        Assert.True(start.ContentEquals(ObservationStatistics.Initial(2)));
        Assert.False(first.ContentEquals(start));
    }

    [Fact]
    public void Mean_and_std_match_the_population_moments_of_the_observations()
    {
        // Arrange
        var all = Observations(6, 20_000, 2, [3, -1], [2, 0.5]);

        // Act
        var stats = ObservationStatistics.Empty(2).Merge(Accumulate(all, 2));
        var mean = stats.Mean(); var std = stats.Std();

        // Assert: against a two-pass computation, and against the generating distribution (5 SE: 5σ/√n).
        for (var i = 0; i < 2; i++)
        {
            var column = all.Select(o => (double)o[i]).ToArray();
            var m = column.Average();
            var s = Math.Sqrt(column.Sum(x => (x - m) * (x - m)) / column.Length);
            Assert.Equal(m, mean[i], 1e-5);
            Assert.Equal(s, std[i], 1e-5);
        }
        Assert.Equal(3.0, mean[0], 5 * 2 / Math.Sqrt(20_000));
        Assert.Equal(2.0, std[0], 0.05);
        Assert.Equal(0.5, std[1], 0.0125);
    }

    [Fact]
    public void Initial_statistics_give_mean_zero_and_std_one()
    {
        var stats = ObservationStatistics.Initial(4);
        Assert.All(stats.Mean(), m => Assert.Equal(0f, m));
        Assert.All(stats.Std(), s => Assert.Equal(1f, s, 1e-6f));
        Assert.Equal(ObservationStatistics.InitialCount, stats.Count);
    }

    [Fact]
    public void Std_is_floored_at_one_hundredth_for_constant_observations()
    {
        var stats = ObservationStatistics.Empty(1).Merge(Accumulate(Enumerable.Repeat(new[] { 7.3f }, 500), 1));
        Assert.Equal(7.3f, stats.Mean()[0], 1e-5f);
        Assert.Equal((float)ObservationStatistics.MinimumStd, stats.Std()[0]);
        Assert.Equal(1e-2, ObservationStatistics.MinimumStd);
    }

    [Fact]
    public void Merging_statistics_of_different_sizes_is_refused()
    {
        Assert.Throws<ArgumentException>(() => ObservationStatistics.Empty(2).Merge(ObservationStatistics.Empty(3)));
    }

    [Fact]
    public void Accumulator_clears_back_to_an_empty_delta()
    {
        var accumulator = new ObservationAccumulator(2);
        accumulator.Add([1f, 2f]);
        var delta = accumulator.ToDelta();
        accumulator.Clear();
        Assert.True(accumulator.ToDelta().ContentEquals(ObservationStatistics.Empty(2)));
        Assert.Equal(new[] { 1.0, 2.0 }, delta.Sum); // the delta is a copy, unaffected by Clear
        Assert.Equal(new[] { 1.0, 4.0 }, delta.SumOfSquares);
    }

    [Fact]
    public void Normalizer_standardizes_and_clips_to_plus_minus_five()
    {
        // Arrange
        var normalizer = new ObservationNormalizer([1f, -2f, 0f], [2f, 0.5f, 1f]);
        var output = new float[3];

        // Act / Assert: within the clip range, (x − μ)/σ.
        normalizer.Normalize([5f, -1f, 0.25f], output);
        Assert.Equal(new[] { 2f, 2f, 0.25f }, output);

        // Beyond it, ±5.
        normalizer.Normalize([1000f, -1000f, 5.0001f], output);
        Assert.Equal(new[] { 5f, -5f, 5f }, output);
        Assert.Equal(5f, ObservationNormalizer.DefaultClip);
    }

    [Fact]
    public void Normalizer_from_constant_observations_divides_by_the_floored_std()
    {
        // Arrange: all observations 3 → mean 3, std floored at 0.01.
        var stats = ObservationStatistics.Empty(1).Merge(Accumulate(Enumerable.Repeat(new[] { 3f }, 100), 1));
        var normalizer = ObservationNormalizer.From(stats);
        var output = new float[1];

        // Act / Assert: 0.02 above the mean is 2 floored standard deviations; 0.5 above would be 50, clipped to 5.
        normalizer.Normalize([3.02f], output);
        Assert.Equal(2f, output[0], 1e-3f);
        normalizer.Normalize([3.5f], output);
        Assert.Equal(5f, output[0]);
        Assert.True(float.IsFinite(output[0]));
    }

    [Fact]
    public void Identity_normalizer_passes_observations_through_unclipped()
    {
        var output = new float[2];
        ObservationNormalizer.Identity(2).Normalize([1234.5f, -0.25f], output);
        Assert.Equal(new[] { 1234.5f, -0.25f }, output);
    }

    [Fact]
    public void Normalizing_allocates_nothing()
    {
        var normalizer = new ObservationNormalizer([1f, 2f], [3f, 4f]);
        var input = new float[] { 1f, 5f }; var output = new float[2];
        normalizer.Normalize(input, output);
        var accumulator = new ObservationAccumulator(2);
        accumulator.Add(input);

        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 1000; i++) { normalizer.Normalize(input, output); accumulator.Add(input); }

        Assert.Equal(0, GC.GetAllocatedBytesForCurrentThread() - before);
    }
}
