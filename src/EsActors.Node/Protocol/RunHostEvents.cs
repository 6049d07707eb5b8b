namespace EsActors.Node.Protocol;

/// <summary>Persisted by the run host (the cluster singleton): this run is the one the cluster trains.</summary>
public sealed record RunActivated(string RunId) : IEsMessage;
