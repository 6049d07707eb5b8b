using EsActors.Node.Protocol;

namespace EsActors.Node.Optimizer;

/// <summary>
/// Per-node work figures since the optimizer started: batches, env steps, busy seconds, batches taken back and
/// backup copies given. Plain book-keeping for status and progress; nothing in it changes what is computed.
/// </summary>
public sealed class NodeLedger
{
    private sealed class Counters { public long Batches, Steps; public double Seconds; public int Reissued, Backups; }

    private readonly SortedDictionary<string, Counters> _nodes = new(StringComparer.Ordinal);

    private Counters Of(string node)
    {
        if (!_nodes.TryGetValue(node, out var counters)) _nodes[node] = counters = new Counters();
        return counters;
    }

    public void CountBatch(string node, long steps, double seconds)
    {
        var c = Of(node);
        c.Batches++;
        c.Steps += steps;
        c.Seconds += seconds;
    }

    public void CountReissue(string node) => Of(node).Reissued++;

    public void CountBackup(string node) => Of(node).Backups++;

    /// <summary>Every node that has slots now or did work before, in node order.</summary>
    public NodeWork[] Figures(IReadOnlyDictionary<string, int> slotsPerNode) =>
        slotsPerNode.Keys.Union(_nodes.Keys).Order(StringComparer.Ordinal).Select(n =>
        {
            var c = _nodes.GetValueOrDefault(n) ?? new Counters();
            return new NodeWork(n, slotsPerNode.GetValueOrDefault(n), c.Batches, c.Steps, c.Seconds, c.Reissued, c.Backups);
        }).ToArray();
}
