using System.Globalization;
using EsActors.Domain.Normalization;
using EsActors.Domain.Policies;
using EsActors.Domain.Randomness;
using EsActors.Environments;
using EsActors.Environments.Rollouts;
using MathNet.Numerics.LinearAlgebra;

// Research probe (docs/learning.md, Swimmer-v4): ../ceiling found no linear θ above 359.1 near the trained one. Is
// there a better linear policy elsewhere, in another basin? A global search over the same 18 parameters (the tanh
// head on raw observations, as the preset): CMA-ES (Hansen's (μ/μ_w, λ) form, full covariance) with restarts, each
// candidate judged on the mean of a few episodes with common start states (the same seeds for the whole generation,
// new seeds every generation), the mean m checked on 50 fresh episodes (the sweeps' final-evaluation seeds) every 10
// generations. No timestep budget: it asks what the policy class can do, not what a run does in 5e6 steps.
//   dotnet run -c Release -- STRUCTURE_POLICY START GENERATIONS LAMBDA EPISODES SIGMA0 SEED [sep]
//   sep: separable CMA-ES (Ros & Hansen 2008): C kept diagonal, its learning rates × (n + 2)/3.
//   mirror: candidates in mirrored pairs m ± σ·B·D·z (as EsActors evaluates them), all λ ranked together.
//   pairwise: mirrored pairs, only the better half of each pair ranked (Auger et al. 2011), μ = λ/4.
//   START: "zero" (m = 0) or a policy.bin to start from.
//   check: dotnet run -c Release -- STRUCTURE_POLICY check "θ1, θ2, …" EPISODES FIRST_SEED (one θ on other episodes)
var structure = PolicyFile.Read(args[0]);
if (structure.Network.Hidden.Count != 0 || structure.NormalizeObservations || structure.BoxHead != BoxHead.Tanh)
    throw new ArgumentException("expects a linear policy on raw observations with the tanh head (the Swimmer-v4 preset's)");
double P(string s) => double.Parse(s, CultureInfo.InvariantCulture);
const ulong FreshSeed = 1000000007; // the seed of the sweeps' final evaluation
const int Threads = 2;
var runners = Enumerable.Range(0, Threads)
    .Select(_ => new EpisodeRunner(EnvironmentRegistry.Create(structure.EnvironmentId), structure.Network, structure.ActionBins, structure.BoxHead)).ToArray();
var normalizer = ObservationNormalizer.Identity(structure.Network.Inputs);
var maxSteps = runners[0].Spec.MaxEpisodeSteps;
var n = structure.Network.ParameterCount;
if (args[1] == "check") { Check(); return; }
var (generations, lambda, episodes, sigma, seed) = (int.Parse(args[2]), int.Parse(args[3]), int.Parse(args[4]), P(args[5]), ulong.Parse(args[6]));
var separable = args.Length > 7 && args[7] == "sep";
var mirrored = args.Length > 7 && args[7] is "mirror" or "pairwise";
var pairwise = args.Length > 7 && args[7] == "pairwise";

// Mean return of each θ over `episodes` episodes from firstSeed on; every sum in a fixed order.
double[] MeanReturns(IReadOnlyList<float[]> thetas, ulong firstSeed, int count)
{
    var returns = new double[thetas.Count * count];
    Parallel.For(0, Threads, t =>
    {
        for (var j = t; j < returns.Length; j += Threads)
            returns[j] = runners[t].Run(thetas[j / count], ReadOnlySpan<float>.Empty, 0f, normalizer, firstSeed + (ulong)(j % count), maxSteps).Return;
    });
    return Enumerable.Range(0, thetas.Count).Select(i => returns.Skip(i * count).Take(count).Sum() / count).ToArray();
}
void Check()
{
    var theta = args[2].Split(',').Select(v => (float)P(v.Trim())).ToArray();
    var (count, first) = (int.Parse(args[3]), ulong.Parse(args[4]));
    var returns = new double[count];
    Parallel.For(0, Threads, t =>
    {
        for (var k = t; k < count; k += Threads)
            returns[k] = runners[t].Run(theta, ReadOnlySpan<float>.Empty, 0f, normalizer, first + (ulong)k, maxSteps).Return;
    });
    var mean = returns.Sum() / count;
    var std = Math.Sqrt(returns.Sum(r => (r - mean) * (r - mean)) / count);
    Console.WriteLine($"θ over {count} episodes from seed {first}: mean {F(mean)}, std {F(std)}, min {F(returns.Min())}, max {F(returns.Max())}");
}
float[] ToTheta(Vector<double> x) => x.Select(v => (float)v).ToArray();
string F(double x) => x.ToString("0.00", CultureInfo.InvariantCulture);

// Strategy parameters: Hansen, "The CMA Evolution Strategy: A Tutorial" (2016), the defaults.
var mu = pairwise ? lambda / 4 : lambda / 2;
var weights = Vector<double>.Build.Dense(mu, i => Math.Log(mu + 0.5) - Math.Log(i + 1));
weights /= weights.Sum();
var muEff = 1 / weights.DotProduct(weights);
var cSigma = (muEff + 2) / (n + muEff + 5);
var dSigma = 1 + 2 * Math.Max(0, Math.Sqrt((muEff - 1) / (n + 1)) - 1) + cSigma;
var cc = (4 + muEff / n) / (n + 4 + 2 * muEff / n);
var c1 = 2 / ((n + 1.3) * (n + 1.3) + muEff);
var cMu = Math.Min(1 - c1, 2 * (muEff - 2 + 1 / muEff) / ((n + 2) * (n + 2) + muEff));
if (separable) (c1, cMu) = (c1 * (n + 2) / 3.0, Math.Min(1 - c1 * (n + 2) / 3.0, cMu * (n + 2) / 3.0));
var chiN = Math.Sqrt(n) * (1 - 1.0 / (4 * n) + 1.0 / (21.0 * n * n));

