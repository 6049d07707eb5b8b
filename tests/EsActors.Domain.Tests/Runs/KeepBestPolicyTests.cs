using EsActors.Domain.Runs;
using static EsActors.Domain.Tests.Runs.RunTestData;

namespace EsActors.Domain.Tests.Runs;

/// <summary>
/// keep-best-policy: the state carries the θ (and the observation statistics) whose in-run evaluation was the best so
/// far. Generation g's evaluation episodes ran θ_g, the state before g's update, so that is the θ kept.
/// </summary>
public class KeepBestPolicyTests
{
    private static (RunState Final, List<RunState> Before) Run(bool keepBest, params double[] evaluations)
    {
        var state = Started(Definition() with { KeepBestPolicy = keepBest });
        var before = new List<RunState>();
        foreach (var evaluation in evaluations)
        {
            before.Add(state);
            var decision = RunLogic.Decide(state, new CompleteGeneration(Result(state, 5, evaluation)));
            Assert.False(decision.IsRejected, decision.Rejection);
            state = decision.Events.Aggregate(state, RunLogic.Apply);
        }
        return (state, before);
    }

    [Fact]
    public void The_kept_policy_is_the_theta_and_statistics_that_scored_the_best_evaluation()
    {
        var (final, before) = Run(keepBest: true, 10, 30, 20, 25);

        var best = Assert.IsType<BestPolicy>(final.Best);
        Assert.Equal(1, best.Generation);
        Assert.Equal(30, best.EvaluationMean);
        Assert.Equal(before[1].Theta, best.Theta);
        Assert.True(before[1].ObservationStatistics.ContentEquals(best.ObservationStatistics));
        Assert.False(before[2].ObservationStatistics.ContentEquals(best.ObservationStatistics));
        // Not the θ after the update of that generation, nor the last θ.
        Assert.NotEqual(before[2].Theta, best.Theta);
        Assert.NotEqual(final.Theta, best.Theta);
    }

    [Fact]
    public void A_tie_keeps_the_earlier_generation_and_a_later_better_one_replaces_it()
    {
        Assert.Equal(0, Run(keepBest: true, 40, 40, 12).Final.Best!.Generation);
        Assert.Equal(3, Run(keepBest: true, 40, 40, 12, 41).Final.Best!.Generation);
    }

    [Fact]
    public void Without_keep_best_policy_no_policy_is_kept_and_theta_is_the_same()
    {
        var (without, _) = Run(keepBest: false, 10, 30, 20);
        var (with, _) = Run(keepBest: true, 10, 30, 20);
        Assert.Null(without.Best);
        Assert.Equal(without.Theta, with.Theta); // the option picks a θ; it never changes the trajectory
        Assert.True(without.ObservationStatistics.ContentEquals(with.ObservationStatistics));
    }

    [Fact]
    public void A_resumed_run_refuses_a_change_of_keep_best_policy()
    {
        var state = Started(Definition() with { KeepBestPolicy = true });
        var decision = RunLogic.Decide(state, new StartRun(Definition(), new StopCriteria(100, null)));
        Assert.True(decision.IsRejected);
        Assert.Contains("keep-best-policy (on vs off)", decision.Rejection);
    }
}
