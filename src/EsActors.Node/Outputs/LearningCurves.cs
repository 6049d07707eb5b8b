using EsActors.Domain.Runs;
using EsActors.Node.Sweeps;
using ScottPlot;

namespace EsActors.Node.Outputs;

/// <summary>
/// Learning-curve pictures (ScottPlot): a run's <c>curve.png</c> — noiseless evaluation and mean training return
/// against training timesteps (the paper's count) — and a sweep's overlay of its seeds: the median evaluation
/// return and the min–max band over seeds.
/// </summary>
public static class LearningCurves
{
    public const string CurveFile = "curve.png";
    private const int Width = 900, Height = 520;

    /// <summary>Training timesteps after each generation, and its evaluation and mean training returns.</summary>
    public static (double[] Timesteps, double[] Evaluation, double[] Training) Series(IReadOnlyList<GenerationCompleted> generations)
    {
        var timesteps = new double[generations.Count];
        long total = 0;
        for (var i = 0; i < generations.Count; i++) timesteps[i] = total += generations[i].TrainingTimesteps;
        return (timesteps, generations.Select(g => g.MeanEvaluationReturn).ToArray(), generations.Select(g => g.MeanTrainingReturn).ToArray());
    }

    public static void WriteRun(string path, string title, IReadOnlyList<GenerationCompleted> generations)
    {
        var (timesteps, evaluation, training) = Series(generations);
        WriteRun(path, title, timesteps, evaluation, training);
    }

    /// <summary>The same picture from progress rows (what a live run has).</summary>
    public static void WriteRun(string path, string title, IReadOnlyList<ProgressRow> rows) =>
        WriteRun(path, title, rows.Select(r => (double)r.TrainingTimesteps).ToArray(), rows.Select(r => r.EvalReturn).ToArray(), rows.Select(r => r.MeanReturn).ToArray());

    private static void WriteRun(string path, string title, double[] timesteps, double[] evaluation, double[] training)
    {
        var plot = new Plot();
        if (timesteps.Length > 0)
        {
            var train = plot.Add.ScatterLine(timesteps, training);
            train.LegendText = "mean training return (perturbed policies)";
            var eval = plot.Add.ScatterLine(timesteps, evaluation);
            eval.LegendText = "evaluation return (noiseless θ)";
            eval.LineWidth = 2;
        }
        Finish(plot, title, path);
    }

    /// <summary>The median of the seeds' evaluation returns and its min–max band on a common timestep grid.</summary>
    public static void WriteSweep(string path, string title, IReadOnlyList<IReadOnlyList<GenerationCompleted>> seeds)
    {
        var grid = Grid(seeds.Select(s => Series(s)).ToArray(), points: 300);
        var plot = new Plot();
        if (grid.Timesteps.Length > 0)
        {
            var band = plot.Add.FillY(grid.Timesteps, grid.Max, grid.Min);
            band.LegendText = $"min–max over {seeds.Count} seeds";
            band.FillColor = Colors.SteelBlue.WithAlpha(0.3);
            var median = plot.Add.ScatterLine(grid.Timesteps, grid.Median);
            median.LegendText = "median evaluation return";
            median.LineWidth = 2;
            median.Color = Colors.SteelBlue;
        }
        Finish(plot, title, path);
    }

    /// <summary>
    /// Each seed's last evaluation at or before every grid point (a seed that stopped keeps its last value); grid
    /// points before every seed's first generation are left out.
    /// </summary>
    public static (double[] Timesteps, double[] Median, double[] Min, double[] Max) Grid(
        IReadOnlyList<(double[] Timesteps, double[] Evaluation, double[] Training)> seeds, int points)
    {
        var end = seeds.Where(s => s.Timesteps.Length > 0).Select(s => s.Timesteps[^1]).DefaultIfEmpty(0).Max();
        var start = seeds.Where(s => s.Timesteps.Length > 0).Select(s => s.Timesteps[0]).DefaultIfEmpty(0).Max();
        var t = new List<double>(); var median = new List<double>(); var min = new List<double>(); var max = new List<double>();
        if (end <= 0 || seeds.Any(s => s.Timesteps.Length == 0)) return ([], [], [], []);
        for (var k = 0; k <= points; k++)
        {
            var x = start + (end - start) * k / points;
            var summary = SweepReport.Summary(seeds.Select(s => s.Evaluation[Math.Max(0, UpperIndex(s.Timesteps, x))]))!.Value;
            t.Add(x);
            median.Add(summary.Median);
            min.Add(summary.Min);
            max.Add(summary.Max);
        }
        return (t.ToArray(), median.ToArray(), min.ToArray(), max.ToArray());
    }

    /// <summary>Index of the last element ≤ x (−1 when none).</summary>
    private static int UpperIndex(double[] sorted, double x)
    {
        var i = Array.BinarySearch(sorted, x);
        return i >= 0 ? i : ~i - 1;
    }

    private static void Finish(Plot plot, string title, string path)
    {
        plot.Title(title);
        plot.XLabel("training timesteps");
        plot.YLabel("return");
        plot.ShowLegend(Alignment.LowerRight);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        var temp = path + ".tmp.png";
        plot.SavePng(temp, Width, Height);
        File.Move(temp, path, overwrite: true);
    }
}
