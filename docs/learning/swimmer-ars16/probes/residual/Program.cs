using System.Globalization;
using EsActors.Domain.Policies;
using EsActors.Domain.Randomness;
using EsActors.Environments;
using EsActors.Environments.Rollouts;

// Research probe (docs/learning.md, Swimmer-v4): the linear policy's optimum sits at ≈ 358–359 on fresh episodes
// (../ceiling). Does a richer policy lie above 360 near it? The policy here is the trained linear one plus a residual
// over H fixed random tanh features of the standardised observation, a = tanh(W·x + b + V·tanh(U·z + c)), V = 0 at the
// start (so it starts as the trained policy). W, b and V are hill-climbed exactly as ../ceiling climbs W and b: every
// antithetic pair judged on the mean of several episodes with common start states, θ checked on 50 fresh episodes
// every 5 iterations. H = 0 is the ceiling probe's linear climb with this program's random stream.
//   dotnet run -c Release -- POLICY H ITERATIONS PAIRS EPISODES SIGMA ALPHA
var policy = PolicyFile.Read(args[0]);
if (policy.Network.Hidden.Count != 0 || policy.NormalizeObservations || policy.BoxHead != BoxHead.Tanh)
    throw new ArgumentException("expects a linear policy on raw observations with the tanh head (the Swimmer-v4 preset's)");
float P(string s) => float.Parse(s, CultureInfo.InvariantCulture);
var (features, iterations, pairs, episodes, sigma, alpha) = (int.Parse(args[1]), int.Parse(args[2]), int.Parse(args[3]), int.Parse(args[4]), P(args[5]), P(args[6]));
const ulong FreshSeed = 1000000007; // the seed of the sweeps' final evaluation
const int Threads = 2;
var network = policy.Network;
int inputs = network.Inputs, outputs = network.Outputs, linearCount = network.ParameterCount;
var environments = Enumerable.Range(0, Threads).Select(_ => EnvironmentRegistry.Create(policy.EnvironmentId)).ToArray();
var maxSteps = environments[0].Spec.MaxEpisodeSteps;

// Fixed random features: U ~ N(0, 1/inputs) per entry (rows of norm ≈ 1), c ~ U(−1, 1); z standardised with the
// mean and std of the trained policy's own states (20 episodes with seeds no climb or check uses).
var featureRng = new DeterministicRandom(777);
var u = new float[features * inputs];
for (var i = 0; i < u.Length; i++) u[i] = (float)(featureRng.NextGaussian() / Math.Sqrt(inputs));
var c = new float[features];
for (var i = 0; i < c.Length; i++) c[i] = (float)featureRng.NextUniform(-1, 1);
var mean = new float[inputs];
var std = Enumerable.Repeat(1f, inputs).ToArray();
StateStatistics(policy.Theta, 5_000_000, 20);

float[] Extend(float[] linear) => [.. linear, .. new float[features * outputs]]; // V = 0

// One episode of the residual policy; allocation per episode is fine for a probe.
double Episode(IEnvironment environment, float[] theta, ulong seed, List<float[]>? states = null)
{
    var mlp = new MlpPolicy(network);
    var head = new ActionHead(environment.Spec.Action, 0, BoxHead.Tanh);
    var rng = new DeterministicRandom(0); // the tanh head draws no noise at std 0
    float[] observation = new float[inputs], output = new float[outputs], hidden = new float[features], action = new float[outputs];
    environment.Reset(seed, observation);
    double total = 0;
    for (var step = 0; step < maxSteps; step++)
    {
        states?.Add((float[])observation.Clone());
        mlp.Forward(theta.AsSpan(0, linearCount), observation, output);
        for (var h = 0; h < features; h++)
        {
            var sum = c[h];
            for (var i = 0; i < inputs; i++) sum += u[h * inputs + i] * (observation[i] - mean[i]) / std[i];
            hidden[h] = MathF.Tanh(sum);
        }
        for (var o = 0; o < outputs; o++)
            for (var h = 0; h < features; h++) output[o] += theta[linearCount + o * features + h] * hidden[h];
        head.Map(output, action, 0f, ref rng);
        var result = environment.Step(action, observation);
        total += result.Reward;
        if (result.Done) break;
    }
    return total;
}

double MeanReturn(float[] theta, ulong firstSeed, int count)
{
    var returns = new double[count];
    Parallel.For(0, Threads, t =>
    {
        for (var k = t; k < count; k += Threads) returns[k] = Episode(environments[t], theta, firstSeed + (ulong)k);
    });
    return returns.Sum() / count; // fixed order: the result does not depend on thread timing
}

void StateStatistics(float[] linear, ulong firstSeed, int count)
{
    var states = new List<float[]>();
    var noFeatures = features; features = 0; // the trained policy alone
    for (var k = 0; k < count; k++) Episode(environments[0], linear, firstSeed + (ulong)k, states);
    features = noFeatures;
    for (var i = 0; i < inputs; i++)
    {
        var values = states.Select(x => (double)x[i]).ToArray();
        var mu = values.Average();
        mean[i] = (float)mu;
        std[i] = (float)Math.Max(1e-3, Math.Sqrt(values.Sum(v => (v - mu) * (v - mu)) / values.Length));
    }
}

string F(double x) => x.ToString("0.00", CultureInfo.InvariantCulture);
var theta = Extend((float[])policy.Theta.Clone());
var noise = new DeterministicRandom(12345);
Console.WriteLine($"{features} features, {theta.Length} parameters; start: mean over 50 fresh episodes {F(MeanReturn(theta, FreshSeed, 50))}");
for (var iteration = 0; iteration < iterations; iteration++)
{
    // ARS-style step: α / (pairs·σ_R) Σ (r⁺ − r⁻) ε over all pairs, each return a mean of `episodes` episodes.
    var step = new double[theta.Length];
    var returns = new List<double>();
    for (var p = 0; p < pairs; p++)
    {
        var epsilon = new float[theta.Length];
        for (var i = 0; i < epsilon.Length; i++) epsilon[i] = (float)noise.NextGaussian();
        var episodeSeed = (ulong)(iteration * 1000 + p) * 100; // far below FreshSeed and the statistics' seeds
        var plus = MeanReturn(theta.Zip(epsilon, (t, e) => t + sigma * e).ToArray(), episodeSeed, episodes);
        var minus = MeanReturn(theta.Zip(epsilon, (t, e) => t - sigma * e).ToArray(), episodeSeed, episodes);
        returns.Add(plus); returns.Add(minus);
        for (var i = 0; i < step.Length; i++) step[i] += (plus - minus) * epsilon[i];
    }
    var average = returns.Average();
    var spread = Math.Sqrt(returns.Sum(r => (r - average) * (r - average)) / returns.Count);
    for (var i = 0; i < theta.Length; i++) theta[i] += (float)(alpha / (pairs * spread) * step[i]);
    if ((iteration + 1) % 5 == 0)
    {
        var residual = Math.Sqrt(theta.Skip(linearCount).Sum(x => (double)x * x));
        Console.WriteLine($"iteration {iteration + 1}: perturbed mean {F(average)}, θ over 50 fresh episodes {F(MeanReturn(theta, FreshSeed, 50))}, |V| {F(residual)}");
    }
}
