using System.Globalization;
using Akka.Configuration;
using Akka.Configuration.Hocon;
using Serilog;

namespace EsActors.Node.Configuration;

/// <summary>
/// The keys of <c>esactors.run</c> and the kind of value each takes. Checked before the run is built, so a wrong
/// type names its key and what it expects (Akka's getters say only "input string was not in a correct format"),
/// and an unknown key, usually a typo, is reported as a warning with the nearest known key.
/// </summary>
public static class RunKeys
{
    private const string Integer = "an integer", Number = "a finite number", NumberOrNone = "a finite number or none", Boolean = "on or off", Text = "a word",
        Integers = "a list of integers", Block = "a { } block";

    private static readonly Dictionary<string, string> Kinds = new(StringComparer.Ordinal)
    {
        ["generations"] = Integer, ["timesteps"] = Integer, ["target-return"] = NumberOrNone, ["population"] = Integer, ["sigma"] = Number,
        ["learning-rate"] = Number, ["optimizer"] = Text, ["momentum"] = Number, ["weight-decay"] = Number, ["hidden"] = Integers,
        ["activation"] = Text, ["noise-seed"] = Integer, ["noise-table-size"] = Integer, ["observation-normalization"] = Boolean,
        ["observation-statistics-probability"] = Number, ["evaluation-episodes"] = Integer, ["action-noise"] = Number,
        ["action-bins"] = Integer, ["episode-cap-factor"] = Number, ["snapshot-every"] = Integer, ["strategy"] = Text,
        ["top-directions"] = Integer, ["reward-shift"] = Number, ["sigma-learning-rate"] = Number, ["sigma-schedule"] = Block,
        ["learning-rate-schedule"] = Block, ["keep-best-policy"] = Boolean, ["action-head"] = Text,
        ["policy-averaging"] = Number,
    };

    /// <summary>Throws a <see cref="UserError"/> for a value of the wrong kind; warns about unknown keys.</summary>
    public static void Check(Config run)
    {
        if (run.Root is not { } root || !root.IsObject()) return;
        foreach (var (key, value) in root.GetObject().Items)
        {
            if (!Kinds.TryGetValue(key, out var kind))
            {
                var nearest = Kinds.Keys.MinBy(k => Distance(k, key))!;
                Log.Warning("Unknown setting esactors.run.{Key} is ignored{Hint}", key, Distance(nearest, key) <= 3 ? $" (did you mean {nearest}?)" : "");
                continue;
            }
            if (!Fits(value, kind)) throw new UserError($"esactors.run.{key} must be {kind}, got {Show(value)}");
        }
    }

    private static bool Fits(HoconValue value, string kind)
    {
        if (kind == Block) return value.IsObject();
        if (kind == Integers) return IsIntegerList(value);
        if (!value.IsString()) return false;
        var text = value.GetString();
        return kind switch
        {
            Integer => long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out _),
            Number => IsFiniteNumber(text),
            NumberOrNone => text == NoTarget || IsFiniteNumber(text),
            Boolean => text is "on" or "off" or "true" or "false" or "yes" or "no",
            _ => text.Length > 0,
        };
    }

    /// <summary><c>target-return = none</c>: the run goes to its budget, even on a task with a Gymnasium threshold.</summary>
    public const string NoTarget = "none";

    private static bool IsFiniteNumber(string text) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d);

    /// <summary>
    /// A list of integers. Akka's parser keeps the blanks around a list inside a one-line block (<c>{ hidden = [ ] }</c>)
    /// as pieces of the value, and does not call an empty list an array: blank pieces are skipped.
    /// </summary>
    private static bool IsIntegerList(HoconValue value) => IntegerList(value) is not null;

    /// <summary>The integers of a list value (see <see cref="IsIntegerList"/>), or null when it is not a list of integers.</summary>
    public static long[]? IntegerList(HoconValue value)
    {
        var parts = value.Values.Where(v => !IsBlank(v)).ToList();
        if (parts.Count == 0 || !parts.All(v => v is HoconArray)) return null;
        var items = new List<long>();
        foreach (var item in parts.SelectMany(v => ((HoconArray)v).GetArray()).Where(v => !v.Values.All(IsBlank)))
        {
            if (!item.IsString() || !long.TryParse(item.GetString(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var n)) return null;
            items.Add(n);
        }
        return items.ToArray();
    }

    private static bool IsBlank(IHoconElement element) => element is HoconLiteral literal && string.IsNullOrWhiteSpace(literal.Value);

    private static string Show(HoconValue value) =>
        value.IsObject() ? "a { } block"
        : value.IsArray() ? $"[{string.Join(", ", value.GetArray().Select(v => v.IsString() ? v.GetString() : v.IsObject() ? "{ }" : "[ ]"))}]"
        : $"'{value.GetString()}'";

    /// <summary>Levenshtein distance, for the "did you mean" hint.</summary>
    private static int Distance(string a, string b)
    {
        var previous = Enumerable.Range(0, b.Length + 1).ToArray();
        for (var i = 1; i <= a.Length; i++)
        {
            var current = new int[b.Length + 1];
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            previous = current;
        }
        return previous[b.Length];
    }
}
