using EsActors.Domain.Es;
using EsActors.Domain.Policies;
using EsActors.Domain.Randomness;
using EsActors.Domain.Runs;
using static EsActors.Domain.Tests.Runs.RunTestData;

namespace EsActors.Domain.Tests.Es;

/// <summary>The CMA-ES strategy: its eigendecomposition, its updates on a known landscape, and its place in a run.</summary>
public sealed class CmaEsTests
{
    // 4 inputs, no hidden layer, 2 outputs: 10 parameters.
    private static RunDefinition Cma(int pairs = 8, float sigma = 0.5f) => Definition(pairs: pairs, normalize: false, weightDecay: 0) with
    {
        Network = new NetworkShape(4, [], 2, Activation.Tanh),
        Sigma = sigma,
        Strategy = new StrategySettings(StrategyKind.CmaEs),
    };

    [Fact]
    public void Jacobi_rotations_decompose_a_symmetric_matrix_into_orthonormal_eigenvectors()
    {
        const int n = 9;
        var rng = new DeterministicRandom(5);
        var g = new double[n * n];
        for (var i = 0; i < g.Length; i++) g[i] = rng.NextGaussian();
        var m = new double[n * n]; // GᵀG + I: symmetric positive definite, eigenvalues spread
        for (var i = 0; i < n; i++)
            for (var j = 0; j < n; j++)
            {
                var s = i == j ? 1.0 : 0.0;
                for (var k = 0; k < n; k++) s += g[k * n + i] * g[k * n + j];
                m[i * n + j] = s;
            }
        var (values, v) = SymmetricEigen.Decompose(m, n);
        for (var i = 0; i < n; i++)
            for (var j = 0; j < n; j++)
            {
                double orthogonal = 0, rebuilt = 0;
                for (var k = 0; k < n; k++) { orthogonal += v[k * n + i] * v[k * n + j]; rebuilt += v[i * n + k] * values[k] * v[j * n + k]; }
                Assert.Equal(i == j ? 1.0 : 0.0, orthogonal, 1e-12);
                Assert.Equal(m[i * n + j], rebuilt, 1e-10);
            }
        Assert.All(values, e => Assert.True(e >= 1 - 1e-10)); // GᵀG + I ≥ I
        Assert.Equal(values, SymmetricEigen.Decompose(m, n).Values); // same bits every time
    }

    /// <summary>
    /// A rotated ellipsoid with condition number 10³, f(x) = Σ_i 10^(3i/(n−1)) (Q(x − c))_i², returns −f. A step-size-only
    /// ES crawls along its long axes; CMA-ES learns C ∝ H⁻¹ and converges linearly. Runs through <see cref="RunLogic"/>
    /// with candidates built as evaluators build them (<see cref="CmaState.Perturbation"/>): two independent ones per work item.
    /// </summary>
    [Fact]
    public void On_an_ill_conditioned_quadratic_the_run_learns_the_inverse_hessian_and_converges()
    {
        var run = Cma();
        var n = run.Network.ParameterCount;
        var center = Enumerable.Range(0, n).Select(i => 1.0 + 0.1 * i).ToArray();
        var u = Enumerable.Range(0, n).Select(i => Math.Cos(i + 1.0)).ToArray(); // Householder Q = I − 2uuᵀ/|u|²
        var uu = u.Sum(x => x * x);
        double F(ReadOnlySpan<float> x)
        {
            var d = new double[n];
            for (var i = 0; i < n; i++) d[i] = x[i] - center[i];
            var dot = 0.0;
            for (var i = 0; i < n; i++) dot += u[i] * d[i];
            var f = 0.0;
            for (var i = 0; i < n; i++) { var q = d[i] - 2 * u[i] * dot / uu; f += Math.Pow(10, 3.0 * i / (n - 1)) * q * q; }
            return f;
        }

        var state = Started(run, new StopCriteria(10_000, null));
        Assert.All(state.Theta, t => Assert.Equal(0f, t)); // θ₀ = 0
        var start = F(state.Theta);
        var noise = RunLogic.NoiseFor(run);
        var candidate = new float[n];
        var perturbation = new float[n];
        var generations = 0;
        while (F(state.Theta) > 1e-10 * start && generations < 600)
        {
            var plan = PerturbationPlan.For(run, state.Generation, noise);
            var (plus, minus) = (new double[run.Pairs], new double[run.Pairs]);
            for (var k = 0; k < run.Pairs; k++)
            {
                for (var half = 0; half < 2; half++)
                {
                    state.Cma!.Perturbation(CmaState.CandidateNoise(noise, plan.NoiseIndices[k], half, n), perturbation);
                    for (var i = 0; i < n; i++) candidate[i] = state.Theta[i] + perturbation[i];
                    (half == 0 ? plus : minus)[k] = -F(candidate);
                }
            }
            var ones = Enumerable.Repeat(1, run.Pairs).ToArray();
            var result = new GenerationCompleted(state.Generation, plan.NoiseIndices, plus, minus, ones, ones,
                EsActors.Domain.Normalization.ObservationStatistics.Empty(run.Network.Inputs), [-F(state.Theta), -F(state.Theta)], [1, 1], 0);
            var decision = RunLogic.Decide(state, new CompleteGeneration(result));
            Assert.False(decision.IsRejected, decision.Rejection);
            state = RunLogic.Apply(state, decision.Events.Single());
            generations++;
        }
        Assert.True(F(state.Theta) <= 1e-10 * start, $"f fell only from {start:g3} to {F(state.Theta):g3} in {generations} generations");
        // C has stretched along the low-curvature axes: its condition number approaches the Hessian's 10³.
        var (values, _) = SymmetricEigen.Decompose(state.Cma!.Covariance, n);
        Assert.True(values.Max() / values.Min() > 100, $"C's condition number is only {values.Max() / values.Min():g3}");
        Assert.True(state.Cma.StepSize < run.Sigma, "σ did not shrink as the mean converged");
    }

