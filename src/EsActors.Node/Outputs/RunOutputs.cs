using System.Globalization;
using CsvHelper;
using CsvHelper.Configuration;
using EsActors.Domain.Policies;
using EsActors.Domain.Runs;

namespace EsActors.Node.Outputs;

/// <summary>One row of progress.csv.</summary>
/// <param name="Timesteps">All env steps so far (training and evaluation episodes).</param>
/// <param name="TrainingTimesteps">Env steps of training episodes only, as the paper counts timesteps.</param>
public sealed record ProgressRow(int Generation, long Timesteps, double MeanReturn, double MaxReturn, double EvalReturn, double StepsPerSecond, double ElapsedSeconds,
    long TrainingTimesteps);

/// <summary>Writes a run's files: runs/&lt;run-id&gt;/progress.csv and policy.bin.</summary>
public static class RunOutputs
{
    public const string ProgressFile = "progress.csv";
    public const string PolicyFile = "policy.bin";

    public static IReadOnlyList<ProgressRow> Rows(IEnumerable<GenerationCompleted> generations)
    {
        var rows = new List<ProgressRow>();
        long timesteps = 0, training = 0; double elapsed = 0;
        foreach (var g in generations)
        {
            var steps = g.TrainingTimesteps + g.EvaluationTimesteps;
            timesteps += steps; training += g.TrainingTimesteps; elapsed += g.WallSeconds;
            rows.Add(new ProgressRow(g.Generation + 1, timesteps, g.MeanTrainingReturn, g.MaxTrainingReturn, g.MeanEvaluationReturn,
                g.WallSeconds > 0 ? steps / g.WallSeconds : 0, elapsed, training));
        }
        return rows;
    }

    public static void WriteProgress(string path, IEnumerable<ProgressRow> rows)
    {
        var temp = path + ".tmp";
        using (var writer = new StreamWriter(temp))
        using (var csv = new CsvWriter(writer, new CsvConfiguration(CultureInfo.InvariantCulture)))
        {
            csv.Context.RegisterClassMap<ProgressRowMap>();
            csv.WriteRecords(rows);
        }
        File.Move(temp, path, overwrite: true);
    }

    public static void AppendProgress(string path, ProgressRow row)
    {
        var exists = File.Exists(path);
        using var writer = new StreamWriter(path, append: true);
        using var csv = new CsvWriter(writer, new CsvConfiguration(CultureInfo.InvariantCulture) { HasHeaderRecord = !exists });
        csv.Context.RegisterClassMap<ProgressRowMap>();
        if (!exists) { csv.WriteHeader<ProgressRow>(); csv.NextRecord(); }
        csv.WriteRecord(row);
        csv.NextRecord();
    }

    public static PolicyFile Policy(RunState state)
    {
        var run = state.RequireDefinition();
        return new PolicyFile(run.EnvironmentId, run.Network, run.ActionBins, state.Theta, run.ObservationNormalization,
            state.ObservationStatistics.Mean(), state.ObservationStatistics.Std());
    }

    /// <summary>Writes progress.csv, policy.bin and curve.png from a history rebuilt from the journal (the single source of truth).</summary>
    public static void WriteAll(string directory, RunHistory history)
    {
        Directory.CreateDirectory(directory);
        WriteProgress(Path.Combine(directory, ProgressFile), Rows(history.Generations));
        Policy(history.State).Write(Path.Combine(directory, PolicyFile));
        var run = history.State.Definition;
        LearningCurves.WriteRun(Path.Combine(directory, LearningCurves.CurveFile),
            run is null ? "" : $"{run.EnvironmentId}, {run.EffectiveStrategy}, seed {run.Seed}", history.Generations);
    }

    private sealed class ProgressRowMap : ClassMap<ProgressRow>
    {
        public ProgressRowMap()
        {
            Map(r => r.Generation).Name("generation");
            Map(r => r.Timesteps).Name("timesteps");
            Map(r => r.MeanReturn).Name("mean_return");
            Map(r => r.MaxReturn).Name("max_return");
            Map(r => r.EvalReturn).Name("eval_return");
            Map(r => r.StepsPerSecond).Name("steps_per_second");
            Map(r => r.ElapsedSeconds).Name("elapsed_seconds");
            Map(r => r.TrainingTimesteps).Name("training_timesteps");
        }
    }
}
