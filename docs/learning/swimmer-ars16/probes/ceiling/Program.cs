using System.Globalization;
using EsActors.Domain.Normalization;
using EsActors.Domain.Policies;
using EsActors.Domain.Randomness;
using EsActors.Environments;
using EsActors.Environments.Rollouts;

// Research probe (docs/learning.md, Swimmer-v4): is 357–358 the linear policy's ceiling or the optimiser's?
// Hill-climbs from a trained policy.bin with far less noise than a training run can afford: every antithetic
// pair is judged on the mean of several episodes with common start states, and θ is checked on 50 fresh
// episodes every 5 iterations. No timestep budget: it only asks whether a better θ lies nearby.
//   dotnet run -c Release -- POLICY ITERATIONS PAIRS EPISODES SIGMA ALPHA
//   scale: dotnet run -c Release -- POLICY scale 1 1.2 1.5 2 (θ multiplied: does a stiffer, more saturated policy swim faster?)
var policy = PolicyFile.Read(args[0]);
const ulong FreshSeed = 1000000007; // the seed of the sweeps' final evaluation
const int Threads = 2;
var runners = Enumerable.Range(0, Threads)
    .Select(_ => new EpisodeRunner(EnvironmentRegistry.Create(policy.EnvironmentId), policy.Network, policy.ActionBins, policy.BoxHead)).ToArray();
var normalizer = policy.NormalizeObservations
    ? new ObservationNormalizer(policy.ObservationMean, policy.ObservationStd)
    : ObservationNormalizer.Identity(policy.Network.Inputs);
var maxSteps = runners[0].Spec.MaxEpisodeSteps;

double MeanReturn(float[] theta, ulong firstSeed, int episodes)
{
    var returns = new double[episodes];
    Parallel.For(0, Threads, t =>
    {
        for (var k = t; k < episodes; k += Threads)
            returns[k] = runners[t].Run(theta, ReadOnlySpan<float>.Empty, 0f, normalizer, firstSeed + (ulong)k, maxSteps).Return;
    });
    return returns.Sum() / episodes; // fixed order: the result does not depend on thread timing
}

string F(double x) => x.ToString("0.00", CultureInfo.InvariantCulture);
float P(string s) => float.Parse(s, CultureInfo.InvariantCulture);

if (args[1] == "scale")
{
    foreach (var factor in args.Skip(2).Select(P))
        Console.WriteLine($"θ × {factor}: mean over 50 fresh episodes {F(MeanReturn(policy.Theta.Select(x => x * factor).ToArray(), FreshSeed, 50))}");
    return;
}

var (iterations, pairs, episodes, sigma, alpha) = (int.Parse(args[1]), int.Parse(args[2]), int.Parse(args[3]), P(args[4]), P(args[5]));
var theta = (float[])policy.Theta.Clone();
var rng = new DeterministicRandom(12345);
Console.WriteLine($"start: mean over 50 fresh episodes {F(MeanReturn(theta, FreshSeed, 50))}");
for (var iteration = 0; iteration < iterations; iteration++)
{
    // ARS-style step: α / (pairs·σ_R) Σ (r⁺ − r⁻) ε over all pairs, each return a mean of `episodes` episodes.
    var step = new double[theta.Length];
    var returns = new List<double>();
    for (var p = 0; p < pairs; p++)
    {
        var epsilon = new float[theta.Length];
        for (var i = 0; i < epsilon.Length; i++) epsilon[i] = (float)rng.NextGaussian();
        var episodeSeed = (ulong)(iteration * 1000 + p) * 100; // far below FreshSeed: training never sees the check's episodes
        var plus = MeanReturn(theta.Zip(epsilon, (t, e) => t + sigma * e).ToArray(), episodeSeed, episodes);
        var minus = MeanReturn(theta.Zip(epsilon, (t, e) => t - sigma * e).ToArray(), episodeSeed, episodes);
        returns.Add(plus); returns.Add(minus);
        for (var i = 0; i < step.Length; i++) step[i] += (plus - minus) * epsilon[i];
    }
    var mean = returns.Average();
    var std = Math.Sqrt(returns.Sum(r => (r - mean) * (r - mean)) / returns.Count);
    for (var i = 0; i < theta.Length; i++) theta[i] += (float)(alpha / (pairs * std) * step[i]);
    if ((iteration + 1) % 5 == 0)
        Console.WriteLine($"iteration {iteration + 1}: perturbed mean {F(mean)}, θ over 50 fresh episodes {F(MeanReturn(theta, FreshSeed, 50))}, |θ| {F(Math.Sqrt(theta.Sum(x => (double)x * x)))}");
}
