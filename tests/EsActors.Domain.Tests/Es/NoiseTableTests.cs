using EsActors.Domain.Es;
using EsActors.Domain.Randomness;

namespace EsActors.Domain.Tests.Es;

public class NoiseTableTests
{
    private const int Size = 1 << 20;

    [Fact]
    public void Same_seed_gives_the_same_table()
    {
        // Act
        var first = new NoiseTable(99, Size);
        var second = new NoiseTable(99, Size);

        // Assert
        Assert.True(first.Slice(0, Size).SequenceEqual(second.Slice(0, Size)));
    }

    [Fact]
    public void Different_seeds_give_different_tables()
    {
        // Act
        var a = new NoiseTable(1, Size);
        var b = new NoiseTable(2, Size);

        // Assert: two independent N(0,1) tables agree on (almost) no position.
        var equal = 0;
        var sa = a.Slice(0, Size); var sb = b.Slice(0, Size);
        for (var i = 0; i < Size; i++) if (sa[i] == sb[i]) equal++;
        Assert.True(equal < 10, $"{equal} equal positions");
    }

    [Fact]
    public void Table_values_have_standard_normal_moments()
    {
        // Arrange
        var table = new NoiseTable(NoiseTable.DefaultSeed, Size);
        var values = table.Slice(0, Size);

        // Act
        double sum = 0, sq = 0, cube = 0, quad = 0;
        var withinOneSigma = 0;
        foreach (var v in values)
        {
            double x = v;
            sum += x; sq += x * x; cube += x * x * x; quad += x * x * x * x;
            if (Math.Abs(x) < 1) withinOneSigma++;
            Assert.True(double.IsFinite(x));
        }
        var n = (double)Size;
        var mean = sum / n; var variance = sq / n - mean * mean;

        // Assert: each tolerance is ≥ 5 standard errors for N = 2^20
        // (SE mean 1/√N ≈ 0.001, variance √(2/N) ≈ 0.0014, skewness √(6/N) ≈ 0.0024, kurtosis √(24/N) ≈ 0.0048).
        Assert.InRange(mean, -0.005, 0.005);
        Assert.InRange(variance, 0.99, 1.01);
        Assert.InRange(cube / n, -0.015, 0.015);
        Assert.InRange(quad / n, 2.97, 3.03);
        Assert.InRange(withinOneSigma / n, 0.6827 - 0.003, 0.6827 + 0.003); // SE √(p(1−p)/N) ≈ 0.00045
    }

    [Fact]
    public async Task Table_content_does_not_depend_on_how_many_threads_generate_it()
    {
        // Arrange: the constructor's Parallel.For runs on the current scheduler; an exclusive scheduler allows
        // one thread at a time, so this table is generated sequentially.
        var exclusive = new ConcurrentExclusiveSchedulerPair().ExclusiveScheduler;

        // Act
        var sequential = await Task.Factory.StartNew(() => new NoiseTable(5, Size + 12_345), CancellationToken.None, TaskCreationOptions.None, exclusive)
            .WaitAsync(TimeSpan.FromSeconds(30));
        var parallel = new NoiseTable(5, Size + 12_345);

        // Assert
        Assert.Equal(Size + 12_345, sequential.Size);
        Assert.True(sequential.Slice(0, sequential.Size).SequenceEqual(parallel.Slice(0, parallel.Size)));
    }

    [Fact]
    public void Shared_returns_one_instance_per_seed_and_size()
    {
        Assert.Same(NoiseTable.Shared(77, 1 << 16), NoiseTable.Shared(77, 1 << 16));
        Assert.NotSame(NoiseTable.Shared(77, 1 << 16), NoiseTable.Shared(78, 1 << 16));
        Assert.Equal(77UL, NoiseTable.Shared(77, 1 << 16).Seed);
    }

    [Fact]
    public void Slice_is_the_window_starting_at_the_noise_index()
    {
        var table = NoiseTable.Shared(3, 1 << 16);
        var whole = table.Slice(0, table.Size);
        Assert.True(table.Slice(1000, 25).SequenceEqual(whole.Slice(1000, 25)));
    }

    [Fact]
    public void Sampled_indices_leave_room_for_a_full_slice_and_cover_the_range()
    {
        // Arrange: with dimension = Size − 4 only the indices 0..4 fit.
        var table = NoiseTable.Shared(3, 1 << 16);
        var dimension = table.Size - 4;
        var rng = new DeterministicRandom(8);
        var seen = new int[5];

        // Act
        for (var i = 0; i < 2_000; i++)
        {
            var index = table.SampleIndex(ref rng, dimension);
            Assert.InRange(index, 0, 4);
            Assert.True(table.IsValidIndex(index, dimension));
            seen[index]++;
        }

        // Assert: every admissible index occurs (expected 400 each).
        Assert.All(seen, count => Assert.InRange(count, 300, 500));
    }

    [Fact]
    public void Sampling_a_slice_longer_than_the_table_is_refused()
    {
        var table = NoiseTable.Shared(3, 1 << 16);
        var rng = new DeterministicRandom(8);
        Assert.Throws<ArgumentOutOfRangeException>(() => table.SampleIndex(ref rng, table.Size + 1));
        Assert.Equal(0, table.SampleIndex(ref rng, table.Size));
    }

    [Fact]
    public void Index_validity_checks_both_ends_without_overflow()
    {
        var table = NoiseTable.Shared(3, 1 << 16);
        Assert.True(table.IsValidIndex(0, table.Size));
        Assert.True(table.IsValidIndex(table.Size - 10, 10));
        Assert.False(table.IsValidIndex(table.Size - 9, 10));
        Assert.False(table.IsValidIndex(-1, 10));
        Assert.False(table.IsValidIndex(int.MaxValue, int.MaxValue));
    }

    [Fact]
    public void A_table_smaller_than_one_chunk_is_refused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new NoiseTable(1, 1000));
    }
}
