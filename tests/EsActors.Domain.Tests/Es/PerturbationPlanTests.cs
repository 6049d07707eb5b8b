using EsActors.Domain.Runs;
using EsActors.Domain.Es;
using static EsActors.Domain.Tests.Runs.RunTestData;

namespace EsActors.Domain.Tests.Es;

public class PerturbationPlanTests
{
    [Fact]
    public void A_plan_depends_only_on_the_run_seed_and_generation()
    {
        // Arrange
        var run = Definition(pairs: 32);
        var noise = RunLogic.NoiseFor(run);

        // Act
        var a = PerturbationPlan.For(run, 5, noise);
        var b = PerturbationPlan.For(run, 5, noise);
        var nextGeneration = PerturbationPlan.For(run, 6, noise);
        var otherSeed = PerturbationPlan.For(run with { Seed = 18 }, 5, noise);

        // Assert
        Assert.Equal(a.NoiseIndices, b.NoiseIndices);
        Assert.Equal(a.EpisodeSeeds, b.EpisodeSeeds);
        Assert.Equal(a.EvaluationSeeds, b.EvaluationSeeds);
        Assert.Equal(a.CollectStatistics, b.CollectStatistics);
        Assert.NotEqual(a.NoiseIndices, nextGeneration.NoiseIndices);
        Assert.NotEqual(a.EpisodeSeeds, nextGeneration.EpisodeSeeds);
        Assert.NotEqual(a.NoiseIndices, otherSeed.NoiseIndices);
    }

    [Fact]
    public void A_plan_has_one_valid_noise_index_and_episode_seed_per_pair()
    {
        var run = Definition(pairs: 64);
        var noise = RunLogic.NoiseFor(run);
        var plan = PerturbationPlan.For(run, 0, noise);
        Assert.Equal(64, plan.NoiseIndices.Length);
        Assert.All(plan.NoiseIndices, i => Assert.True(noise.IsValidIndex(i, run.Network.ParameterCount)));
        Assert.Equal(64, plan.EpisodeSeeds.Distinct().Count());
        Assert.Equal(run.EvaluationEpisodes, plan.EvaluationSeeds.Length);
        Assert.Empty(plan.EvaluationSeeds.Intersect(plan.EpisodeSeeds));
    }

    [Fact]
    public void About_the_configured_fraction_of_rollouts_collect_statistics_and_at_least_one_does()
    {
        // Arrange
        var run = Definition(pairs: 1000) with { ObservationStatisticsProbability = 0.3 };
        var rare = Definition(pairs: 4) with { ObservationStatisticsProbability = 1e-9 };
        var noise = RunLogic.NoiseFor(run);

        // Act
        var plan = PerturbationPlan.For(run, 3, noise);
        var rarePlan = PerturbationPlan.For(rare, 3, noise);
        var offPlan = PerturbationPlan.For(run with { ObservationNormalization = false }, 3, noise);

        // Assert: binomial(1000, 0.3) has SD ≈ 14.5; ±75 is ≈ 5 SD.
        Assert.InRange(plan.CollectStatistics.Count(c => c), 225, 375);
        Assert.Equal(1, rarePlan.CollectStatistics.Count(c => c));
        Assert.DoesNotContain(true, offPlan.CollectStatistics);
    }
}
