using System.Globalization;
using System.Text;
using EsActors.Domain.Runs;

namespace EsActors.Node.Sweeps;

/// <summary>One seed of a sweep: its run and what its final policy scored on fresh noiseless, full-length episodes.</summary>
/// <param name="FinalEvaluation">Returns of the final policy's evaluation episodes.</param>
/// <param name="Crossings">Per threshold: the first generation whose in-training evaluation mean reached it (null: never).</param>
/// <param name="KeptBest">With keep-best-policy: which θ the final policy is, and what the last θ scored on the same episodes.</param>
/// <param name="AveragedLastEvaluation">With policy-averaging: the last θ's returns on the same episodes (the final policy is the average).</param>
public sealed record SeedResult(
    ulong Seed, string RunId, int Generations, long TrainingTimesteps, double WallSeconds, IReadOnlyList<double> FinalEvaluation,
    IReadOnlyList<Crossing?> Crossings, KeptPolicy? KeptBest = null, IReadOnlyList<double>? AveragedLastEvaluation = null)
{
    public double? AveragedLastMean => AveragedLastEvaluation?.Average();
    public double FinalMean => FinalEvaluation.Average();
    public double FinalStd => Math.Sqrt(FinalEvaluation.Sum(r => (r - FinalMean) * (r - FinalMean)) / FinalEvaluation.Count);
}

/// <summary>
/// A run's best-evaluated θ and the last θ's returns on the final episodes. <paramref name="Generation"/> is the
/// progress row (and "gen" line) whose in-run evaluation picked it, <paramref name="InRunEvaluation"/> that evaluation.
/// </summary>
public sealed record KeptPolicy(int Generation, double InRunEvaluation, IReadOnlyList<double> LastEvaluation)
{
    public double LastMean => LastEvaluation.Average();
}

/// <summary>When a run first reached a threshold: training timesteps (the paper's count) and wall seconds up to that generation.</summary>
public sealed record Crossing(int Generation, long TrainingTimesteps, double WallSeconds);

/// <summary>
/// The sweep's report the way Mania et al. (2018) ask results to be given: every seed, then median, min and max
/// over seeds — of the final evaluation and of the timesteps and wall time to each threshold (a seed that never
/// reached one counts as "not reached"; the median is then reported only when more than half reached it).
/// </summary>
public static class SweepReport
{
    /// <summary>Threshold crossings of one run from its generation events (in order).</summary>
    public static IReadOnlyList<Crossing?> Crossings(IReadOnlyList<GenerationCompleted> generations, IReadOnlyList<double> thresholds)
    {
        var found = new Crossing?[thresholds.Count];
        long timesteps = 0; double wall = 0;
        foreach (var g in generations)
        {
            timesteps += g.TrainingTimesteps;
            wall += g.WallSeconds;
            for (var t = 0; t < thresholds.Count; t++)
                if (found[t] is null && g.MeanEvaluationReturn >= thresholds[t]) found[t] = new Crossing(g.Generation + 1, timesteps, wall);
        }
        return found;
    }

