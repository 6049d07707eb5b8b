using System.Globalization;
using Akka.Actor;
using EsActors.Domain.Policies;
using EsActors.Environments;
using EsActors.Node.Configuration;
using EsActors.Node.Outputs;
using EsActors.Node.Sweeps;

namespace EsActors.Node.Cli;

/// <summary>Parsed options of <c>sweep</c>.</summary>
/// <param name="Name">The sweep's folder under <see cref="OutDirectory"/> and the prefix of its run ids.</param>
/// <param name="Thresholds">Returns to report timesteps and wall time to (default: the runs' target return).</param>
public sealed record SweepOptions(
    string EnvironmentId, IReadOnlyList<ulong> Seeds, string? ConfigFile, long? Timesteps, string OutDirectory, string? Name, int Slots,
    int EvaluationEpisodes, IReadOnlyList<double> Thresholds, string? Journal);

/// <summary>
/// <c>sweep</c>: one run per seed, one after another in this process (each resumes from the sweep's journal if it
/// was stopped), then <c>report.md</c> and <c>report.csv</c> in <c>&lt;out&gt;/&lt;sweep&gt;/</c>: per seed the final
/// policy on fresh noiseless episodes and the timesteps and wall time to each threshold, then median / min / max.
/// </summary>
public static class SweepCommand
{
    /// <summary>Seeds of the final evaluation episodes: far from any training or in-run evaluation episode's seed.</summary>
    public const ulong FinalEvaluationSeed = 1_000_000_007;

    public static async Task<int> Run(SweepOptions o, string command, CancellationToken cancellation)
    {
        if (!EnvironmentRegistry.IsKnown(o.EnvironmentId)) throw new UserError(new UnknownEnvironmentException(o.EnvironmentId, EnvironmentRegistry.Ids).Message);
        if (o.Seeds.Count == 0) throw new UserError("--seeds names no seed");
        // A sweep's node listens on a random port, so no worker could join it: it must evaluate itself.
        if (o.Slots < 1) throw new UserError($"--slots must be at least 1 for a sweep (no worker can join it), got {o.Slots}");
        if (o.EvaluationEpisodes < 10) throw new UserError($"--eval-episodes must be at least 10, got {o.EvaluationEpisodes}");
        var name = o.Name ?? $"sweep-{o.EnvironmentId}";
        if (name.Length == 0 || name.Any(c => !(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')))
            throw new UserError($"--name '{name}' may contain only letters, digits, '-', '_' and '.'");
        var folder = Path.GetFullPath(Path.Combine(o.OutDirectory, name));
        var journal = o.Journal ?? Path.Combine(folder, "journal.db");
        Directory.CreateDirectory(folder);

        foreach (var seed in o.Seeds)
        {
            Console.WriteLine($"=== sweep {name}: seed {seed}");
            var code = await TrainCommand.Run(new TrainOptions(o.EnvironmentId, RunId(name, seed), new RunOverrides(Seed: seed, Timesteps: o.Timesteps),
                o.Slots, o.ConfigFile, folder, journal, "127.0.0.1", 0, [], ResumeWith: command), cancellation);
            if (code != 0) return code;
            cancellation.ThrowIfCancellationRequested();
        }

        var target = JournalTarget.Parse(journal);
        using var system = ActorSystem.Create("esactors-sweep", NodeConfig.BuildLocal(target));
        var results = new List<SeedResult>();
        var curves = new List<IReadOnlyList<Domain.Runs.GenerationCompleted>>();
        IReadOnlyList<double>? thresholds = o.Thresholds.Count > 0 ? o.Thresholds : null;
        try
        {
            foreach (var seed in o.Seeds)
            {
                var runId = RunId(name, seed);
                var history = await RunHistoryReader.Read(system, runId, TimeSpan.FromMinutes(10));
                thresholds ??= history.State.Stop?.TargetReturn is { } t ? [t] : [];
                curves.Add(history.Generations);
                var policy = RunOutputs.Policy(history.State);
                var final = PolicyEvaluation.Run(policy, o.EnvironmentId, o.EvaluationEpisodes, FinalEvaluationSeed);
                // A final policy that is not the last θ (kept best, averaged) is compared with the last θ, on the same fresh episodes.
                var last = history.State.Best is not null || history.State.AverageTheta is not null
                    ? PolicyEvaluation.Run(RunOutputs.LastPolicy(history.State), o.EnvironmentId, o.EvaluationEpisodes, FinalEvaluationSeed).Select(f => f.Return).ToArray()
                    : null;
                var kept = history.State.Best is { } best ? new KeptPolicy(best.Generation + 1, best.EvaluationMean, last!) : null;
                var averagedLast = history.State.AverageTheta is not null ? last : null;
                results.Add(new SeedResult(seed, runId, history.State.Generation, history.State.TrainingTimesteps, history.Generations.Sum(g => g.WallSeconds),
                    final.Select(f => f.Return).ToArray(), SweepReport.Crossings(history.Generations, thresholds), kept, averagedLast));
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"seed {seed}: {history.State.TrainingTimesteps} training timesteps, final evaluation {results[^1].FinalMean:0.0} over {final.Count} episodes"));
            }
        }
        finally { await system.Terminate(); }

        File.WriteAllText(Path.Combine(folder, "report.csv"), SweepReport.Csv(results, thresholds!));
        File.WriteAllText(Path.Combine(folder, "report.md"), SweepReport.Markdown($"Sweep {name}: {o.EnvironmentId}, {results.Count} seeds", command, results, thresholds!)
            + $"\n![median and min–max over seeds of the evaluation return against training timesteps]({LearningCurves.CurveFile})\n");
        LearningCurves.WriteSweep(Path.Combine(folder, LearningCurves.CurveFile), $"{o.EnvironmentId}: {name}, {results.Count} seeds", curves);
        Console.WriteLine($"wrote {Path.Combine(folder, "report.md")}, report.csv and {LearningCurves.CurveFile}");
        return 0;
    }

    public static string RunId(string sweep, ulong seed) => $"{sweep}-s{seed}";

    /// <summary>"0-4", "1,3,5" or "0-2,7": the seeds in the order given, each once.</summary>
    public static IReadOnlyList<ulong> ParseSeeds(string text)
    {
        var seeds = new List<ulong>();
        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            var range = part.Split('-');
            if (range.Length == 1 && ulong.TryParse(range[0], NumberStyles.None, CultureInfo.InvariantCulture, out var single)) seeds.Add(single);
            else if (range.Length == 2 && ulong.TryParse(range[0], NumberStyles.None, CultureInfo.InvariantCulture, out var from)
                     && ulong.TryParse(range[1], NumberStyles.None, CultureInfo.InvariantCulture, out var to) && from <= to && to - from < 1000)
                for (var s = from; s <= to; s++) seeds.Add(s);
            else throw new UserError($"--seeds '{text}': expected seeds like 0-4 or 1,3,5 (a range of at most 1000)");
        }
        if (seeds.Count == 0) throw new UserError($"--seeds '{text}' names no seed");
        return seeds.Distinct().ToList();
    }
}
