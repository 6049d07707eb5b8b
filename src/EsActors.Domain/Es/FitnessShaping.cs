namespace EsActors.Domain.Es;

/// <summary>Rank-based fitness shaping (Wierstra et al. 2014; Salimans et al. 2017 §2.2).</summary>
public static class FitnessShaping
{
    /// <summary>
    /// Centered ranks: rank / (m − 1) − 0.5, so the worst return maps to −0.5 and the best to +0.5.
    /// Ties are broken by position, which keeps the result a pure function of the input order.
    /// </summary>
    public static void CenteredRanks(ReadOnlySpan<double> returns, Span<float> shaped)
    {
        var m = returns.Length;
        if (shaped.Length != m) throw new ArgumentException("output length must equal the number of returns", nameof(shaped));
        if (m == 0) return;
        if (m == 1) { shaped[0] = 0f; return; }
        var order = new int[m];
        for (var i = 0; i < m; i++) order[i] = i;
        var values = returns.ToArray();
        Array.Sort(order, (a, b) =>
        {
            var c = values[a].CompareTo(values[b]);
            return c != 0 ? c : a.CompareTo(b);
        });
        for (var rank = 0; rank < m; rank++)
            shaped[order[rank]] = (float)((double)rank / (m - 1) - 0.5);
    }
}
