using System.Collections.Immutable;
using EsActors.Domain.Runs;

namespace EsActors.Node.Evaluation;

/// <summary>
/// The replicas' current states, one per run, readable by the node's evaluators without a message: a batch whose run,
/// generation and digest match is evaluated at once instead of after an AcquireState/StateReady round trip through the
/// replica (two actor hops that, at a generation's start, wait for a core the evaluators keep busy). Anything else
/// still goes through the replica, which fetches, replays or rejects.
/// </summary>
public sealed class ReplicaView
{
    public sealed record Snapshot(string RunId, RunState State, ulong Checksum);

    private ImmutableDictionary<string, Snapshot> _runs = ImmutableDictionary.Create<string, Snapshot>(StringComparer.Ordinal);
    private Snapshot? _current;

    /// <summary>The state published last, of whichever run.</summary>
    public Snapshot? Current => Volatile.Read(ref _current);

    /// <summary>The current state of one run's replica on this node.</summary>
    public Snapshot? For(string runId) => Volatile.Read(ref _runs).GetValueOrDefault(runId);

    internal void Publish(string runId, Snapshot? snapshot)
    {
        ImmutableInterlocked.Update(ref _runs, runs => snapshot is null ? runs.Remove(runId) : runs.SetItem(runId, snapshot));
        Volatile.Write(ref _current, snapshot);
    }

    /// <summary>The state a batch asks for, if it is its run's current one.</summary>
    public RunState? StateFor(string runId, int generation, ulong checksum) =>
        For(runId) is { } c && c.State.Generation == generation && c.Checksum == checksum ? c.State : null;
}
