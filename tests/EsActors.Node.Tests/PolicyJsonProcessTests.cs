using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using EsActors.Environments;
using EsActors.Node.Tests.Support;
using Xunit.Abstractions;

namespace EsActors.Node.Tests;

/// <summary>
/// A policy leaves EsActors: <c>export --format json</c> writes policy.json, and a forward pass written here from
/// docs/policy-format.md alone (plain System.Text.Json and doubles, none of the Domain's policy code) drives the
/// environment to the same steps, actions and returns that <c>play</c> prints and <c>play --record</c> writes.
/// </summary>
[Collection(CliCollection.Name)]
public sealed class PolicyJsonProcessTests(CliFixture fixture, ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);
    private const int Episodes = 3;
    private const ulong FirstSeed = 7;

    private async Task<CliResult> Run(string work, params string[] args)
    {
        var result = await CliProcess.RunAsync(Timeout, work, args);
        output.WriteLine($"$ esactors {string.Join(' ', args)}\n{result.Describe()}");
        Assert.True(result.ExitCode == 0, result.Describe());
        return result;
    }

    [Theory]
    [InlineData("CartPole-v1", false, "tanh")]  // discrete: argmax of the logits
    [InlineData("Pendulum-v1", true, "tanh")]   // box: tanh into [low, high], with observation normalization
    [InlineData("Swimmer-v4", false, "linear")] // box: the output itself (ARS's head; the task clamps it)
    public async Task Policy_json_read_by_an_independent_forward_pass_reproduces_play(string env, bool normalize, string head)
    {
        var work = fixture.NewFolder($"json-{env}");
        var outDirectory = Path.Combine(work, "out");
        var config = Path.Combine(work, "run.conf");
        // Swimmer's preset is CMA-ES: its θ is the mean of the search distribution, written like any other.
        await File.WriteAllTextAsync(config, $"esactors.run.observation-normalization = {(normalize ? "on" : "off")}\nesactors.run.action-head = {head}\n");
        // A few generations, far from solved: returns differ between episodes, so a wrong action shows in them.
        var train = await Run(work, "train", "--env", env, "--run-id", "p", "--out", outDirectory, "--generations", "4", "--population", "16",
            "--target-return", "100000", "--slots", "2", "--config", config);
        var exported = Path.Combine(work, "exported");
        await Run(work, "export", "--run-id", "p", "--journal", Path.Combine(outDirectory, "journal.db"), "--out", exported, "--format", "json");
        var record = Path.Combine(work, "steps.csv");
        var play = await Run(work, "play", "--policy", Path.Combine(exported, "p", "policy.bin"), "--episodes", $"{Episodes}",
            "--seed", $"{FirstSeed}", "--record", record);
        var printed = play.Stdout.Select(l => Regex.Match(l, @"^episode \d+: return (\S+) \((\d+) steps\)$")).Where(m => m.Success)
            .Select(m => (Return: double.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture), Length: int.Parse(m.Groups[2].Value))).ToList();
        Assert.Equal(Episodes, printed.Count);

        using var json = JsonDocument.Parse(await File.ReadAllBytesAsync(Path.Combine(exported, "p", "policy.json")));
        var policy = new JsonPolicy(json.RootElement);
        Assert.Equal(env, policy.Environment);
        Assert.Equal(normalize, policy.Normalize);
        if (head == "linear") Assert.Equal("box-linear", policy.ActionKind);
        Assert.Equal(head == "linear", train.Stdout.Any(l => l.Contains(", linear action head,", StringComparison.Ordinal)));
        var recorded = ReadRecording(record);

        using var environment = EnvironmentRegistry.Create(env);
        var observation = new float[environment.Spec.ObservationSize];
        for (var k = 0; k < Episodes; k++)
        {
            environment.Reset(FirstSeed + (ulong)k, observation);
            var rows = recorded.Where(r => r[0] == k + 1).ToList();
            double total = 0;
            var steps = 0;
            while (steps < environment.Spec.MaxEpisodeSteps)
            {
                var action = policy.Act(observation);
                var row = rows[steps];
                for (var i = 0; i < observation.Length; i++) Assert.Equal(row[2 + i], observation[i], 1e-3);
                for (var i = 0; i < action.Length; i++) Assert.Equal(row[2 + observation.Length + i], action[i], 1e-4);
                var result = environment.Step(action, observation);
                total += result.Reward;
                steps++;
                if (result.Done) break;
            }
            Assert.Equal(printed[k].Length, steps);
            Assert.Equal(rows.Count, steps);
            Assert.Equal(printed[k].Return, total, Math.Max(1e-3, 1e-4 * Math.Abs(total)) + 5e-4); // play prints 3 decimals
        }
    }

    /// <summary>Columns as numbers: episode, step, obs_0.., act_0.., reward.</summary>
    private static List<double[]> ReadRecording(string path)
    {
        var lines = File.ReadAllLines(path).Where(l => l.Length > 0).ToList();
        Assert.StartsWith("episode,step,obs_0,", lines[0]);
        Assert.EndsWith(",reward", lines[0]);
        return lines.Skip(1).Select(l => l.Split(',').Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray()).ToList();
    }

    /// <summary>The forward pass of docs/policy-format.md, in doubles.</summary>
    private sealed class JsonPolicy
    {
        private readonly double[] _theta, _mean = [], _std = [], _low = [], _high = [];
        private readonly int[] _layers;
        private readonly int _inputs, _bins;
        private readonly double _clip;
        private readonly string _activation, _actionKind;

        public JsonPolicy(JsonElement root)
        {
            Assert.Equal("esactors-policy", root.GetProperty("format").GetString());
            Assert.Equal(1, root.GetProperty("version").GetInt32());
            Environment = root.GetProperty("environment").GetString()!;
            var observation = root.GetProperty("observation");
            Normalize = observation.GetProperty("normalize").GetBoolean();
            if (Normalize)
            {
                _mean = Doubles(observation.GetProperty("mean"));
                _std = Doubles(observation.GetProperty("std"));
                _clip = observation.GetProperty("clip").GetDouble();
            }
            var network = root.GetProperty("network");
            _inputs = network.GetProperty("inputs").GetInt32();
            _layers = network.GetProperty("layers").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            _activation = network.GetProperty("hidden_activation").GetString()!;
            Assert.Equal("linear", network.GetProperty("output_activation").GetString());
            _theta = Doubles(network.GetProperty("theta"));
            Assert.Equal(network.GetProperty("parameter_count").GetInt32(), _theta.Length);
            var action = root.GetProperty("action");
            _actionKind = action.GetProperty("kind").GetString()!;
            if (_actionKind != "discrete")
            {
                _low = Doubles(action.GetProperty("low"));
                _high = Doubles(action.GetProperty("high"));
                _bins = _actionKind == "box-bins" ? action.GetProperty("bins").GetInt32() : 0;
            }
        }

        public string Environment { get; }
        public bool Normalize { get; }
        public string ActionKind => _actionKind;

        public float[] Act(ReadOnlySpan<float> observation)
        {
            var x = new double[_inputs];
            for (var i = 0; i < _inputs; i++)
                x[i] = Normalize ? Math.Clamp((observation[i] - _mean[i]) / _std[i], -_clip, _clip) : observation[i];
            var offset = 0;
            for (var layer = 0; layer < _layers.Length; layer++)
            {
                var width = _layers[layer];
                var y = new double[width];
                for (var row = 0; row < width; row++)
                {
                    var sum = _theta[offset + width * x.Length + row]; // bias
                    for (var i = 0; i < x.Length; i++) sum += _theta[offset + row * x.Length + i] * x[i];
                    y[row] = layer == _layers.Length - 1 ? sum : _activation == "tanh" ? Math.Tanh(sum) : Math.Max(sum, 0);
                }
                offset += width * x.Length + width;
                x = y;
            }
            Assert.Equal(_theta.Length, offset);
            if (_actionKind == "discrete") return [ArgMax(x)];
            var action = new float[_low.Length];
            for (var d = 0; d < action.Length; d++)
                action[d] = (float)(_bins > 0
                    ? _low[d] + (_high[d] - _low[d]) * ArgMax(x.AsSpan(d * _bins, _bins)) / (_bins - 1)
                    : _actionKind == "box-linear" ? x[d]
                    : _low[d] + (_high[d] - _low[d]) * 0.5 * (Math.Tanh(x[d]) + 1));
            return action;
        }

        private static int ArgMax(ReadOnlySpan<double> values)
        {
            var best = 0;
            for (var i = 1; i < values.Length; i++) if (values[i] > values[best]) best = i;
            return best;
        }

        private static double[] Doubles(JsonElement array) => array.EnumerateArray().Select(e => e.GetDouble()).ToArray();
    }
}
