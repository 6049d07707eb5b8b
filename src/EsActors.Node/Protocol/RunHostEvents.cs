namespace EsActors.Node.Protocol;

/// <summary>
/// Persisted by the run host (the cluster singleton) of builds before several runs could share a cluster: this run is
/// the one the cluster trains, and no other (a switch). Still read from old journals; new hosts write
/// <see cref="RunHosted"/> instead.
/// </summary>
public sealed record RunActivated(string RunId) : IEsMessage;

/// <summary>Persisted by the run host: this run is trained too, beside the runs already hosted (none of them stops).</summary>
public sealed record RunHosted(string RunId) : IEsMessage;

/// <summary>
/// Persisted by the run host: this run is no longer hosted, because it finished (<paramref name="Finished"/>) or its
/// <c>train</c> asked it to stop. A new host (after a handover) restarts only the runs still hosted.
/// </summary>
public sealed record RunRetired(string RunId, bool Finished) : IEsMessage;
