using EsActors.Environments.ClassicControl;

namespace EsActors.Environments;

/// <summary>Looks environments up by their Gymnasium id. Each family contributes its entries here.</summary>
public static class EnvironmentRegistry
{
    private sealed record Entry(EnvironmentSpec Spec, Func<IEnvironment> Create);

    private static readonly Dictionary<string, Entry> Entries = Build();

    private static Dictionary<string, Entry> Build()
    {
        var entries = new Dictionary<string, Entry>(StringComparer.Ordinal);
        void Add(EnvironmentSpec spec, Func<IEnvironment> create) => entries.Add(spec.Id, new Entry(spec, create));

        Add(CartPole.SpecV1, () => new CartPole());
        Add(Pendulum.SpecV1, () => new Pendulum());
        Add(Acrobot.SpecV1, () => new Acrobot());
        Add(MountainCarContinuous.SpecV0, () => new MountainCarContinuous());
        Add(MuJoCo.Hopper.SpecV4, () => new MuJoCo.Hopper());
        Add(MuJoCo.Walker2d.SpecV4, () => new MuJoCo.Walker2d());
        Add(MuJoCo.HalfCheetah.SpecV4, () => new MuJoCo.HalfCheetah());
        Add(MuJoCo.Swimmer.SpecV4, () => new MuJoCo.Swimmer());
        Add(MuJoCo.Ant.SpecV4, () => new MuJoCo.Ant());
        Add(MuJoCo.Humanoid.SpecV4, () => new MuJoCo.Humanoid());
        return entries;
    }

    public static IReadOnlyCollection<string> Ids => Entries.Keys;

    public static bool IsKnown(string id) => Entries.ContainsKey(id);

    /// <exception cref="UnknownEnvironmentException">The id is not registered.</exception>
    public static EnvironmentSpec GetSpec(string id) => Lookup(id).Spec;

    /// <exception cref="UnknownEnvironmentException">The id is not registered.</exception>
    public static IEnvironment Create(string id) => Lookup(id).Create();

    private static Entry Lookup(string id) =>
        Entries.TryGetValue(id, out var entry) ? entry : throw new UnknownEnvironmentException(id, Ids);
}

public sealed class UnknownEnvironmentException(string id, IEnumerable<string> known)
    : Exception($"unknown environment id '{id}'; known ids: {string.Join(", ", known.Order(StringComparer.Ordinal))}")
{
    public string Id { get; } = id;
}
