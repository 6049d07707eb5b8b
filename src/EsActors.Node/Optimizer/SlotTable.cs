using Akka.Actor;
using EsActors.Node.Clustering;

namespace EsActors.Node.Optimizer;

/// <summary>
/// The optimizer's view of where work can go, kept out of the actor so it is tested without an actor system: the
/// evaluator slots of every Up node and the batches each holds, the nodes' addresses and replicas, and the entity
/// references learnt from answers. <typeparamref name="TRef"/> is an actor reference (a string in tests).
/// </summary>
/// <remarks>
/// A slot holds up to batches-in-flight-per-slot batches, so its next batch already waits in its mailbox when it
/// finishes one. Only the answer to an assignment frees its place: a late answer to an older batch must not make a
/// busy slot look free. Slots are kept in id order, so dispatch visits them in the same order on every run.
/// </remarks>
public sealed class SlotTable<TRef> where TRef : class
{
    private sealed class NodeEntry(Address address) { public Address Address { get; } = address; public TRef? Replica; }

    private readonly SortedDictionary<string, List<long>> _held = new(StringComparer.Ordinal);
    private readonly SortedDictionary<string, NodeEntry> _nodes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TRef> _entities = new(StringComparer.Ordinal);
    private readonly HashSet<string> _unreachable = new(StringComparer.Ordinal);
    private readonly HashSet<string> _refused = new(StringComparer.Ordinal);
    private readonly HashSet<string> _excluded = new(StringComparer.Ordinal);
    private readonly HashSet<string> _placementChecked = new(StringComparer.Ordinal);

    public int Count => _held.Count;
    public IReadOnlyCollection<string> Evaluators => _held.Keys;
    public bool Contains(string evaluator) => _held.ContainsKey(evaluator);

    /// <summary>Nodes with slots, in id order: where the generation's broadcast goes.</summary>
    public IEnumerable<(string Node, Address Address, TRef? Replica)> Nodes => _nodes.Select(kv => (kv.Key, kv.Value.Address, kv.Value.Replica));

    public bool IsUnreachable(string node) => _unreachable.Contains(node);

    /// <summary>A node excluded from the run (it returned non-finite results): it never gets slots again.</summary>
    public bool IsExcluded(string node) => _excluded.Contains(node);

    public void Exclude(string node) => _excluded.Add(node);

    /// <summary>Records that a node is refused (incompatible); true the first time, so it is logged once.</summary>
    public bool Refuse(string node) => _refused.Add(node);

    /// <summary>Adds a node's slots (ids from <paramref name="slotIds"/>); returns how many are new and whether the node is.</summary>
    public (int AddedSlots, bool NewNode) AddNode(string node, Address address, IEnumerable<string> slotIds)
    {
        var newNode = _nodes.TryAdd(node, new NodeEntry(address));
        var added = slotIds.Count(id => _held.TryAdd(id, new List<long>()));
        return (added, newNode);
    }

    /// <summary>A replica reference resolved for a node that is still here.</summary>
    public void SetReplica(string node, TRef replica)
    {
        if (_nodes.TryGetValue(node, out var entry)) entry.Replica = replica;
    }

    /// <summary>
    /// Removes a node (unreachable, or removed from the cluster) with its slots. Returns the lost slots and the entity
    /// references that were known for them (to stop watching).
    /// </summary>
    public (IReadOnlyList<string> LostSlots, IReadOnlyList<TRef> Entities) RemoveNode(string node, bool unreachable)
    {
        if (unreachable) _unreachable.Add(node); else _unreachable.Remove(node);
        _nodes.Remove(node);
        var lost = _held.Keys.Where(id => EvaluatorIds.Node(id) == node).ToList();
        var entities = new List<TRef>();
        foreach (var id in lost)
        {
            _held.Remove(id);
            if (_entities.Remove(id, out var entity)) entities.Add(entity);
        }
        return (lost, entities);
    }

    public void MarkReachable(string node) => _unreachable.Remove(node);

    /// <summary>How many batches each slot holds, in slot order (the input of the dispatch rule).</summary>
    public IReadOnlyList<(string Evaluator, int Held)> Occupancy() => _held.Select(kv => (kv.Key, kv.Value.Count)).ToList();

    /// <summary>Slots per node, for the per-node figures.</summary>
    public IReadOnlyDictionary<string, int> SlotsPerNode() =>
        _held.Keys.GroupBy(EvaluatorIds.Node).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);

    public void Hold(string evaluator, int generation, int attempt)
    {
        if (_held.TryGetValue(evaluator, out var held)) held.Add(Key(generation, attempt));
    }

    /// <summary>Frees the place of one assignment on a slot.</summary>
    public void Free(string evaluator, int generation, int attempt)
    {
        if (_held.TryGetValue(evaluator, out var held)) held.Remove(Key(generation, attempt));
    }

    /// <summary>Frees every place of a slot (its entity stopped, or it refused a batch without saying which attempt).</summary>
    public void FreeAll(string evaluator)
    {
        if (_held.TryGetValue(evaluator, out var held)) held.Clear();
    }

    /// <summary>Remembers the entity that answered for a live slot; true when it is new (the caller watches it).</summary>
    public bool LearnEntity(string evaluator, TRef entity) => _held.ContainsKey(evaluator) && _entities.TryAdd(evaluator, entity);

    public TRef? EntityOf(string evaluator) => _entities.GetValueOrDefault(evaluator);

    /// <summary>Forgets a stopped entity; returns the slots it served.</summary>
    public IReadOnlyList<string> ForgetEntity(TRef entity)
    {
        var gone = _entities.Where(kv => kv.Value.Equals(entity)).Select(kv => kv.Key).ToList();
        foreach (var evaluator in gone) _entities.Remove(evaluator);
        return gone;
    }

    /// <summary>
    /// On a slot's first answer only (shards are never rebalanced, so the address is not parsed for every result):
    /// whether it was evaluated on another node than its id names.
    /// </summary>
    public bool FirstAnswerIsMisplaced(string evaluator, string nodeAddress) =>
        _placementChecked.Add(evaluator) && ActorPath.TryParseAddress(nodeAddress, out var address)
        && $"{address.Host}:{address.Port}" != EvaluatorIds.HostPort(evaluator);

    private static long Key(int generation, int attempt) => ((long)generation << 32) | (uint)attempt;
}
