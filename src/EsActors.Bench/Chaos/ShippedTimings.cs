using Akka.Configuration;
using EsActors.Node.Configuration;

namespace EsActors.Bench.Chaos;

/// <summary>
/// The cluster timings the nodes run with (the shipped hocon/cluster.conf), for the harnesses' bounds and pacing: a
/// bound or a pause between faults written down separately would go stale when the shipped file changes.
/// </summary>
internal static class ShippedTimings
{
    private static readonly Config Cluster = ConfigurationFactory.ParseString(File.ReadAllText(Path.Combine(NodeConfig.HoconDirectory, "cluster.conf")));

    private static double Seconds(string path) => Cluster.GetTimeSpan("akka.cluster." + path).TotalSeconds;

    public static double AcceptableHeartbeatPause => Seconds("failure-detector.acceptable-heartbeat-pause");
    public static double HeartbeatInterval => Seconds("failure-detector.heartbeat-interval");
    public static double StableAfter => Seconds("split-brain-resolver.stable-after");
    public static double LeaderActionsInterval => Seconds("leader-actions-interval");

    /// <summary>
    /// From a node's death to its removal, with the failure detector's pause given: detection (pause + one heartbeat
    /// interval + ~1 s for the φ threshold), the Split Brain Resolver's decision (stable-after) and the leader's
    /// removal (two leader-action ticks). Until then the dead node still counts as a member for keep-majority.
    /// </summary>
    public static double RemovalSeconds(double acceptableHeartbeatPause) =>
        acceptableHeartbeatPause + HeartbeatInterval + 1 + StableAfter + 2 * LeaderActionsInterval;
}
