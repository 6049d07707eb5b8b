using System.Globalization;
using CsvHelper;
using CsvHelper.Configuration;
using EsActors.Domain.Normalization;
using EsActors.Domain.Policies;
using EsActors.Domain.Runs;

namespace EsActors.Node.Outputs;

/// <summary>
/// One row of progress.csv. The first fourteen columns follow from the journal alone (<c>export</c> rebuilds them);
/// nodes, slots, reissued and backups only the live run knows, and a rebuilt row leaves them empty.
/// </summary>
/// <param name="Generation">Generations completed (1 for the first).</param>
/// <param name="Timesteps">All env steps so far (training and evaluation episodes).</param>
/// <param name="StepsPerSecond">This generation's env steps per wall second.</param>
/// <param name="ElapsedSeconds">Wall seconds of training since the run started (the generations' own times: time the run was stopped is not counted).</param>
/// <param name="TrainingTimesteps">Env steps of training episodes only, as the paper counts timesteps.</param>
/// <param name="Episodes">Training episodes so far.</param>
/// <param name="ThetaNorm">‖θ‖₂ after the generation's update.</param>
/// <param name="UpdateNorm">‖Δθ‖₂ of the generation's update.</param>
public sealed record ProgressRow(int Generation, long Timesteps, double MeanReturn, double MaxReturn, double EvalReturn, double StepsPerSecond, double ElapsedSeconds,
    long TrainingTimesteps, long Episodes, double StdReturn, double MinReturn, double MeanEpisodeLength, double ThetaNorm, double UpdateNorm,
    int? Nodes = null, int? Slots = null, int? Reissued = null, int? Backups = null)
{
    /// <param name="elapsedBefore">The previous row's <see cref="ElapsedSeconds"/> (0 for the first generation).</param>
    public static ProgressRow From(GenerationFigures f, double elapsedBefore) =>
        new(f.Generation + 1, f.Timesteps, f.MeanReturn, f.MaxReturn, f.EvaluationMean, f.StepsPerSecond, elapsedBefore + f.WallSeconds,
            f.TrainingTimesteps, f.Episodes, f.StdReturn, f.MinReturn, f.MeanEpisodeLength, f.ThetaNorm, f.UpdateNorm);
}

/// <summary>Writes a run's files: runs/&lt;run-id&gt;/progress.csv, policy.bin and curve.png.</summary>
public static class RunOutputs
{
    public const string ProgressFile = "progress.csv";
    public const string PolicyFile = "policy.bin";
    /// <summary>With keep-best-policy, policy.bin holds the best-evaluated θ and this file the last θ.</summary>
    public const string LastPolicyFile = "policy-last.bin";

    /// <summary>The rows <c>export</c> rebuilds: every journal-derived column, the live-only ones empty.</summary>
    public static IReadOnlyList<ProgressRow> Rows(IEnumerable<GenerationFigures> figures)
    {
        var rows = new List<ProgressRow>();
        double elapsed = 0;
        foreach (var f in figures)
        {
            var row = ProgressRow.From(f, elapsed);
            elapsed = row.ElapsedSeconds;
            rows.Add(row);
        }
        return rows;
    }

    public static void WriteProgress(string path, IEnumerable<ProgressRow> rows)
    {
        var temp = path + ".tmp";
        using (var writer = new StreamWriter(temp))
        {
            writer.Write(ProgressCsv.Header);
            foreach (var row in rows) writer.Write(ProgressCsv.Line(row));
        }
        File.Move(temp, path, overwrite: true);
    }

    /// <summary>The run's policy: its best-evaluated θ with keep-best-policy (once a generation completed), the moving
    /// average of θ with policy-averaging, else the last θ.</summary>
    public static PolicyFile Policy(RunState state) =>
        state.Best is { } best ? Policy(state.RequireDefinition(), best.Theta, best.ObservationStatistics)
        : Policy(state.RequireDefinition(), state.PolicyTheta, state.ObservationStatistics);

