using EsActors.Domain.Es;
using EsActors.Domain.Randomness;

namespace EsActors.Domain.Tests.Es;

/// <summary>The four-slices-per-pass gradient must equal one pass per slice bit for bit (determinism across nodes).</summary>
public sealed class EsGradientBlockingTests
{
    private static readonly NoiseTable Noise = new(123, 1 << 20);

    [Theory]
    [InlineData(7, 1001)]
    [InlineData(100, 4099)]
    [InlineData(33, 17)]
    [InlineData(4, 3)]
    public void Blocked_estimate_is_bit_identical_to_one_pass_per_slice(int pairs, int dimension)
    {
        var rng = new DeterministicRandom((ulong)(pairs * 7919 + dimension));
        var indices = Enumerable.Range(0, pairs).Select(_ => Noise.SampleIndex(ref rng, dimension)).ToArray();
        // Every fifth pair has equal weights (skipped), the rest random.
        var positive = Enumerable.Range(0, pairs).Select(i => i % 5 == 0 ? 0.25f : (float)rng.NextDouble() - 0.5f).ToArray();
        var negative = Enumerable.Range(0, pairs).Select(i => i % 5 == 0 ? 0.25f : (float)rng.NextDouble() - 0.5f).ToArray();

        var blocked = new float[dimension];
        EsGradient.Estimate(Noise, indices, positive, negative, 0.01f, blocked);

        var reference = new float[dimension];
        for (var i = 0; i < pairs; i++)
        {
            var w = positive[i] - negative[i];
            if (w == 0f) continue;
            for (var j = 0; j < dimension; j++) reference[j] = reference[j] + w * Noise.Slice(indices[i], dimension)[j];
        }
        for (var j = 0; j < dimension; j++) reference[j] *= 0.01f;

        Assert.True(blocked.AsSpan().SequenceEqual(reference), "blocked gradient differs from the one-pass-per-slice reference");
    }
}
