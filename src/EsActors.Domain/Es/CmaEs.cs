using System.IO.Hashing;
using System.Runtime.InteropServices;

namespace EsActors.Domain.Es;

/// <summary>
/// CMA-ES's constants for n parameters and λ candidates: Hansen, "The CMA Evolution Strategy: A Tutorial" (2016),
/// the defaults, with μ = λ/2 log-weighted parents.
/// </summary>
public sealed record CmaConstants(int Dimension, int Lambda, double[] Weights, double MuEff, double CSigma, double DSigma,
    double Cc, double C1, double CMu, double ChiN)
{
    public static CmaConstants For(int n, int lambda)
    {
        var mu = lambda / 2;
        var weights = new double[mu];
        for (var i = 0; i < mu; i++) weights[i] = Math.Log(mu + 0.5) - Math.Log(i + 1);
        var total = Sum(weights);
        for (var i = 0; i < mu; i++) weights[i] /= total;
        var squares = 0.0;
        foreach (var w in weights) squares += w * w;
        var muEff = 1 / squares;
        var cSigma = (muEff + 2) / (n + muEff + 5);
        var dSigma = 1 + 2 * Math.Max(0, Math.Sqrt((muEff - 1) / (n + 1)) - 1) + cSigma;
        var cc = (4 + muEff / n) / (n + 4 + 2 * muEff / n);
        var c1 = 2 / ((n + 1.3) * (n + 1.3) + muEff);
        var cMu = Math.Min(1 - c1, 2 * (muEff - 2 + 1 / muEff) / ((n + 2) * (n + 2) + muEff));
        var chiN = Math.Sqrt(n) * (1 - 1.0 / (4 * n) + 1.0 / (21.0 * n * n));
        return new CmaConstants(n, lambda, weights, muEff, cSigma, dSigma, cc, c1, cMu, chiN);
    }

    private static double Sum(double[] values) { var s = 0.0; foreach (var v in values) s += v; return s; }
}

/// <summary>
/// CMA-ES's search distribution around θ (the mean m): step size σ, covariance C (n×n, row-major), the evolution paths
/// p_σ and p_c, and what the "ask" half needs, derived from C by <see cref="SymmetricEigen"/>: A = B·D (C = A·Aᵀ) and
/// C^-1/2 = B·D⁻¹·Bᵀ. Immutable; every node derives A from the same C in the same order, so candidates agree bit for bit.
/// </summary>
public sealed class CmaState
{
    /// <summary>The most parameters a CMA-ES run may have: C is n×n and its eigendecomposition O(n³) per generation.</summary>
    public const int MaxDimension = 512;

    public int Dimension { get; }
    public double StepSize { get; }
    public double[] Covariance { get; }
    public double[] SigmaPath { get; }
    public double[] CovariancePath { get; }
    private readonly double[] _transform;
    private readonly double[] _inverseSqrt;

    public CmaState(double stepSize, double[] covariance, double[] sigmaPath, double[] covariancePath)
    {
        var n = sigmaPath.Length;
        if (covariance.Length != n * n || covariancePath.Length != n) throw new ArgumentException("CMA-ES state arrays disagree on the dimension");
        if (n > MaxDimension) throw new ArgumentException($"CMA-ES keeps an n×n covariance: at most {MaxDimension} parameters, got {n}");
        if (!(stepSize > 0 && double.IsFinite(stepSize))) throw new ArgumentException($"CMA-ES step size must be a positive number, got {stepSize}");
        if (!covariance.All(double.IsFinite) || !sigmaPath.All(double.IsFinite) || !covariancePath.All(double.IsFinite))
            throw new ArgumentException("CMA-ES covariance and paths must be finite numbers");
        for (var i = 0; i < n; i++)
            for (var j = 0; j < i; j++)
                if (covariance[i * n + j] != covariance[j * n + i]) throw new ArgumentException($"CMA-ES covariance must be symmetric, C[{i},{j}] ≠ C[{j},{i}]");
        Dimension = n;
        StepSize = stepSize;
        Covariance = covariance;
        SigmaPath = sigmaPath;
        CovariancePath = covariancePath;
        var (values, vectors) = SymmetricEigen.Decompose(covariance, n);
        _transform = new double[n * n];
        _inverseSqrt = new double[n * n];
        var d = new double[n];
        // Rounding can leave an eigenvalue of a nearly singular C at or below 0: floor it, as Hansen's code does.
        for (var j = 0; j < n; j++) d[j] = Math.Sqrt(Math.Max(values[j], 1e-20));
        for (var i = 0; i < n; i++)
            for (var j = 0; j < n; j++)
            {
                _transform[i * n + j] = vectors[i * n + j] * d[j];
                var s = 0.0;
                for (var k = 0; k < n; k++) s += vectors[i * n + k] / d[k] * vectors[j * n + k];
                _inverseSqrt[i * n + j] = s;
            }
    }

