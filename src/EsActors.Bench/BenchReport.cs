using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;

namespace EsActors.Bench;

/// <summary>A Markdown table with aligned columns.</summary>
public sealed class BenchTable(params string[] columns)
{
    private readonly List<string[]> _rows = new();

    public IReadOnlyList<string> Columns { get; } = columns;
    public IReadOnlyList<string[]> Rows => _rows;

    public BenchTable Add(params object?[] cells)
    {
        if (cells.Length != Columns.Count) throw new ArgumentException($"row has {cells.Length} cells, the table {Columns.Count} columns");
        _rows.Add(cells.Select(c => c switch
        {
            null => "",
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            _ => c.ToString() ?? "",
        }).ToArray());
        return this;
    }

    public string ToMarkdown()
    {
        var widths = Columns.Select((c, i) => Math.Max(3, _rows.Select(r => r[i].Length).Append(c.Length).Max())).ToArray();
        var sb = new StringBuilder();
        void Line(IReadOnlyList<string> cells) =>
            sb.Append("| ").Append(string.Join(" | ", cells.Select((c, i) => c.PadRight(widths[i])))).Append(" |\n");
        Line(Columns);
        sb.Append("| ").Append(string.Join(" | ", widths.Select(w => new string('-', w)))).Append(" |\n");
        foreach (var row in _rows) Line(row);
        return sb.ToString();
    }
}

/// <summary>The bench's output: sections printed as they are measured and kept for <c>--out</c>.</summary>
public sealed class BenchReport(TextWriter console)
{
    private readonly StringBuilder _all = new();

    public void Write(string text)
    {
        console.Write(text);
        console.Flush();
        _all.Append(text);
    }

    public void Section(string title, BenchTable table, params string[] notes)
    {
        var sb = new StringBuilder();
        sb.Append("\n## ").Append(title).Append("\n\n");
        foreach (var note in notes) sb.Append(note).Append("\n\n");
        sb.Append(table.ToMarkdown());
        Write(sb.ToString());
    }

    public string Markdown => _all.ToString();

    public static string MachineDescription()
    {
        var cpu = "";
        try
        {
            if (File.Exists("/proc/cpuinfo"))
                cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "";
        }
        catch (IOException) { }
        return string.Create(CultureInfo.InvariantCulture,
            $"machine: {Environment.ProcessorCount} logical cores{(cpu.Length > 0 ? $" ({cpu})" : "")}, {RuntimeInformation.OSDescription} {RuntimeInformation.OSArchitecture}, {RuntimeInformation.FrameworkDescription}, {GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / (1L << 20)} MiB available to the GC");
    }
}

/// <summary>Small statistics helpers (medians of repeated measurements).</summary>
public static class BenchStats
{
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0) return double.NaN;
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[sorted.Length / 2 - 1] + sorted[sorted.Length / 2]) / 2;
    }

    public static double Percentile(IEnumerable<double> values, double p)
    {
        var sorted = values.Order().ToArray();
        if (sorted.Length == 0) return double.NaN;
        return sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Length) - 1, 0, sorted.Length - 1)];
    }

    public static string Si(double value, string unit = "")
    {
        if (double.IsNaN(value)) return "n/a";
        var a = Math.Abs(value);
        var (scaled, prefix) = a >= 1e9 ? (value / 1e9, "G") : a >= 1e6 ? (value / 1e6, "M") : a >= 1e4 ? (value / 1e3, "k") : (value, "");
        return string.Create(CultureInfo.InvariantCulture, $"{scaled:0.##} {prefix}{unit}").TrimEnd();
    }

    public static string Bytes(long bytes) =>
        bytes >= 10L << 20 ? string.Create(CultureInfo.InvariantCulture, $"{bytes / 1048576.0:0.0} MiB")
        : bytes >= 10L << 10 ? string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:0.0} KiB")
        : string.Create(CultureInfo.InvariantCulture, $"{bytes} B");
}
