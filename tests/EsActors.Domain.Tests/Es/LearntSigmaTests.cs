using EsActors.Domain.Es;
using EsActors.Domain.Runs;
using static EsActors.Domain.Tests.Runs.RunTestData;

namespace EsActors.Domain.Tests.Es;

/// <summary>A σ per parameter learnt during the run (SNES-style; the seed notes' "which parameters are more sensitive").</summary>
public sealed class LearntSigmaTests
{
    private static RunDefinition Learnt(double rate) => Definition(pairs: 4) with { Strategy = new StrategySettings(SigmaLearningRate: rate) };

    [Fact]
    public void Every_parameter_starts_at_sigma_and_moves_by_the_snes_rule()
    {
        var run = Learnt(0.2);
        var state = Started(run);
        Assert.NotNull(state.Sigmas);
        Assert.All(state.Sigmas!, s => Assert.Equal(run.Sigma, s));
        Assert.Null(Started(Definition(pairs: 4)).Sigmas); // one σ: nothing kept

        var result = Result(state, seed: 6);
        var next = RunLogic.Apply(state, result);

        // By hand: centered ranks of all 2n returns, u_k = (u⁺ + u⁻)·2/n, σ_i · exp(η/2 · Σ u_k (ε_ki² − 1)).
        var n = run.Pairs;
        var returns = result.ReturnsPositive.Concat(result.ReturnsNegative).ToArray();
        var ranks = new float[2 * n];
        FitnessShaping.CenteredRanks(returns, ranks);
        var noise = RunLogic.NoiseFor(run);
        var d = state.Theta.Length;
        for (var i = 0; i < d; i += 7)
        {
            var sum = 0.0;
            for (var k = 0; k < n; k++)
            {
                var e = (double)noise.Slice(result.NoiseIndices[k], d)[i];
                sum += ((double)ranks[k] + ranks[n + k]) * 2 / n * (e * e - 1);
            }
            Assert.Equal(run.Sigma * Math.Exp(0.1 * sum), next.Sigmas![i], 1e-6);
        }
        Assert.NotEqual(state.Checksum(), (state with { Sigmas = next.Sigmas }).Checksum()); // replicas check σ too
    }

    [Fact]
    public void A_learnt_sigma_excludes_a_schedule_and_ars_and_a_change_is_refused_on_resume()
    {
        var run = Learnt(0.2);
        Assert.Throws<ArgumentException>(() => (run with { SigmaSchedule = new SigmaSchedule([1f, 1f], [1f, 1f], 0) }).Validate());
        Assert.Throws<ArgumentException>(() => new StrategySettings(StrategyKind.Ars, SigmaLearningRate: 0.1).Validate(4));
        Assert.Throws<ArgumentException>(() => new StrategySettings(SigmaLearningRate: double.NaN).Validate(4));
        Assert.Contains("strategy", string.Join(";", run.Differences(Learnt(0.3))));
        var replayed = Replay(Journal(run, generations: 3, seed: 1));
        Assert.Equal(Replay(Journal(run, generations: 3, seed: 1)).Sigmas, replayed.Sigmas); // deterministic
    }
}
