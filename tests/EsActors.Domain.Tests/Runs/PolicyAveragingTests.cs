using EsActors.Domain.Runs;
using static EsActors.Domain.Tests.Runs.RunTestData;

namespace EsActors.Domain.Tests.Runs;

/// <summary>
/// policy-averaging (Polyak averaging): the state carries θ̄, an exponential moving average of θ updated after every
/// step; it is the run's policy (what the in-run evaluation plays and policy.bin holds). θ's own trajectory is unchanged.
/// </summary>
public class PolicyAveragingTests
{
    private static List<RunState> Run(float beta, int generations)
    {
        var state = Started(Definition() with { PolicyAveraging = beta });
        var states = new List<RunState> { state };
        for (var g = 0; g < generations; g++)
        {
            var decision = RunLogic.Decide(state, new CompleteGeneration(Result(state, 11)));
            Assert.False(decision.IsRejected, decision.Rejection);
            state = decision.Events.Aggregate(state, RunLogic.Apply);
            states.Add(state);
        }
        return states;
    }

    [Fact]
    public void The_average_is_the_exponentially_weighted_sum_of_every_theta_so_far()
    {
        const float beta = 0.75f;
        var states = Run(beta, 3);
        var thetas = states.Select(s => s.Theta).ToList();
        var final = states[^1];
        Assert.NotNull(final.AverageTheta);
        // θ̄₃ = β³ θ₀ + β²(1−β) θ₁ + β(1−β) θ₂ + (1−β) θ₃, written out in closed form.
        for (var i = 0; i < final.Theta.Length; i++)
        {
            var expected = beta * beta * beta * thetas[0][i] + beta * beta * (1 - beta) * thetas[1][i]
                           + beta * (1 - beta) * thetas[2][i] + (1 - beta) * thetas[3][i];
            Assert.Equal(expected, final.AverageTheta![i], 1e-6f);
        }
        Assert.Same(final.AverageTheta, final.PolicyTheta);
        Assert.NotEqual(final.Theta, final.AverageTheta);
    }

    [Fact]
    public void Averaging_never_changes_the_trajectory_of_theta_and_off_keeps_no_average()
    {
        var with = Run(0.9f, 4);
        var without = Run(0f, 4);
        for (var g = 0; g < with.Count; g++) Assert.Equal(without[g].Theta, with[g].Theta);
        Assert.All(without, s => Assert.Null(s.AverageTheta));
        Assert.Same(without[^1].Theta, without[^1].PolicyTheta);
        // The replicas' checksum covers the average, so a node holding another θ̄ is told apart.
        Assert.NotEqual(without[^1].Checksum(), with[^1].Checksum());
    }

    [Theory]
    [InlineData(1f)]
    [InlineData(-0.1f)]
    [InlineData(float.NaN)]
    public void A_beta_outside_zero_to_one_is_refused(float beta)
    {
        var error = Assert.Throws<ArgumentException>(() => (Definition() with { PolicyAveraging = beta }).Validate());
        Assert.Contains("policy-averaging must lie in [0, 1)", error.Message);
    }

    [Fact]
    public void Averaging_and_keep_best_policy_exclude_each_other()
    {
        var error = Assert.Throws<ArgumentException>(() => (Definition() with { PolicyAveraging = 0.9f, KeepBestPolicy = true }).Validate());
        Assert.Contains("policy-averaging and keep-best-policy exclude each other", error.Message);
    }

    [Fact]
    public void A_resumed_run_refuses_a_change_of_policy_averaging()
    {
        var state = Started(Definition() with { PolicyAveraging = 0.9f });
        var decision = RunLogic.Decide(state, new StartRun(Definition() with { PolicyAveraging = 0.95f }, new StopCriteria(100, null)));
        Assert.True(decision.IsRejected);
        Assert.Contains("policy-averaging (0.9 vs 0.95)", decision.Rejection);
    }
}
