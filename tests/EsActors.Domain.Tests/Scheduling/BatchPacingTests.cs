using EsActors.Domain.Scheduling;

namespace EsActors.Domain.Tests.Scheduling;

public sealed class BatchPacingTests
{
    [Fact]
    public void Without_a_measured_time_a_batch_is_one_pair()
    {
        var pacing = new BatchPacing(0.002);
        Assert.Equal(0, pacing.SecondsPerPair);
        Assert.Equal(1, pacing.MinPairsPerBatch);
    }

    [Fact]
    public void The_time_per_pair_of_a_closed_generation_paces_the_next_one()
    {
        var pacing = new BatchPacing(0.002);
        pacing.Record(0.0010, 4);   // 0.25 ms per pair
        pacing.Record(0.0005, 0.5); // a split half: 1 ms per pair
        Assert.Equal(1, pacing.MinPairsPerBatch); // nothing counts before the generation closes
        pacing.CloseGeneration();
        Assert.Equal(0.0015 / 4.5, pacing.SecondsPerPair, 15);
        Assert.Equal((int)Math.Ceiling(0.002 / (0.0015 / 4.5)), pacing.MinPairsPerBatch); // 6 pairs ≥ 2 ms

        pacing.CloseGeneration(); // a generation with nothing timed keeps the last measurement
        Assert.Equal(0.0015 / 4.5, pacing.SecondsPerPair, 15);
    }

    [Fact]
    public void Zero_or_negative_times_are_not_counted()
    {
        var pacing = new BatchPacing(0.002);
        pacing.Record(0, 3);
        pacing.Record(0.001, 0);
        pacing.CloseGeneration();
        Assert.Equal(0, pacing.SecondsPerPair);
    }

    [Theory]
    [InlineData(0.002, 0.0, 1)]
    [InlineData(0.002, 0.1, 1)]      // long episodes: one pair per batch
    [InlineData(0.002, 0.0005, 4)]
    [InlineData(0.0, 0.0005, 1)]     // min-batch-time off
    [InlineData(10.0, 1e-12, int.MaxValue / 2)] // clamped, never overflows
    public void Min_pairs_is_the_ceiling_of_min_time_over_time_per_pair(double minSeconds, double perPair, int expected) =>
        Assert.Equal(expected, BatchPacing.MinPairs(minSeconds, perPair));
}
