using System.Globalization;
using EsActors.Environments;

// Research probe (docs/learning.md, Swimmer-v4): is 360 reachable at all, and by how much? A controller that ignores
// the state, a travelling wave a₁ = clip(A·sin(2πft)), a₂ = clip(A·sin(2πft − φ)) (t = step × 0.04 s), searched on a
// grid of frequency f, phase lag φ and amplitude A (A > 1 drives the joints towards bang-bang), each point scored on
// a few episodes; the best points are then scored on the 50 fresh episodes the other probes check on.
//   dotnet run -c Release -- GRID_EPISODES TOP
const ulong FreshSeed = 1000000007; // the seed of the sweeps' final evaluation
const double Dt = 0.04;             // Swimmer-v4's control step: timestep 0.01 × frame skip 4
var (gridEpisodes, top) = (int.Parse(args[0]), int.Parse(args[1]));
const int Threads = 2;
var environments = Enumerable.Range(0, Threads).Select(_ => EnvironmentRegistry.Create("Swimmer-v4")).ToArray();
var spec = environments[0].Spec;

double Episode(IEnvironment environment, double f, double phi, double a, ulong seed)
{
    var observation = new float[spec.ObservationSize];
    var action = new float[2];
    environment.Reset(seed, observation);
    double total = 0;
    for (var step = 0; step < spec.MaxEpisodeSteps; step++)
    {
        var angle = 2 * Math.PI * f * step * Dt;
        action[0] = (float)Math.Clamp(a * Math.Sin(angle), -1, 1);
        action[1] = (float)Math.Clamp(a * Math.Sin(angle - phi), -1, 1);
        var result = environment.Step(action, observation);
        total += result.Reward;
        if (result.Done) break;
    }
    return total;
}

double Mean(double f, double phi, double a, ulong firstSeed, int count)
{
    var returns = new double[count];
    Parallel.For(0, Threads, t =>
    {
        for (var k = t; k < count; k += Threads) returns[k] = Episode(environments[t], f, phi, a, firstSeed + (ulong)k);
    });
    return returns.Sum() / count; // fixed order
}

string F(double x) => x.ToString("0.00", CultureInfo.InvariantCulture);
var grid = new List<(double F, double Phi, double A, double Score)>();
foreach (var a in new[] { 0.5, 1.0, 1.5, 3.0, 10.0 })
    for (var fi = 1; fi <= 30; fi++)               // f = 0.05 … 1.5 Hz
        for (var pi = 0; pi < 24; pi++)            // φ = 0 … 345°
        {
            double f = 0.05 * fi, phi = 2 * Math.PI * pi / 24;
            grid.Add((f, phi, a, Mean(f, phi, a, 7_000_000, gridEpisodes)));
        }
Console.WriteLine($"grid: {grid.Count} points × {gridEpisodes} episodes");
foreach (var (f, phi, a, score) in grid.OrderByDescending(g => g.Score).Take(top))
    Console.WriteLine($"f {F(f)} Hz, φ {F(phi * 180 / Math.PI)}°, A {F(a)}: grid {F(score)}, 50 fresh episodes {F(Mean(f, phi, a, FreshSeed, 50))}");