    /// <summary>The last θ with the observation statistics of the same generation.</summary>
    public static PolicyFile LastPolicy(RunState state) => Policy(state.RequireDefinition(), state.Theta, state.ObservationStatistics);

    private static PolicyFile Policy(RunDefinition run, float[] theta, ObservationStatistics statistics) =>
        new(run.EnvironmentId, run.Network, run.ActionBins, theta, run.ObservationNormalization, statistics.Mean(), statistics.Std(), run.BoxHead);

    /// <summary>Writes policy.bin (and policy-last.bin when the run keeps its best policy or averages θ) into the run's directory.</summary>
    public static void WritePolicies(string directory, RunState state)
    {
        Policy(state).Write(Path.Combine(directory, PolicyFile));
        if (state.RequireDefinition() is { KeepBestPolicy: true } or { AveragesPolicy: true }) LastPolicy(state).Write(Path.Combine(directory, LastPolicyFile));
    }

    public static string CurveTitle(RunDefinition? run) => run is null ? "" : $"{run.EnvironmentId}, {run.EffectiveStrategy}, seed {run.Seed}";

    /// <summary>Writes progress.csv, policy.bin and curve.png from a history rebuilt from the journal (the single source of truth).</summary>
    public static void WriteAll(string directory, RunHistory history)
    {
        Directory.CreateDirectory(directory);
        WriteProgress(Path.Combine(directory, ProgressFile), Rows(history.Figures));
        WritePolicies(directory, history.State);
        LearningCurves.WriteRun(Path.Combine(directory, LearningCurves.CurveFile), CurveTitle(history.State.Definition), history.Generations);
    }
}

/// <summary>progress.csv's text: one header, one line per row, each written whole (a line is never split across writes).</summary>
public static class ProgressCsv
{
    public static readonly string Header = Format(csv => { csv.WriteHeader<ProgressRow>(); csv.NextRecord(); });

    public static string Line(ProgressRow row) => Format(csv => { csv.WriteRecord(row); csv.NextRecord(); });

    /// <summary>A line written by <see cref="Line"/> read back; null when it is not one (torn, or another format).</summary>
    public static ProgressRow? Parse(string line)
    {
        var f = line.Split(',');
        if (f.Length != ColumnCount) return null;
        var c = CultureInfo.InvariantCulture;
        try
        {
            int? Optional(string s) => s.Length == 0 ? null : int.Parse(s, c);
            return new ProgressRow(int.Parse(f[0], c), long.Parse(f[1], c), double.Parse(f[2], c), double.Parse(f[3], c), double.Parse(f[4], c),
                double.Parse(f[5], c), double.Parse(f[6], c), long.Parse(f[7], c), long.Parse(f[8], c), double.Parse(f[9], c), double.Parse(f[10], c),
                double.Parse(f[11], c), double.Parse(f[12], c), double.Parse(f[13], c), Optional(f[14]), Optional(f[15]), Optional(f[16]), Optional(f[17]));
        }
        catch (FormatException) { return null; }
        catch (OverflowException) { return null; }
    }

    private const int ColumnCount = 18;

    private static string Format(Action<CsvWriter> write)
    {
        using var text = new StringWriter(CultureInfo.InvariantCulture) { NewLine = "\n" };
        using (var csv = new CsvWriter(text, new CsvConfiguration(CultureInfo.InvariantCulture) { NewLine = "\n" }))
        {
            csv.Context.RegisterClassMap<ProgressRowMap>();
            write(csv);
        }
        return text.ToString();
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
            Map(r => r.Episodes).Name("episodes");
            Map(r => r.StdReturn).Name("std_return");
            Map(r => r.MinReturn).Name("min_return");
            Map(r => r.MeanEpisodeLength).Name("mean_episode_length");
            Map(r => r.ThetaNorm).Name("theta_norm");
            Map(r => r.UpdateNorm).Name("update_norm");
            Map(r => r.Nodes).Name("nodes");
            Map(r => r.Slots).Name("slots");
            Map(r => r.Reissued).Name("reissued");
            Map(r => r.Backups).Name("backups");
        }
    }
}
