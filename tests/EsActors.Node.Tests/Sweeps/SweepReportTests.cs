using EsActors.Domain.Runs;
using EsActors.Node.Sweeps;
using static EsActors.Domain.Tests.Runs.RunTestData;

namespace EsActors.Node.Tests.Sweeps;

public sealed class SweepReportTests
{
    private static List<GenerationCompleted> Generations(params double[] evaluationMeans)
    {
        var state = Started(Definition(pairs: 4));
        var list = new List<GenerationCompleted>();
        foreach (var mean in evaluationMeans)
        {
            var g = Result(state, seed: (ulong)list.Count, evaluationReturn: mean);
            list.Add(g);
            state = RunLogic.Apply(state, g);
        }
        return list;
    }

    [Fact]
    public void A_threshold_is_crossed_at_the_first_generation_whose_evaluation_reaches_it()
    {
        var generations = Generations(10, 50, 40, 80);
        var crossings = SweepReport.Crossings(generations, [45, 80, 1000]);
        Assert.Equal(2, crossings[0]!.Generation);
        Assert.Equal(generations.Take(2).Sum(g => g.TrainingTimesteps), crossings[0]!.TrainingTimesteps);
        Assert.Equal(1.0, crossings[0]!.WallSeconds, 12); // two generations of 0.5 s
        Assert.Equal(4, crossings[1]!.Generation);
        Assert.Null(crossings[2]);
    }

    [Fact]
    public void Summaries_are_median_min_and_max_and_a_median_seed_that_never_got_there_is_not_reported()
    {
        Assert.Equal((3.0, 1.0, 9.0), SweepReport.Summary([9, 1, 3])!.Value);
        Assert.Equal((2.5, 1.0, 4.0), SweepReport.Summary([4, 1, 2, 3])!.Value);
        Assert.Null(SweepReport.Summary([]));

        SeedResult Seed(ulong s, long? steps) =>
            new(s, $"r{s}", 10, 1000, 5, [1, 2, 3], [steps is { } t ? new Crossing(3, t, 2) : null]);
        Assert.Equal(300, SweepReport.MedianToThreshold([Seed(0, 100), Seed(1, 300), Seed(2, null)], 0, c => c.TrainingTimesteps));
        Assert.Null(SweepReport.MedianToThreshold([Seed(0, 100), Seed(1, null), Seed(2, null)], 0, c => c.TrainingTimesteps));

        var md = SweepReport.Markdown("t", "esactors sweep", [Seed(0, 100), Seed(1, null)], [50]);
        Assert.Contains("| 1 | 10 | 1,000 | 5 | 2.0 ± 0.8 (3) | not reached | – |", md);
        Assert.Contains("reached by 1/2 seeds", md);
        var csv = SweepReport.Csv([Seed(0, 100)], [50]).Split('\n');
        Assert.Equal("seed,run_id,generations,training_timesteps,wall_seconds,final_eval_mean,final_eval_std,final_eval_episodes,timesteps_to_50,wall_seconds_to_50", csv[0]);
        Assert.Equal("0,r0,10,1000,5,2,0.816,3,100,2", csv[1]);
    }

    [Fact]
    public void A_sweep_that_kept_its_best_policies_says_which_generation_each_is_and_what_the_last_theta_scored()
    {
        SeedResult Seed(ulong s, double final, int generation, double last) =>
            new(s, $"r{s}", 10, 1000, 5, [final, final], [null], new KeptPolicy(generation, final + 7, [last, last + 2]));
        var seeds = new[] { Seed(0, 500, 4, 300), Seed(1, 450, 9, 100), Seed(2, 480, 2, 200) };

        var md = SweepReport.Markdown("t", "esactors sweep", seeds, [50]);
        Assert.Contains("**Final evaluation over 3 seeds: median 480.0, min 450.0, max 500.0.**", md);
        Assert.Contains("- seed 1: generation 9 (in-run 457.0); last θ 101.0", md);
        Assert.Contains("- last θ over those seeds: median 201.0, min 101.0, max 301.0", md);
        var csv = SweepReport.Csv(seeds, [50]).Split('\n');
        Assert.EndsWith(",timesteps_to_50,wall_seconds_to_50,policy_generation,policy_in_run_eval,last_policy_eval_mean", csv[0]);
        Assert.Equal("0,r0,10,1000,5,500,0,2,,,4,507,301", csv[1]);
        // Without a kept policy the report has neither the section nor the columns.
        Assert.DoesNotContain("keep-best-policy", SweepReport.Markdown("t", "c", [seeds[0] with { KeptBest = null }], [50]));
        Assert.DoesNotContain("policy_generation", SweepReport.Csv([seeds[0] with { KeptBest = null }], [50]));
    }

    [Fact]
    public void A_sweep_of_averaged_policies_gives_the_last_theta_beside_each()
    {
        SeedResult Seed(ulong s, double final, double last) => new(s, $"r{s}", 10, 1000, 5, [final, final], [null], AveragedLastEvaluation: [last, last + 1]);
        var seeds = new[] { Seed(0, 360.5, 359.0), Seed(1, 361.0, 361.5), Seed(2, 359.5, 358.0) };

        var md = SweepReport.Markdown("t", "esactors sweep", seeds, [50]);
        Assert.Contains("**Final evaluation over 3 seeds: median 360.5, min 359.5, max 361.0.**", md);
        Assert.Contains("- seed 1: averaged θ 361.0; last θ 362.0", md);
        Assert.Contains("- last θ over those seeds: median 359.5, min 358.5, max 362.0", md);
        var csv = SweepReport.Csv(seeds, [50]).Split('\n');
        Assert.EndsWith(",wall_seconds_to_50,last_theta_eval_mean", csv[0]);
        Assert.EndsWith(",,,359.5", csv[1]);
        Assert.DoesNotContain("policy-averaging", SweepReport.Markdown("t", "c", [seeds[0] with { AveragedLastEvaluation = null }], [50]));
    }
}
