using EsActors.Domain.Randomness;

namespace EsActors.Domain.Tests.Randomness;

public class DeterministicRandomTests
{
    [Fact]
    public void Same_seed_gives_the_same_sequence()
    {
        var a = new DeterministicRandom(2017);
        var b = new DeterministicRandom(2017);
        for (var i = 0; i < 1000; i++) Assert.Equal(a.NextUInt64(), b.NextUInt64());
    }

    [Fact]
    public void Different_seeds_and_streams_give_different_sequences()
    {
        var a = new DeterministicRandom(1);
        var b = new DeterministicRandom(2);
        var c = DeterministicRandom.ForStream(1, 0);
        var d = DeterministicRandom.ForStream(1, 1);
        var e = DeterministicRandom.ForStream(1, 1, 7);
        var firsts = new[] { a.NextUInt64(), b.NextUInt64(), c.NextUInt64(), d.NextUInt64(), e.NextUInt64() };
        Assert.Equal(firsts.Length, firsts.Distinct().Count());
    }

    [Fact]
    public void The_struct_is_copied_by_value_so_a_copy_replays_the_sequence()
    {
        var rng = new DeterministicRandom(5);
        rng.NextUInt64();
        var copy = rng;
        Assert.Equal(rng.NextUInt64(), copy.NextUInt64());
    }

    [Theory]
    [InlineData(0UL)]
    [InlineData(42UL)]
    [InlineData(0x0123456789ABCDEFUL)]
    [InlineData(ulong.MaxValue)]
    public void Sequence_matches_the_published_splitmix64_seeded_xoshiro256_star_star(ulong seed)
    {
        // Arrange: the reference algorithms re-implemented from Vigna's published C code.
        var reference = new ReferenceXoshiro256StarStar(seed);
        var rng = new DeterministicRandom(seed);

        // Act / Assert
        for (var i = 0; i < 16; i++) Assert.Equal(reference.Next(), rng.NextUInt64());
    }

    [Fact]
    public void SplitMix64_matches_its_published_first_output_for_seed_zero()
    {
        // 0xE220A8397B1DCDAF is the well-known first output of splitmix64 seeded with 0.
        ulong state = 0;
        Assert.Equal(0xE220A8397B1DCDAFUL, SplitMix64.Next(ref state));
        Assert.Equal(0x9E3779B97F4A7C15UL, state);
        ulong reference = 0;
        Assert.Equal(0xE220A8397B1DCDAFUL, ReferenceXoshiro256StarStar.SplitMix64Next(ref reference));
    }

    [Fact]
    public void NextInt_stays_within_its_bound_and_hits_every_value()
    {
        var rng = new DeterministicRandom(9);
        foreach (var bound in new[] { 1, 2, 3, 7, 1000, int.MaxValue })
        {
            for (var i = 0; i < 2000; i++) Assert.InRange(rng.NextInt(bound), 0, bound - 1);
        }
        var seen = new bool[7];
        for (var i = 0; i < 200; i++) seen[rng.NextInt(7)] = true;
        Assert.All(seen, Assert.True);
    }

    [Fact]
    public void NextInt_is_uniform_by_a_chi_square_test()
    {
        // Arrange
        const int bound = 10, draws = 100_000;
        var rng = new DeterministicRandom(10);
        var counts = new int[bound];

        // Act
        for (var i = 0; i < draws; i++) counts[rng.NextInt(bound)]++;

        // Assert: χ² with 9 degrees of freedom; 27.88 is the 0.999 quantile.
        var expected = draws / (double)bound;
        var chiSquare = counts.Sum(c => (c - expected) * (c - expected) / expected);
        Assert.True(chiSquare < 27.88, $"χ² = {chiSquare:F2}");
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    public void NextInt_refuses_a_bound_that_is_not_positive(int bound)
    {
        var rng = new DeterministicRandom(1);
        Assert.Throws<ArgumentOutOfRangeException>(() => rng.NextInt(bound));
    }

    [Fact]
    public void NextDouble_is_the_top_53_bits_scaled_into_the_unit_interval()
    {
        var rng = new DeterministicRandom(77);
        var reference = new ReferenceXoshiro256StarStar(77);
        for (var i = 0; i < 1000; i++)
        {
            var x = rng.NextDouble();
            Assert.Equal((reference.Next() >> 11) / 9007199254740992.0, x);
            Assert.InRange(x, 0.0, Math.BitDecrement(1.0));
        }
    }

    [Fact]
    public void NextUniform_stays_within_its_interval()
    {
        var rng = new DeterministicRandom(4);
        for (var i = 0; i < 1000; i++) Assert.InRange(rng.NextUniform(-3, 2), -3, 2);
    }

    [Fact]
    public void NextGaussian_has_standard_normal_moments()
    {
        // Arrange
        const int n = 200_000;
        var rng = new DeterministicRandom(123);
        double sum = 0, sq = 0;

        // Act
        for (var i = 0; i < n; i++) { var x = rng.NextGaussian(); sum += x; sq += x * x; }

        // Assert: tolerances ≈ 5 standard errors (mean 1/√n ≈ 0.0022, variance √(2/n) ≈ 0.0032).
        var mean = sum / n;
        Assert.InRange(mean, -0.011, 0.011);
        Assert.InRange(sq / n - mean * mean, 0.984, 1.016);
    }

    /// <summary>SplitMix64 and xoshiro256** transcribed from https://prng.di.unimi.it/ (Blackman &amp; Vigna).</summary>
    private sealed class ReferenceXoshiro256StarStar
    {
        private readonly ulong[] _s = new ulong[4];

        public ReferenceXoshiro256StarStar(ulong seed)
        {
            var x = seed;
            for (var i = 0; i < 4; i++) _s[i] = SplitMix64Next(ref x);
        }

        public static ulong SplitMix64Next(ref ulong x)
        {
            var z = x += 0x9e3779b97f4a7c15;
            z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9;
            z = (z ^ (z >> 27)) * 0x94d049bb133111eb;
            return z ^ (z >> 31);
        }

        private static ulong Rotl(ulong x, int k) => (x << k) | (x >> (64 - k));

        public ulong Next()
        {
            var result = Rotl(_s[1] * 5, 7) * 9;
            var t = _s[1] << 17;
            _s[2] ^= _s[0];
            _s[3] ^= _s[1];
            _s[1] ^= _s[2];
            _s[0] ^= _s[3];
            _s[2] ^= t;
            _s[3] = Rotl(_s[3], 45);
            return result;
        }
    }
}
