using System.Globalization;
using EsActors.Environments;
using EsActors.Node.Configuration;

namespace EsActors.Node.Cli;

/// <summary><c>envs</c>: every environment id with its observation and action sizes and the return a run stops at by default.</summary>
public static class EnvsCommand
{
    public static int Run()
    {
        var rows = EnvironmentRegistry.Ids.Order(StringComparer.Ordinal).Select(Describe).ToList();
        string[] header = ["id", "observation", "action", "max steps", "threshold"];
        var widths = header.Select((h, i) => Math.Max(h.Length, rows.Max(r => r[i].Length))).ToArray();
        Console.WriteLine(Line(header, widths));
        foreach (var row in rows) Console.WriteLine(Line(row, widths));
        return 0;
    }

    /// <summary>One row; the threshold is the target a run stops at by default (preset, else Gymnasium's), "none" without one.</summary>
    public static string[] Describe(string id)
    {
        var spec = EnvironmentRegistry.GetSpec(id);
        var action = spec.Action.IsDiscrete
            ? $"discrete {spec.Action.Count}"
            : string.Create(CultureInfo.InvariantCulture, $"box {spec.Action.Size} [{spec.Action.Low.Min():0.###}, {spec.Action.High.Max():0.###}]");
        var target = RunSettings.DefaultTargetReturn(NodeConfig.RunSettings(id, null).GetConfig("esactors.run"), spec);
        return
        [
            id, spec.ObservationSize.ToString(CultureInfo.InvariantCulture), action, spec.MaxEpisodeSteps.ToString(CultureInfo.InvariantCulture),
            target is { } t ? t.ToString("0.###", CultureInfo.InvariantCulture) : "none",
        ];
    }

    private static string Line(IReadOnlyList<string> cells, int[] widths) =>
        string.Join("  ", cells.Select((c, i) => c.PadRight(widths[i]))).TrimEnd();
}
