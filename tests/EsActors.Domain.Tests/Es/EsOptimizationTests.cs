using EsActors.Domain.Es;
using EsActors.Domain.Tests.Support;

namespace EsActors.Domain.Tests.Es;

/// <summary>End-to-end: centered ranks + mirrored estimate + optimizer solve standard benchmark problems.</summary>
public class EsOptimizationTests
{
    private static readonly NoiseTable Noise = NoiseTable.Shared(2024, 1 << 20);

    [Fact]
    public void Adam_es_solves_the_100_dimensional_sphere()
    {
        // Arrange: maximize −‖x‖² from x = 1 (‖x‖ = 10) with the paper's Adam betas.
        var es = new EsLoop(Noise, Enumerable.Repeat(1f, 100).ToArray(), pairs: 50, seed: 1);

        // Act
        es.Run(Objectives.NegSphere, 300, sigma: 0.05f, new OptimizerSettings(OptimizerKind.Adam, LearningRate: 0.02f));

        // Assert: a 100-fold reduction of the distance to the optimum.
        var norm = Objectives.Norm(es.Theta);
        Assert.True(norm < 0.1, $"‖x‖ = {norm:F4} after 300 generations, expected < 0.1 (started at 10)");
    }

    [Fact]
    public void Sgd_momentum_es_solves_the_100_dimensional_sphere()
    {
        // Arrange
        var es = new EsLoop(Noise, Enumerable.Repeat(1f, 100).ToArray(), pairs: 50, seed: 2);

        // Act
        es.Run(Objectives.NegSphere, 400, sigma: 0.05f, new OptimizerSettings(OptimizerKind.SgdMomentum, LearningRate: 0.5f, Momentum: 0.9f));

        // Assert
        var norm = Objectives.Norm(es.Theta);
        Assert.True(norm < 0.1, $"‖x‖ = {norm:F4} after 400 generations, expected < 0.1 (started at 10)");
    }

    [Fact]
    public void Adam_es_escapes_a_local_optimum_of_rastrigin_and_reaches_the_global_one()
    {
        // Arrange: 20-D Rastrigin from x = 2, a local maximum with value ≈ −80. A wide σ smooths the ripples
        // (E cos 2π(x+σε) = e^{−2π²σ²} cos 2πx ≈ 0 at σ = 1), then σ and η shrink to settle at the optimum.
        const int d = 20;
        var es = new EsLoop(Noise, Enumerable.Repeat(2f, d).ToArray(), pairs: 100, seed: 3);
        var start = Objectives.NegRastrigin(es.Theta);

        // Act
        es.Run(Objectives.NegRastrigin, 150, sigma: 1f, new OptimizerSettings(LearningRate: 0.05f));
        es.Run(Objectives.NegRastrigin, 100, sigma: 1f, new OptimizerSettings(LearningRate: 0.01f));
        var afterSmoothing = es.Theta.Max(Math.Abs);
        es.Run(Objectives.NegRastrigin, 150, sigma: 0.1f, new OptimizerSettings(LearningRate: 0.005f));
        es.Run(Objectives.NegRastrigin, 100, sigma: 0.02f, new OptimizerSettings(LearningRate: 0.001f));

        // Assert: inside the global basin (|x_i| < 0.5) after smoothing, and finally within 0.01 of the optimum's
        // value 0 — every other local optimum is at least 0.995 below it.
        var value = Objectives.NegRastrigin(es.Theta);
        Assert.True(start < -79, $"start value {start}");
        Assert.True(afterSmoothing < 0.5, $"after the wide-σ phase max |x_i| = {afterSmoothing:F3}, outside the global basin");
        Assert.True(value > -0.01, $"F = {value:G4}, expected within 0.01 of the global maximum 0; θ = [{string.Join(", ", es.Theta)}]");
    }
}
