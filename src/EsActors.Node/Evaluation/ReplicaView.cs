using EsActors.Domain.Runs;

namespace EsActors.Node.Evaluation;

/// <summary>
/// The replica's current state, readable by the node's evaluators without a message: a batch whose generation and
/// digest match is evaluated at once instead of after an AcquireState/StateReady round trip through the replica
/// (two actor hops that, at a generation's start, wait for a core the evaluators keep busy). Anything else still
/// goes through the replica, which fetches, replays or rejects.
/// </summary>
public sealed class ReplicaView
{
    public sealed record Snapshot(string RunId, RunState State, ulong Checksum);

    private Snapshot? _current;

    public Snapshot? Current => Volatile.Read(ref _current);

    internal void Publish(Snapshot? snapshot) => Volatile.Write(ref _current, snapshot);

    /// <summary>The state a batch asks for, if it is the current one.</summary>
    public RunState? StateFor(string runId, int generation, ulong checksum) =>
        Current is { } c && c.RunId == runId && c.State.Generation == generation && c.Checksum == checksum ? c.State : null;
}
