using EsActors.Domain.Es;
using EsActors.Domain.Randomness;
using EsActors.Domain.Tests.Support;

namespace EsActors.Domain.Tests.Es;

public class EsGradientTests
{
    private static readonly NoiseTable Noise = NoiseTable.Shared(7, 1 << 20);

    [Fact]
    public void Gradient_estimate_converges_to_the_analytic_gradient_as_the_population_grows()
    {
        // Arrange: F(x) = −Σ a_i (x_i − c_i)², ∇F = −2a ⊙ (x − c). For a quadratic F(x+σε) − F(x−σε) = 2σ ∇F·ε exactly,
        // so the raw-return estimate 1/(2nσ) Σ (F⁺ − F⁻) ε = 1/n Σ (∇F·ε) ε is unbiased with
        // E‖ĝ − ∇F‖² = (d + 1)‖∇F‖² / n, i.e. relative error ≈ √((d+1)/n).
        const int d = 20;
        const float sigma = 0.05f;
        var problem = new Quadratic(d, seed: 11);

        var sizes = new[] { 100, 1_000, 10_000 };
        var errors = new double[sizes.Length];
        var cosines = new double[sizes.Length];
        var rng = new DeterministicRandom(12);
        for (var s = 0; s < sizes.Length; s++)
        {
            // Act
            var estimate = problem.Estimate(Noise, sizes[s], sigma, ref rng);

            errors[s] = RelativeError(estimate, problem.Gradient);
            cosines[s] = Cosine(estimate, problem.Gradient);
        }

        // Assert: each error within 2× its theoretical RMS, errors fall with n, and the largest population is close.
        for (var s = 0; s < sizes.Length; s++)
            Assert.True(errors[s] < 2 * Math.Sqrt((d + 1.0) / sizes[s]), $"n={sizes[s]}: relative error {errors[s]:F4} exceeds 2·√((d+1)/n)");
        Assert.True(errors[1] < errors[0] && errors[2] < errors[1], $"relative errors should fall with n: {string.Join(", ", errors)}");
        Assert.True(errors[2] < 0.1, $"relative error at n=10,000 is {errors[2]:F4}, expected < 0.1");
        Assert.True(cosines[2] > 0.995, $"cosine similarity at n=10,000 is {cosines[2]:F5}, expected > 0.995");
    }

    [Fact]
    public void Mirrored_pairs_with_equal_weights_contribute_nothing()
    {
        // Arrange: F(θ+σε) = F(θ−σε) for every pair, e.g. an objective that is even in ε.
        var indices = new[] { 0, 17, 5000, 123_456 };
        var weights = new float[] { 3.5f, -1f, 0.25f, 42f };
        var gradient = Enumerable.Repeat(99f, 64).ToArray();

        // Act
        EsGradient.Estimate(Noise, indices, weights, weights, 0.125f, gradient);

        // Assert: the previous content is cleared and nothing is added.
        Assert.All(gradient, g => Assert.Equal(0f, g));
    }

    [Fact]
    public void Estimate_is_the_scaled_weighted_sum_of_the_noise_slices()
    {
        // Arrange
        const int d = 33;
        var indices = new[] { 10, 2_000, 70_001 };
        var wPos = new[] { 1.0f, 0.5f, -0.25f };
        var wNeg = new[] { -1.0f, 0.0f, 0.25f };
        const float scale = 0.2f;
        var gradient = new float[d];

        // Act
        EsGradient.Estimate(Noise, indices, wPos, wNeg, scale, gradient);

        // Assert: scale · Σ (w⁺ − w⁻) ε_i, computed naively in double.
        for (var j = 0; j < d; j++)
        {
            double expected = 0;
            for (var i = 0; i < indices.Length; i++) expected += (wPos[i] - wNeg[i]) * (double)Noise.Slice(indices[i], d)[j];
            expected *= scale;
            Assert.Equal(expected, gradient[j], 5);
        }
    }

    [Fact]
    public void Estimate_is_bit_identical_across_calls()
    {
        // Arrange
        var rng = new DeterministicRandom(3);
        var indices = Enumerable.Range(0, 200).Select(_ => Noise.SampleIndex(ref rng, 500)).ToArray();
        var wPos = Enumerable.Range(0, 200).Select(_ => (float)rng.NextGaussian()).ToArray();
        var wNeg = Enumerable.Range(0, 200).Select(_ => (float)rng.NextGaussian()).ToArray();
        var first = new float[500]; var second = new float[500];

        // Act
        EsGradient.Estimate(Noise, indices, wPos, wNeg, 1f / 400, first);
        EsGradient.Estimate(Noise, indices, wPos, wNeg, 1f / 400, second);

        // Assert
        Assert.Equal(first, second);
    }

    [Fact]
    public void Estimate_rejects_weights_that_do_not_match_the_indices()
    {
        var gradient = new float[4];
        Assert.Throws<ArgumentException>(() => EsGradient.Estimate(Noise, new[] { 0, 1 }, new[] { 1f }, new[] { 1f, 2f }, 1f, gradient));
        Assert.Throws<ArgumentException>(() => EsGradient.Estimate(Noise, new[] { 0, 1 }, new[] { 1f, 2f }, new[] { 1f }, 1f, gradient));
    }

    private static double RelativeError(ReadOnlySpan<float> estimate, double[] truth)
    {
        double diff = 0, norm = 0;
        for (var i = 0; i < truth.Length; i++) { diff += (estimate[i] - truth[i]) * (estimate[i] - truth[i]); norm += truth[i] * truth[i]; }
        return Math.Sqrt(diff / norm);
    }

    private static double Cosine(ReadOnlySpan<float> estimate, double[] truth)
    {
        double dot = 0, ne = 0, nt = 0;
        for (var i = 0; i < truth.Length; i++) { dot += estimate[i] * truth[i]; ne += (double)estimate[i] * estimate[i]; nt += truth[i] * truth[i]; }
        return dot / Math.Sqrt(ne * nt);
    }
}
