namespace EsActors.Node.Protocol;

/// <summary>Marker for every message that may cross a node boundary; binds them to <c>EsSerializer</c>.</summary>
public interface IEsMessage;