var m = args[1] == "zero" ? Vector<double>.Build.Dense(n) : Vector<double>.Build.DenseOfEnumerable(PolicyFile.Read(args[1]).Theta.Select(v => (double)v));
var c = Matrix<double>.Build.DenseIdentity(n);
var pSigma = Vector<double>.Build.Dense(n);
var pc = Vector<double>.Build.Dense(n);
var rng = new DeterministicRandom(seed);
var best = (Score: double.NegativeInfinity, Generation: 0);
Console.WriteLine($"start: m over 50 fresh episodes {F(MeanReturns([ToTheta(m)], FreshSeed, 50)[0])}; {(separable ? "separable" : "full")} CMA-ES, λ {lambda}, μ {mu}, {episodes} episodes a candidate, σ₀ {sigma}, seed {seed}");
for (var g = 0; g < generations; g++)
{
    var evd = c.Evd(MathNet.Numerics.LinearAlgebra.Symmetricity.Symmetric);
    var b = evd.EigenVectors;
    var d = Vector<double>.Build.DenseOfEnumerable(evd.EigenValues.Select(e => Math.Sqrt(Math.Max(e.Real, 1e-20))));
    var ys = new Vector<double>[lambda];
    for (var k = 0; k < lambda; k++)
    {
        if (mirrored && k % 2 == 1) { ys[k] = -ys[k - 1]; continue; }
        var z = Vector<double>.Build.Dense(n, _ => rng.NextGaussian());
        ys[k] = b * d.PointwiseMultiply(z);
    }
    var episodeSeed = (seed * 100_000 + (ulong)g) * 100; // far below FreshSeed: no candidate sees the check's episodes
    var fitness = MeanReturns(ys.Select(y => ToTheta(m + sigma * y)).ToArray(), episodeSeed, episodes);
    var eligible = pairwise ? Enumerable.Range(0, lambda / 2).Select(p => fitness[2 * p] >= fitness[2 * p + 1] ? 2 * p : 2 * p + 1) : Enumerable.Range(0, lambda);
    var order = eligible.OrderByDescending(k => fitness[k]).ThenBy(k => k).ToArray();
    var yw = Vector<double>.Build.Dense(n);
    for (var i = 0; i < mu; i++) yw += weights[i] * ys[order[i]];
    m += sigma * yw;
    var cInvSqrt = b * Matrix<double>.Build.DenseOfDiagonalVector(d.Map(v => 1 / v)) * b.Transpose();
    pSigma = (1 - cSigma) * pSigma + Math.Sqrt(cSigma * (2 - cSigma) * muEff) * (cInvSqrt * yw);
    var hSigma = pSigma.L2Norm() / Math.Sqrt(1 - Math.Pow(1 - cSigma, 2 * (g + 1))) < (1.4 + 2.0 / (n + 1)) * chiN ? 1.0 : 0.0;
    pc = (1 - cc) * pc + hSigma * Math.Sqrt(cc * (2 - cc) * muEff) * yw;
    var rankMu = Matrix<double>.Build.Dense(n, n);
    for (var i = 0; i < mu; i++) rankMu += weights[i] * ys[order[i]].OuterProduct(ys[order[i]]);
    c = (1 - c1 - cMu) * c + c1 * (pc.OuterProduct(pc) + (1 - hSigma) * cc * (2 - cc) * c) + cMu * rankMu;
    c = separable ? Matrix<double>.Build.DenseOfDiagonalVector(c.Diagonal()) : (c + c.Transpose()) / 2;
    sigma *= Math.Exp(cSigma / dSigma * (pSigma.L2Norm() / chiN - 1));
    if ((g + 1) % 10 == 0)
    {
        var check = MeanReturns([ToTheta(m)], FreshSeed, 50)[0];
        if (check > best.Score) best = (check, g + 1);
        Console.WriteLine($"generation {g + 1}: best candidate {F(fitness[order[0]])}, median {F(fitness[order[order.Length / 2]])}, m over 50 fresh episodes {F(check)}, σ {sigma:0.0000}, |m| {F(m.L2Norm())}");
    }
}
var final = MeanReturns([ToTheta(m)], FreshSeed, 50)[0];
var finalTen = MeanReturns([ToTheta(m)], FreshSeed, 10)[0]; // the sweeps' final evaluation: its first 10 episodes
Console.WriteLine($"final m after {generations} generations ({(long)generations * lambda * episodes} episodes): 10 fresh episodes {F(finalTen)}, 50 fresh episodes {F(final)}");
Console.WriteLine($"best check: {F(best.Score)} at generation {best.Generation}; final m = [{string.Join(", ", m.Select(v => v.ToString("0.0000", CultureInfo.InvariantCulture)))}]");
