using System.Globalization;
using System.Net;
using System.Text;

namespace EsActors.Node.Operations;

/// <summary>
/// The dashboard page, rendered on the server: the learning curve as inline SVG, the members and the run's
/// settings as tables. No script and nothing from outside (a cluster's machines often reach no CDN); the page
/// reloads itself every few seconds.
/// </summary>
public static class DashboardPage
{
    private const int Width = 760, Height = 320, Left = 60, Right = 16, Top = 16, Bottom = 40;

    public static string Render(DashboardSnapshot s)
    {
        var html = new StringBuilder();
        html.Append($$"""
            <!DOCTYPE html>
            <html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="3">
            <title>EsActors · {{E(s.RunId)}}</title>
            <style>
            body { font-family: system-ui, sans-serif; margin: 20px; color: #222; }
            h1 { font-size: 20px; margin: 0 0 4px 0; } h2 { font-size: 15px; margin: 18px 0 6px 0; }
            .cols { display: flex; gap: 28px; flex-wrap: wrap; align-items: flex-start; }
            table { border-collapse: collapse; font-size: 13px; } td, th { padding: 3px 8px; border-bottom: 1px solid #ddd; text-align: left; }
            td.n { text-align: right; font-variant-numeric: tabular-nums; } .muted { color: #777; font-size: 13px; }
            svg text { font-size: 11px; fill: #444; } .eval { stroke: #1f77b4; } .mean { stroke: #ff7f0e; }
            </style></head><body>
            <h1>Run <span id="run-id">{{E(s.RunId)}}</span> <span class="muted" id="run-state">{{E(s.State)}}</span></h1>
            <div class="muted">{{s.Curve.Count}} generations · {{s.Slots}} slots · {{F(s.StepsPerSecond, "0")}} env steps/s · reissued <span id="reissued">{{s.Reissued}}</span> · backups {{s.Backups}}</div>
            """);
        html.Append("<h2>Learning curve</h2>").Append(Curve(s.Curve));
        html.Append("<div class=\"cols\"><div><h2>Cluster members</h2><table id=\"members\"><tr><th>node</th><th>status</th><th>slots</th><th>batches</th><th>env steps</th><th>steps/s per busy slot</th><th>reissued</th><th>backups</th></tr>");
        foreach (var m in s.Members)
            html.Append($"<tr class=\"member\"><td>{E(m.Node)}</td><td>{E(m.Status)}{(m.Reachable ? "" : " (unreachable)")}</td><td class=\"n\">{m.Slots}</td><td class=\"n\">{m.Batches}</td><td class=\"n\">{m.Steps}</td><td class=\"n\">{F(m.StepsPerBusySecond, "0")}</td><td class=\"n\">{m.Reissued}</td><td class=\"n\">{m.Backups}</td></tr>");
        html.Append("</table></div><div><h2>Settings</h2><table id=\"settings\">");
        foreach (var (key, value) in s.Settings) html.Append($"<tr><th>{E(key)}</th><td>{E(value)}</td></tr>");
        html.Append("</table></div></div><p class=\"muted\">Data: <a href=\"api/dashboard\">api/dashboard</a> (JSON)</p></body></html>");
        return html.ToString();
    }

    /// <summary>Eval (blue) and mean training return (orange) against training timesteps; one circle per generation's eval point.</summary>
    private static string Curve(IReadOnlyList<CurvePoint> points)
    {
        var svg = new StringBuilder($"<svg id=\"curve\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{Width}\" height=\"{Height}\" viewBox=\"0 0 {Width} {Height}\">");
        svg.Append($"<rect x=\"{Left}\" y=\"{Top}\" width=\"{Width - Left - Right}\" height=\"{Height - Top - Bottom}\" fill=\"#fafafa\" stroke=\"#ccc\"/>");
        var values = points.SelectMany(p => new[] { p.EvalReturn, p.MeanReturn }).Where(double.IsFinite).ToArray();
        if (points.Count == 0 || values.Length == 0)
            return svg.Append($"<text x=\"{Left + 10}\" y=\"{Top + 20}\">waiting for the first generation…</text></svg>").ToString();
        double x0 = points[0].TrainingTimesteps, x1 = Math.Max(points[^1].TrainingTimesteps, x0 + 1);
        double y0 = values.Min(), y1 = values.Max();
        if (y1 - y0 < 1e-9) { y0 -= 1; y1 += 1; }
        string X(double x) => F(Left + (x - x0) / (x1 - x0) * (Width - Left - Right), "0.#");
        string Y(double y) => F(Height - Bottom - (y - y0) / (y1 - y0) * (Height - Top - Bottom), "0.#");
        foreach (var (name, value) in new (string, Func<CurvePoint, double>)[] { ("mean", p => p.MeanReturn), ("eval", p => p.EvalReturn) })
        {
            var line = string.Join(' ', points.Where(p => double.IsFinite(value(p))).Select(p => $"{X(p.TrainingTimesteps)},{Y(value(p))}"));
            svg.Append($"<polyline class=\"{name}\" fill=\"none\" stroke-width=\"1.5\" points=\"{line}\"/>");
        }
        foreach (var p in points.Where(p => double.IsFinite(p.EvalReturn)))
            svg.Append($"<circle class=\"point eval\" data-generation=\"{p.Generation}\" cx=\"{X(p.TrainingTimesteps)}\" cy=\"{Y(p.EvalReturn)}\" r=\"2.5\" fill=\"#1f77b4\"/>");
        svg.Append($"<text x=\"{Left}\" y=\"{Height - 22}\">{F(x0, "0")}</text><text x=\"{Width - Right}\" y=\"{Height - 22}\" text-anchor=\"end\">{F(x1, "0")}</text>");
        svg.Append($"<text x=\"{Width - Right}\" y=\"{Height - 6}\" text-anchor=\"end\">training timesteps</text>");
        svg.Append($"<text x=\"{Left - 4}\" y=\"{Top + 10}\" text-anchor=\"end\">{F(y1, "0.#")}</text><text x=\"{Left - 4}\" y=\"{Height - Bottom}\" text-anchor=\"end\">{F(y0, "0.#")}</text>");
        svg.Append($"<text x=\"{Left}\" y=\"{Height - 6}\" fill=\"#1f77b4\">— eval (noiseless)</text><text x=\"{Left + 120}\" y=\"{Height - 6}\" fill=\"#ff7f0e\">— mean training return</text>");
        return svg.Append("</svg>").ToString();
    }

    private static string E(string s) => WebUtility.HtmlEncode(s);
    private static string F(double v, string format) => v.ToString(format, CultureInfo.InvariantCulture);
}
