using EsActors.Domain.Runs;

namespace EsActors.Node.Optimizer;

/// <summary>
/// The last few generation events kept in memory, so a replica that fell a little behind replays scalars instead
/// of fetching θ (replay-window).
/// </summary>
public sealed class RecentGenerations(int window)
{
    private readonly LinkedList<GenerationCompleted> _recent = new();

    public void Remember(IRunEvent e)
    {
        if (e is not GenerationCompleted g) return;
        _recent.AddLast(g);
        while (_recent.Count > window) _recent.RemoveFirst();
    }

    /// <summary>
    /// The events of generations [from, to) when all are still here and <paramref name="to"/> is not past
    /// <paramref name="current"/>; null otherwise (the replica then fetches the state).
    /// </summary>
    public GenerationCompleted[]? Range(int from, int to, int current)
    {
        var available = from <= to && to <= current && (from == to || _recent.Any(g => g.Generation == from));
        return available ? _recent.Where(g => g.Generation >= from && g.Generation < to).ToArray() : null;
    }
}
