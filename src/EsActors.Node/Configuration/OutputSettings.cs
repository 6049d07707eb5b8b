using Akka.Configuration;

namespace EsActors.Node.Configuration;

/// <summary>How often a live run refreshes its files (<c>esactors.outputs</c>); progress.csv gets every generation.</summary>
/// <param name="PolicyEvery">policy.bin every this many generations (and at any stop).</param>
/// <param name="CurveInterval">curve.png at most this often (and at any stop): drawing it takes a core for a moment.</param>
public sealed record OutputSettings(int PolicyEvery, TimeSpan CurveInterval)
{
    public const string Section = "esactors.outputs";

    public static OutputSettings From(Config config)
    {
        var c = config.GetConfig(Section);
        var settings = new OutputSettings(c?.GetInt("policy-every", 10) ?? 10, c?.GetTimeSpan("curve-interval", TimeSpan.FromSeconds(10)) ?? TimeSpan.FromSeconds(10));
        if (settings.PolicyEvery < 1) throw new UserError($"{Section}.policy-every must be at least 1, got {settings.PolicyEvery}");
        if (settings.CurveInterval < TimeSpan.Zero) throw new UserError($"{Section}.curve-interval must not be negative");
        return settings;
    }
}