    [Fact]
    public void A_run_keeps_its_distribution_in_the_state_checksum_and_replays_to_the_same_bits()
    {
        var run = Cma(pairs: 4, sigma: 0.1f);
        var state = Started(run);
        Assert.NotNull(state.Cma);
        Assert.Equal(0.1, state.Cma!.StepSize, 1e-7);
        Assert.Null(Started(Definition()).Cma); // OpenAI-ES keeps none

        var replayed = Replay(Journal(run, generations: 5, seed: 3));
        var again = Replay(Journal(run, generations: 5, seed: 3));
        Assert.Equal(5, replayed.Generation);
        Assert.Equal(again.Theta, replayed.Theta);
        Assert.Equal(again.Cma!.Covariance, replayed.Cma!.Covariance);
        Assert.Equal(again.Cma.StepSize, replayed.Cma.StepSize);
        Assert.Equal(again.Checksum(), replayed.Checksum());
        Assert.NotEqual(0f, replayed.Theta.Select(Math.Abs).Max());
        var otherCovariance = (double[])replayed.Cma.Covariance.Clone();
        otherCovariance[0] *= 1.5;
        var other = replayed with { Cma = new CmaState(replayed.Cma.StepSize, otherCovariance, replayed.Cma.SigmaPath, replayed.Cma.CovariancePath) };
        Assert.NotEqual(replayed.Checksum(), other.Checksum()); // a replica with another C is caught
    }

    [Fact]
    public void Every_candidate_of_a_cma_generation_starts_from_the_same_state_and_has_noise_of_its_own()
    {
        var cma = PerturbationPlan.For(Cma(), 3, RunLogic.NoiseFor(Cma()));
        var noise = RunLogic.NoiseFor(Cma());
        var n = Cma().Network.ParameterCount;
        Assert.All(cma.NoiseIndices, i => Assert.True(noise.IsValidIndex(i, 2 * n)));
        Assert.False(CmaState.CandidateNoise(noise, cma.NoiseIndices[0], 0, n).SequenceEqual(CmaState.CandidateNoise(noise, cma.NoiseIndices[0], 1, n)));
        Assert.Single(cma.EpisodeSeeds.Distinct());
        Assert.NotEqual(cma.EpisodeSeeds[0], PerturbationPlan.For(Cma(), 4, RunLogic.NoiseFor(Cma())).EpisodeSeeds[0]);
        var openAi = PerturbationPlan.For(Definition(), 3, RunLogic.NoiseFor(Definition()));
        Assert.Equal(openAi.EpisodeSeeds.Length, openAi.EpisodeSeeds.Distinct().Count());
    }

    [Fact]
    public void Settings_that_do_not_apply_or_a_network_too_large_are_refused()
    {
        Cma().Validate();
        var big = Cma() with { Network = new NetworkShape(100, [], 6, Activation.Tanh) }; // 606 parameters
        Assert.Contains("at most 512", Assert.Throws<ArgumentException>(big.Validate).Message);
        Assert.Contains("weight-decay", Assert.Throws<ArgumentException>((Cma() with { WeightDecay = 0.01f }).Validate).Message);
        Assert.Throws<ArgumentException>((Cma() with { LearningRateSchedule = new LearningRateSchedule(0.1f, 10) }).Validate);
        Assert.Throws<ArgumentException>((Cma() with { Pairs = 1 }).Validate);
        Assert.Throws<ArgumentException>(() => new StrategySettings(StrategyKind.CmaEs, TopDirections: 2).Validate(8));
        Assert.Throws<ArgumentException>(() => new StrategySettings(StrategyKind.CmaEs, SigmaLearningRate: 0.1).Validate(8));
        Assert.Contains("strategy", string.Join(";", Cma().Differences(Definition(pairs: 8, normalize: false, weightDecay: 0) with { Network = Cma().Network, Sigma = 0.5f })));
    }
}