    /// <summary>C = I, paths zero: the start of a run.</summary>
    public static CmaState Initial(int n, double sigma)
    {
        var identity = new double[n * n];
        for (var i = 0; i < n; i++) identity[i * n + i] = 1;
        return new CmaState(sigma, identity, new double[n], new double[n]);
    }

    /// <summary>y = A·z (double): a candidate's step before σ. Row by row, columns in order.</summary>
    public double[] Direction(ReadOnlySpan<float> z)
    {
        var n = Dimension;
        var y = new double[n];
        for (var i = 0; i < n; i++)
        {
            var s = 0.0;
            for (var j = 0; j < n; j++) s += _transform[i * n + j] * z[j];
            y[i] = s;
        }
        return y;
    }

    /// <summary>
    /// The noise of candidate <paramref name="half"/> (0 or 1) of the work item at <paramref name="noiseIndex"/>: CMA-ES draws
    /// independent candidates, not mirrored pairs (mirrored ones, all ranked together, cancel in the recombination and
    /// shrink σ early: measured on Swimmer-v4, docs/learning.md), so an item's two episodes use consecutive slices of the
    /// table, z = ε[i, i+n) and ε[i+n, i+2n).
    /// </summary>
    public static ReadOnlySpan<float> CandidateNoise(NoiseTable noise, int noiseIndex, int half, int n) => noise.Slice(noiseIndex + half * n, n);

    /// <summary>What one work item spans of the noise table: two candidates of n values each.</summary>
    public static int NoisePerItem(int n) => 2 * n;

    /// <summary>The perturbation σ·A·z an evaluator adds to θ to get a candidate.</summary>
    public void Perturbation(ReadOnlySpan<float> z, Span<float> into)
    {
        var y = Direction(z);
        for (var i = 0; i < y.Length; i++) into[i] = (float)(StepSize * y[i]);
    }

    /// <summary>
    /// One CMA-ES generation: candidate 2k is m + σ·A·z of item k's first half (<see cref="CandidateNoise"/>, returns in
    /// <paramref name="returnsPositive"/>), candidate 2k+1 its second half (<paramref name="returnsNegative"/>); all λ ranked
    /// by return (ties: lower candidate index), the best λ/2 recombined. Then the tutorial's updates of m, p_σ, p_c, C and σ,
    /// in that order. <paramref name="generation"/> counts from 0 (it corrects h_σ's start-up bias).
    /// </summary>
    public (float[] Mean, CmaState Next) Tell(CmaConstants constants, float[] mean, NoiseTable noise, int[] noiseIndices,
        double[] returnsPositive, double[] returnsNegative, int generation)
    {
        var n = Dimension;
        var lambda = 2 * noiseIndices.Length;
        var directions = new double[lambda][];
        for (var c = 0; c < lambda; c++) directions[c] = Direction(CandidateNoise(noise, noiseIndices[c / 2], c % 2, n));
        double ReturnOf(int c) => c % 2 == 0 ? returnsPositive[c / 2] : returnsNegative[c / 2];
        var order = Enumerable.Range(0, lambda).ToArray();
        Array.Sort(order, (a, b) => { var byReturn = ReturnOf(b).CompareTo(ReturnOf(a)); return byReturn != 0 ? byReturn : a.CompareTo(b); });

        var weights = constants.Weights;
        var yw = new double[n];
        for (var j = 0; j < weights.Length; j++)
        {
            var y = directions[order[j]];
            for (var i = 0; i < n; i++) yw[i] += weights[j] * y[i];
        }
        var nextMean = new float[n];
        for (var i = 0; i < n; i++) nextMean[i] = (float)(mean[i] + StepSize * yw[i]);

        var (cSigma, cc, c1, cMu, muEff) = (constants.CSigma, constants.Cc, constants.C1, constants.CMu, constants.MuEff);
        var sigmaPath = new double[n];
        var sigmaGain = Math.Sqrt(cSigma * (2 - cSigma) * muEff);
        for (var i = 0; i < n; i++)
        {
            var s = 0.0;
            for (var k = 0; k < n; k++) s += _inverseSqrt[i * n + k] * yw[k];
            sigmaPath[i] = (1 - cSigma) * SigmaPath[i] + sigmaGain * s;
        }
        var sigmaPathNorm = Norm(sigmaPath);
        // h_σ stops p_c's update while p_σ is long (σ about to grow fast), so C does not stretch along a transient.
        var pathIsShort = sigmaPathNorm / Math.Sqrt(1 - Math.Pow(1 - cSigma, 2.0 * (generation + 1))) < (1.4 + 2.0 / (n + 1)) * constants.ChiN;
        var hSigma = pathIsShort ? 1.0 : 0.0;
        var covariancePath = new double[n];
        var pathGain = hSigma * Math.Sqrt(cc * (2 - cc) * muEff);
        for (var i = 0; i < n; i++) covariancePath[i] = (1 - cc) * CovariancePath[i] + pathGain * yw[i];

        var covariance = new double[n * n];
        var keep = 1 - c1 - cMu + c1 * (1 - hSigma) * cc * (2 - cc);
        for (var i = 0; i < n; i++)
            for (var k = 0; k <= i; k++)
            {
                var rankMu = 0.0;
                for (var j = 0; j < weights.Length; j++)
                {
                    var y = directions[order[j]];
                    rankMu += weights[j] * y[i] * y[k];
                }
                var value = keep * Covariance[i * n + k] + c1 * covariancePath[i] * covariancePath[k] + cMu * rankMu;
                covariance[i * n + k] = value;
                covariance[k * n + i] = value;
            }
        // Kept in a range a double can step in: a degenerate C (a flat landscape for hundreds of generations) must not
        // drive σ to 0 or ∞ and stop the run.
        var stepSize = Math.Clamp(StepSize * Math.Exp(cSigma / constants.DSigma * (sigmaPathNorm / constants.ChiN - 1)), 1e-30, 1e30);
        return (nextMean, new CmaState(stepSize, covariance, sigmaPath, covariancePath));
    }

