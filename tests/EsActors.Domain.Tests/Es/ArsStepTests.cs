using EsActors.Domain.Es;
using EsActors.Domain.Runs;
using static EsActors.Domain.Tests.Runs.RunTestData;

namespace EsActors.Domain.Tests.Es;

/// <summary>The ARS strategy (Mania et al. 2018, Algorithm 2) against a step written out by hand.</summary>
public sealed class ArsStepTests
{
    private static RunDefinition Ars(int pairs, int top, double shift) => Definition(pairs: pairs, weightDecay: 0,
        optimizer: new OptimizerSettings(OptimizerKind.SgdMomentum, LearningRate: 0.05f, Momentum: 0f)) with
    {
        Strategy = new StrategySettings(StrategyKind.Ars, top, shift),
    };

    [Fact]
    public void Top_directions_rank_by_the_better_return_and_break_ties_by_index()
    {
        double[] positive = [5, 1, 9, 2, 7];
        double[] negative = [0, 9, 1, 2, 3];
        Assert.Equal([1, 2], EsStep.TopDirections(positive, negative, 2));      // 9, 9 (pair 1 and 2 tie; both fit)
        Assert.Equal([1, 2, 4], EsStep.TopDirections(positive, negative, 3));
        Assert.Equal([0, 1, 2, 3, 4], EsStep.TopDirections(positive, negative, 5));
        Assert.Equal([0], EsStep.TopDirections([3, 3], [3, 3], 1));              // a tie goes to the lower index
    }

    [Fact]
    public void An_ars_run_starts_at_zero_and_steps_along_the_top_directions_scaled_by_the_std_of_their_returns()
    {
        var run = Ars(pairs: 4, top: 2, shift: 1.0);
        var state = Started(run);
        Assert.All(state.Theta, v => Assert.Equal(0f, v));

        var result = Result(state, seed: 3);
        var next = RunLogic.Apply(state, result);

        // By hand: shifted returns, the two best pairs by max(r+, r−), σ_R over their four returns (population std).
        var n = run.Pairs;
        var rp = Enumerable.Range(0, n).Select(i => result.ReturnsPositive[i] - 1.0 * result.LengthsPositive[i]).ToArray();
        var rn = Enumerable.Range(0, n).Select(i => result.ReturnsNegative[i] - 1.0 * result.LengthsNegative[i]).ToArray();
        var used = Enumerable.Range(0, n).OrderByDescending(i => Math.Max(rp[i], rn[i])).ThenBy(i => i).Take(2).Order().ToArray();
        var all = used.SelectMany(i => new[] { rp[i], rn[i] }).ToArray();
        var mean = all.Average();
        var std = Math.Sqrt(all.Sum(r => (r - mean) * (r - mean)) / all.Length);
        var noise = RunLogic.NoiseFor(run);
        var d = state.Theta.Length;
        for (var k = 0; k < d; k++)
        {
            var g = used.Sum(i => (rp[i] - rn[i]) / std * noise.Slice(result.NoiseIndices[i], d)[k]) / 2;
            Assert.Equal(0.05 * g, next.Theta[k], 1e-4);
        }
        Assert.Equal(result.TrainingTimesteps, next.TrainingTimesteps);
    }

    [Fact]
    public void Returns_that_are_all_equal_give_no_step_and_no_division_by_zero()
    {
        var run = Ars(pairs: 3, top: 0, shift: 0);
        var state = Started(run);
        var result = Result(state, seed: 1) with { ReturnsPositive = [7, 7, 7], ReturnsNegative = [7, 7, 7] };
        var next = RunLogic.Apply(state, result);
        Assert.All(next.Theta, v => Assert.Equal(0f, v));
    }

    [Fact]
    public void The_strategy_is_part_of_the_definition_a_resumed_run_must_match()
    {
        var ars = Ars(pairs: 4, top: 2, shift: 1.0);
        var state = Started(ars);
        var decision = RunLogic.Decide(state, new StartRun(ars with { Strategy = ars.Strategy! with { TopDirections = 3 } }, new StopCriteria(100, null)));
        Assert.True(decision.IsRejected);
        Assert.Contains("strategy", decision.Rejection);
        Assert.Empty(Definition().Differences(Definition() with { Strategy = StrategySettings.OpenAiEs })); // null = OpenAI-ES
    }

    [Theory]
    [InlineData(StrategyKind.Ars, 5, 0.0)]           // more directions than pairs
    [InlineData(StrategyKind.Ars, -1, 0.0)]
    [InlineData(StrategyKind.Ars, 2, double.NaN)]
    [InlineData(StrategyKind.OpenAiEs, 2, 0.0)]      // ARS options on OpenAI-ES
    public void Invalid_strategy_settings_are_refused(StrategyKind kind, int top, double shift) =>
        Assert.Throws<ArgumentException>(() => (Definition(pairs: 4) with { Strategy = new StrategySettings(kind, top, shift) }).Validate());

    [Fact]
    public void A_timestep_budget_counts_training_steps_only()
    {
        var run = Definition(pairs: 4);
        var state = Started(run, new StopCriteria(1000, null, MaxTimesteps: 1));
        Assert.False(state.IsFinished);
        var next = RunLogic.Apply(state, Result(state, seed: 2));
        Assert.True(next.IsFinished);
        Assert.True(next.Timesteps > next.TrainingTimesteps); // evaluation steps count in the total, not in the budget
    }
}
