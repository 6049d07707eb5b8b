namespace EsActors.Node.Clustering;

/// <summary>
/// What a node advertises in its cluster roles: how many evaluator slots it offers, and whether it has the journal
/// (only such nodes may host the optimizer singleton). Compatibility roles are in <see cref="Compatibility"/>.
/// </summary>
public static class NodeRoles
{
    public const string SlotsPrefix = "slots-";

    /// <summary>Role of nodes that have the journal and may host the optimizer singleton.</summary>
    public const string Journal = "journal";

    public static string Slots(int slots) => SlotsPrefix + slots;

    /// <summary>The slot count a node advertises (the first slots role), or null when it offers none.</summary>
    public static int? SlotsOf(IEnumerable<string> roles)
    {
        foreach (var role in roles)
            if (role.StartsWith(SlotsPrefix, StringComparison.Ordinal) && int.TryParse(role.AsSpan(SlotsPrefix.Length), out var slots)) return slots;
        return null;
    }
}