    /// <summary>Adds σ, C and both paths to a digest (replicas check them with θ).</summary>
    public void AppendTo(XxHash3 hash)
    {
        Span<double> step = [StepSize];
        hash.Append(MemoryMarshal.AsBytes(step));
        hash.Append(MemoryMarshal.AsBytes(Covariance.AsSpan()));
        hash.Append(MemoryMarshal.AsBytes(SigmaPath.AsSpan()));
        hash.Append(MemoryMarshal.AsBytes(CovariancePath.AsSpan()));
    }

    private static double Norm(double[] v) { var s = 0.0; foreach (var x in v) s += x * x; return Math.Sqrt(s); }
}

/// <summary>
/// Eigendecomposition of a symmetric matrix by cyclic Jacobi rotations (Golub &amp; Van Loan, §8.5): sweeps over (p, q) in a
/// fixed order, rotations from square roots and divisions only, so every machine computes the same bits. O(n³) per sweep;
/// CMA-ES's C is small (<see cref="CmaState.MaxDimension"/>).
/// </summary>
public static class SymmetricEigen
{
    /// <summary>Eigenvalues λ_j and eigenvectors (column j of the row-major <c>Vectors</c>): M = V·diag(λ)·Vᵀ.</summary>
    public static (double[] Values, double[] Vectors) Decompose(double[] matrix, int n, int maxSweeps = 64)
    {
        var a = (double[])matrix.Clone();
        var v = new double[n * n];
        for (var i = 0; i < n; i++) v[i * n + i] = 1;
        for (var sweep = 0; sweep < maxSweeps; sweep++)
        {
            double off = 0, diagonal = 0;
            for (var p = 0; p < n; p++)
            {
                diagonal += a[p * n + p] * a[p * n + p];
                for (var q = p + 1; q < n; q++) off += a[p * n + q] * a[p * n + q];
            }
            if (off <= 1e-30 * diagonal || off == 0) break;
            for (var p = 0; p < n - 1; p++)
                for (var q = p + 1; q < n; q++)
                {
                    var apq = a[p * n + q];
                    if (apq == 0) continue;
                    var app = a[p * n + p];
                    var aqq = a[q * n + q];
                    var theta = (aqq - app) / (2 * apq);
                    var t = (theta >= 0 ? 1.0 : -1.0) / (Math.Abs(theta) + Math.Sqrt(theta * theta + 1));
                    var c = 1 / Math.Sqrt(t * t + 1);
                    var s = t * c;
                    // A ← Jᵀ·A·J on rows and columns p, q; V ← V·J.
                    for (var k = 0; k < n; k++)
                    {
                        var akp = a[k * n + p];
                        var akq = a[k * n + q];
                        a[k * n + p] = c * akp - s * akq;
                        a[k * n + q] = s * akp + c * akq;
                    }
                    for (var k = 0; k < n; k++)
                    {
                        var apk = a[p * n + k];
                        var aqk = a[q * n + k];
                        a[p * n + k] = c * apk - s * aqk;
                        a[q * n + k] = s * apk + c * aqk;
                    }
                    a[p * n + q] = 0;
                    a[q * n + p] = 0;
                    for (var k = 0; k < n; k++)
                    {
                        var vkp = v[k * n + p];
                        var vkq = v[k * n + q];
                        v[k * n + p] = c * vkp - s * vkq;
                        v[k * n + q] = s * vkp + c * vkq;
                    }
                }
        }
        var values = new double[n];
        for (var i = 0; i < n; i++) values[i] = a[i * n + i];
        return (values, v);
    }
}
