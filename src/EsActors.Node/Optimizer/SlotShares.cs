namespace EsActors.Node.Optimizer;

/// <summary>
/// How the cluster's evaluator slots are shared out among the runs it trains: a pure function of the slot ids and the
/// hosted runs, so every run's optimizer computes the same partition on its own and no slot serves two runs. Slots
/// are taken in id order (a node's slots are consecutive) and dealt by smooth weighted round-robin: with equal
/// weights run k gets slots k, k + n, k + 2n, ..., so every run gets about the same number of slots on every node.
/// A run alone gets every slot. Which slot evaluates a batch never changes its result, so shares decide speed only.
/// </summary>
public static class SlotShares
{
    /// <summary>The slots of <paramref name="runId"/> among <paramref name="slots"/> (any order) when <paramref name="runs"/> share them.</summary>
    /// <param name="runs">The hosted runs, in the order they were started, with their weights (&gt; 0; equal shares: all 1).</param>
    public static IReadOnlySet<string> Of(string runId, IEnumerable<string> slots, IReadOnlyList<(string RunId, double Weight)> runs)
    {
        var ordered = slots.Order(StringComparer.Ordinal).ToList();
        var index = -1;
        for (var i = 0; i < runs.Count; i++) if (runs[i].RunId == runId) { index = i; break; }
        if (index < 0) return new HashSet<string>(StringComparer.Ordinal); // not (or no longer) hosted: no slots
        if (runs.Count == 1) return new HashSet<string>(ordered, StringComparer.Ordinal);
        var total = runs.Sum(r => r.Weight);
        var current = new double[runs.Count];
        var mine = new HashSet<string>(StringComparer.Ordinal);
        foreach (var slot in ordered)
        {
            // Smooth weighted round-robin (as nginx balances upstreams): everyone gains its weight, the richest takes
            // the slot and pays the total; ties go to the run started first.
            var best = 0;
            for (var i = 0; i < runs.Count; i++)
            {
                current[i] += runs[i].Weight;
                if (current[i] > current[best]) best = i;
            }
            current[best] -= total;
            if (best == index) mine.Add(slot);
        }
        return mine;
    }

    /// <summary>Equal shares.</summary>
    public static IReadOnlySet<string> Of(string runId, IEnumerable<string> slots, IReadOnlyList<string> runs) =>
        Of(runId, slots, runs.Select(r => (r, 1.0)).ToList());
}
