using EsActors.Domain.Es;
using EsActors.Domain.Randomness;
using EsActors.Domain.Tests.Support;

namespace EsActors.Domain.Tests.Es;

/// <summary>
/// Question 1 of the seed notes, numerically: on a quadratic F(x) = −Σ a_i (x_i − c_i)², the Gaussian-smoothed
/// objective F_σ(x) = E F(x + σε) = F(x) − σ² Σ a_i has the same gradient ∇F_σ = −2a ⊙ (x − c), and for a quadratic
/// F(x+σε) − F(x−σε) = 2σ ∇F·ε exactly. So the mirrored estimate ĝ = 1/(2nσ) Σ (F⁺ − F⁻) ε = 1/n Σ (∇F·ε) ε has
/// E ĝ = ∇F_σ (unbiased) and E‖ĝ − ∇F_σ‖² = (d + 1)‖∇F_σ‖² / n (variance falls as 1/n).
/// </summary>
public sealed class EstimatorStatisticsTests
{
    private const int D = 10, Repeats = 400;
    private const float Sigma = 0.1f;
    private static readonly NoiseTable Noise = NoiseTable.Shared(21, 1 << 20);

    [Fact]
    public void The_es_estimate_is_unbiased_and_its_variance_falls_as_one_over_the_population()
    {
        var problem = new Quadratic(D, seed: 5);
        var truth = problem.Gradient;
        var truthNorm2 = truth.Sum(t => t * t);

        var rng = new DeterministicRandom(6);
        var meanSquaredErrors = new List<(int N, double Mse)>();
        foreach (var n in new[] { 4, 16, 64 })
        {
            var sum = new double[D];
            var squaredError = 0.0;
            for (var r = 0; r < Repeats; r++)
            {
                var estimate = problem.Estimate(Noise, n, Sigma, ref rng);
                for (var i = 0; i < D; i++) { sum[i] += estimate[i]; squaredError += (estimate[i] - truth[i]) * (estimate[i] - truth[i]); }
            }
            var mse = squaredError / Repeats;
            meanSquaredErrors.Add((n, mse));

            // Unbiased: the mean of the estimates is within 4 standard errors of ∇F_σ, coordinate by coordinate.
            var perCoordinateVariance = (D + 1.0) * truthNorm2 / n / D; // average over coordinates of Var ĝ_i
            for (var i = 0; i < D; i++)
                Assert.True(Math.Abs(sum[i] / Repeats - truth[i]) < 4 * Math.Sqrt(4 * perCoordinateVariance / Repeats),
                    $"n={n}, coordinate {i}: mean estimate {sum[i] / Repeats:F4} vs ∇F {truth[i]:F4}");
            // Variance: E‖ĝ − ∇F‖² matches (d + 1)‖∇F‖²/n within 25 % (400 repeats).
            var predicted = (D + 1.0) * truthNorm2 / n;
            Assert.InRange(mse / predicted, 0.75, 1.25);
        }
        // Four times the population, a quarter of the mean squared error.
        Assert.InRange(meanSquaredErrors[0].Mse / meanSquaredErrors[1].Mse, 2.8, 5.6);
        Assert.InRange(meanSquaredErrors[1].Mse / meanSquaredErrors[2].Mse, 2.8, 5.6);
    }
}
