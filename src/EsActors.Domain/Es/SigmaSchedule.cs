using EsActors.Domain.Policies;

namespace EsActors.Domain.Es;

/// <summary>
/// A σ per layer that changes over the run (the seed notes' Question 2: smaller noise for earlier layers so they
/// settle first, then less noise for the later ones). Layer l's parameters (its weights and biases) are perturbed with
/// σ · m_l(g), where m_l goes linearly from <see cref="Start"/>[l] to <see cref="End"/>[l] over the first
/// <see cref="Generations"/> generations and stays there. Plain float arithmetic: every node computes the same σs.
/// </summary>
/// <param name="Start">Multiplier of σ per weight layer (input → first hidden, …, last hidden → output) at generation 0.</param>
/// <param name="End">Multiplier per layer from generation <see cref="Generations"/> on.</param>
public sealed record SigmaSchedule(float[] Start, float[] End, int Generations)
{
    /// <summary>m_l(g) for every layer.</summary>
    public float[] Multipliers(int generation)
    {
        var progress = Generations <= 0 ? 1f : Math.Min(generation, Generations) / (float)Generations;
        var m = new float[Start.Length];
        for (var l = 0; l < m.Length; l++) m[l] = Start[l] + (End[l] - Start[l]) * progress;
        return m;
    }

    /// <summary>The multiplier of every parameter of <paramref name="network"/> at <paramref name="generation"/>, in θ's layout.</summary>
    public float[] PerParameter(NetworkShape network, int generation)
    {
        var m = Multipliers(generation);
        var scales = new float[network.ParameterCount];
        int offset = 0, previous = network.Inputs, layer = 0;
        foreach (var width in network.LayerWidths())
        {
            var count = width * previous + width;
            scales.AsSpan(offset, count).Fill(m[layer]);
            offset += count; previous = width; layer++;
        }
        return scales;
    }

    public void Validate(NetworkShape network)
    {
        var layers = network.Hidden.Count + 1;
        if (Start.Length != layers || End.Length != layers)
            throw new ArgumentException($"sigma-schedule needs one multiplier per weight layer ({layers} for {network}), got {Start.Length} start and {End.Length} end values");
        if (Start.Concat(End).Any(v => !(v > 0 && float.IsFinite(v)))) throw new ArgumentException("sigma-schedule multipliers must be positive numbers");
        if (Generations < 0) throw new ArgumentException($"sigma-schedule generations must be ≥ 0, got {Generations}");
    }

    public bool Equals(SigmaSchedule? other) =>
        other is not null && Start.AsSpan().SequenceEqual(other.Start) && End.AsSpan().SequenceEqual(other.End) && Generations == other.Generations;

    public override int GetHashCode() => HashCode.Combine(Start.Length, Generations);

    public override string ToString() => $"σ per layer [{string.Join(", ", Start)}] → [{string.Join(", ", End)}] over {Generations} generations";
}
