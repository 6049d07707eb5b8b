using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using EsActors.Node.Protocol;

namespace EsActors.Node.Metrics;

/// <summary>
/// The node's instruments (System.Diagnostics.Metrics, Meter "EsActors"): readable with
/// <c>dotnet-counters monitor -n EsActors.Node --counters EsActors</c>, or as Prometheus text with <c>--metrics PORT</c>
/// (<see cref="MetricsEndpoint"/>). The optimizer records them; every measurement carries the run id (tag <c>run</c>).
/// Observing never feeds back into the run.
/// </summary>
public static class EsMetrics
{
    public const string MeterName = "EsActors";

    private static readonly Meter Meter = new(MeterName);

    /// <summary>Env steps of every batch result received (training and evaluation episodes), tagged with the evaluating node.</summary>
    public static readonly Counter<long> EnvSteps = Meter.CreateCounter<long>("esactors.env_steps", "{step}", "Env steps evaluated, by node");

    public static readonly Histogram<double> GenerationDuration = Meter.CreateHistogram<double>("esactors.generation.duration", "s",
        "Wall time of a generation, first batch out to last result in", tags: null,
        // CartPole generations take milliseconds, Hopper's seconds: the default boundaries (0 … 10000) suit neither.
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60] });

    public static readonly Counter<long> Reissued = Meter.CreateCounter<long>("esactors.batches.reissued", "{batch}", "Batches reissued (lost node or deadline)");

    public static readonly Counter<long> Backups = Meter.CreateCounter<long>("esactors.batches.backups", "{batch}", "Backup copies of straggling batches");

    /// <summary>PersistAsync call to its callback: how long the journal took to write a generation's event.</summary>
    public static readonly Histogram<double> JournalWriteLatency = Meter.CreateHistogram<double>("esactors.journal.write_latency", "ms",
        "Time from persisting a generation's event to the journal's confirmation", tags: null,
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.25, 0.5, 1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500] });

    private static readonly ConcurrentDictionary<RunGauges, byte> Live = new();

    static EsMetrics()
    {
        Meter.CreateObservableGauge("esactors.slots", () => Live.Keys.Select(r => new Measurement<int>(r.Slots, r.RunTag)), "{slot}",
            "Evaluator slots in the cluster at the last generation");
        Meter.CreateObservableGauge("esactors.env_steps_per_second", () => Live.Keys.Select(r => new Measurement<double>(r.StepsPerSecond, r.RunTag)), "{step}/s",
            "Env steps per second of the last generation");
        Meter.CreateObservableGauge("esactors.node.env_steps_per_second",
            () => Live.Keys.SelectMany(r => r.NodeRates.Select(n => new Measurement<double>(n.Rate, r.RunTag, new("node", n.Node)))), "{step}/s",
            "Env steps per second of each node since the previous generation");
    }

    /// <summary>Gauges of one optimizer; observed while registered.</summary>
    public static RunGauges Register(string runId)
    {
        var gauges = new RunGauges(runId);
        Live[gauges] = 0;
        return gauges;
    }

    public static void Unregister(RunGauges gauges) => Live.TryRemove(gauges, out _);

    /// <summary>The last generation's figures of one optimizer (written by the actor, read by metric collection).</summary>
    public sealed class RunGauges
    {
        private Dictionary<string, (long Steps, TimeSpan At)> _previous = new();
        private volatile NodeRate[] _nodeRates = [];

        internal RunGauges(string runId) => RunTag = new("run", runId);

        public KeyValuePair<string, object?> RunTag { get; }
        public volatile int Slots;
        public double StepsPerSecond { get => Volatile.Read(ref _stepsPerSecond); private set => Volatile.Write(ref _stepsPerSecond, value); }
        private double _stepsPerSecond;
        public IReadOnlyList<NodeRate> NodeRates => _nodeRates;

        /// <summary>Called by the optimizer at each completed generation with its cumulative per-node figures.</summary>
        public void Update(GenerationProgress progress, TimeSpan now)
        {
            Slots = progress.Evaluators;
            StepsPerSecond = progress.Figures.StepsPerSecond;
            var rates = new List<NodeRate>();
            var current = new Dictionary<string, (long, TimeSpan)>();
            foreach (var n in progress.Nodes)
            {
                current[n.Node] = (n.Steps, now);
                if (_previous.TryGetValue(n.Node, out var before) && now > before.At)
                    rates.Add(new NodeRate(n.Node, (n.Steps - before.Steps) / (now - before.At).TotalSeconds));
            }
            _previous = current;
            _nodeRates = rates.ToArray();
        }
    }

    public sealed record NodeRate(string Node, double Rate);
}