    /// <summary>Median (mean of the two middle values for an even count), min and max; null for an empty list.</summary>
    public static (double Median, double Min, double Max)? Summary(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0) return null;
        var mid = sorted.Length / 2;
        var median = sorted.Length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
        return (median, sorted[0], sorted[^1]);
    }

    /// <summary>
    /// Median over all seeds of the timesteps to a threshold, counting a seed that never reached it as +∞; null when
    /// the median seed did not reach it.
    /// </summary>
    public static double? MedianToThreshold(IReadOnlyList<SeedResult> seeds, int threshold, Func<Crossing, double> measure)
    {
        var values = seeds.Select(s => s.Crossings[threshold] is { } c ? measure(c) : double.PositiveInfinity).ToArray();
        var median = Summary(values)!.Value.Median;
        return double.IsFinite(median) ? median : null;
    }

    /// <summary>A final policy that is not the last θ (kept best, averaged): a line a seed, then the last θ over those seeds.</summary>
    private static void AppendLastThetaComparison(StringBuilder md, string whatTheFinalPolicyIs, IEnumerable<string> perSeed, IEnumerable<double> lastMeans)
    {
        md.AppendLine();
        md.AppendLine(whatTheFinalPolicyIs + "; the last θ of the run was evaluated on the same fresh episodes for comparison.");
        foreach (var line in perSeed) md.AppendLine(line);
        var last = Summary(lastMeans)!.Value;
        md.AppendLine(Invariant($"- last θ over those seeds: median {last.Median:0.0}, min {last.Min:0.0}, max {last.Max:0.0}"));
        md.AppendLine();
    }

    public static string Csv(IReadOnlyList<SeedResult> seeds, IReadOnlyList<double> thresholds)
    {
        var text = new StringBuilder("seed,run_id,generations,training_timesteps,wall_seconds,final_eval_mean,final_eval_std,final_eval_episodes");
        foreach (var t in thresholds) text.Append(Invariant($",timesteps_to_{t},wall_seconds_to_{t}"));
        var kept = seeds.Any(s => s.KeptBest is not null);
        if (kept) text.Append(",policy_generation,policy_in_run_eval,last_policy_eval_mean");
        var averaged = seeds.Any(s => s.AveragedLastEvaluation is not null);
        if (averaged) text.Append(",last_theta_eval_mean");
        text.Append('\n');
        foreach (var s in seeds)
        {
            text.Append(Invariant($"{s.Seed},{s.RunId},{s.Generations},{s.TrainingTimesteps},{s.WallSeconds:0.###},{s.FinalMean:0.###},{s.FinalStd:0.###},{s.FinalEvaluation.Count}"));
            foreach (var c in s.Crossings) text.Append(c is null ? ",," : Invariant($",{c.TrainingTimesteps},{c.WallSeconds:0.###}"));
            if (kept) text.Append(s.KeptBest is { } k ? Invariant($",{k.Generation},{k.InRunEvaluation:0.###},{k.LastMean:0.###}") : ",,,");
            if (averaged) text.Append(s.AveragedLastMean is { } last ? Invariant($",{last:0.###}") : ",");
            text.Append('\n');
        }
        return text.ToString();
    }

    public static string Markdown(string title, string command, IReadOnlyList<SeedResult> seeds, IReadOnlyList<double> thresholds)
    {
        var md = new StringBuilder();
        md.AppendLine($"# {title}").AppendLine();
        md.AppendLine($"Command: `{command}`").AppendLine();
        md.AppendLine("Final evaluation: the final policy on fresh noiseless, full-length episodes. Timesteps count training episodes only " +
                      "(as the paper does); \"to T\" is the first generation whose in-training evaluation mean reached T.").AppendLine();
        md.Append("| seed | generations | training timesteps | wall s | final eval (mean ± std, episodes) |");
        foreach (var t in thresholds) md.Append(Invariant($" timesteps to {t} | wall s to {t} |"));
        md.AppendLine();
        md.Append("|---|---|---|---|---|").AppendLine(string.Concat(thresholds.Select(_ => "---|---|")));
        foreach (var s in seeds)
        {
            md.Append(Invariant($"| {s.Seed} | {s.Generations} | {s.TrainingTimesteps:N0} | {s.WallSeconds:0} | {s.FinalMean:0.0} ± {s.FinalStd:0.0} ({s.FinalEvaluation.Count}) |"));
            foreach (var c in s.Crossings) md.Append(c is null ? " not reached | – |" : Invariant($" {c.TrainingTimesteps:N0} | {c.WallSeconds:0} |"));
            md.AppendLine();
        }
        md.AppendLine();
        var final = Summary(seeds.Select(s => s.FinalMean))!.Value;
        md.AppendLine(Invariant($"**Final evaluation over {seeds.Count} seeds: median {final.Median:0.0}, min {final.Min:0.0}, max {final.Max:0.0}.**"));
        var kept = seeds.Where(s => s.KeptBest is not null).ToList();
        if (kept.Count > 0)
            AppendLastThetaComparison(md, "keep-best-policy: each final policy is the θ of the generation with the best in-run evaluation mean",
                kept.Select(s => Invariant($"- seed {s.Seed}: generation {s.KeptBest!.Generation} (in-run {s.KeptBest.InRunEvaluation:0.0}); last θ {s.KeptBest.LastMean:0.0}")),
                kept.Select(s => s.KeptBest!.LastMean));
        var averaged = seeds.Where(s => s.AveragedLastMean is not null).ToList();
        if (averaged.Count > 0)
            AppendLastThetaComparison(md, "policy-averaging: each final policy is the moving average of θ over the run",
                averaged.Select(s => Invariant($"- seed {s.Seed}: averaged θ {s.FinalMean:0.0}; last θ {s.AveragedLastMean:0.0}")),
                averaged.Select(s => s.AveragedLastMean!.Value));
        for (var t = 0; t < thresholds.Count; t++)
        {
            var reached = seeds.Count(s => s.Crossings[t] is not null);
            var steps = MedianToThreshold(seeds, t, c => c.TrainingTimesteps);
            var wall = MedianToThreshold(seeds, t, c => c.WallSeconds);
            var crossed = Summary(seeds.Where(s => s.Crossings[t] is not null).Select(s => (double)s.Crossings[t]!.TrainingTimesteps));
            md.AppendLine(Invariant($"- threshold {thresholds[t]}: reached by {reached}/{seeds.Count} seeds; median timesteps ") +
                          (steps is { } m ? Invariant($"{m:N0} (wall {wall:0} s)") : "not reached (fewer than half the seeds)") +
                          (crossed is { } c ? Invariant($"; among seeds that reached it min {c.Min:N0}, max {c.Max:N0}") : ""));
        }
        return md.ToString();
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
