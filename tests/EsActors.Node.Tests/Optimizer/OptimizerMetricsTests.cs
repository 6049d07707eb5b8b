using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Akka.Actor;
using EsActors.Node.Metrics;
using EsActors.Node.Optimizer;
using EsActors.Node.Protocol;
using EsActors.Node.Tests.Support;
using Xunit.Abstractions;

namespace EsActors.Node.Tests.Optimizer;

/// <summary>The optimizer records the "EsActors" instruments while it trains (seen by a MeterListener, as dotnet-counters sees them).</summary>
public sealed class OptimizerMetricsTests(ITestOutputHelper output) : ClusterTestKit(output)
{
    [Fact]
    public void Optimizer_records_steps_generation_durations_journal_writes_and_slots()
    {
        // A run id of its own: other tests' optimizers in this process record into the same meter.
        var runId = $"metrics-{Guid.NewGuid():N}";
        var measurements = new ConcurrentBag<(string Instrument, double Value, string? Node)>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) => { if (instrument.Meter.Name == EsMetrics.MeterName) l.EnableMeasurementEvents(instrument); };
        void OnMeasurement(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            string? run = null, node = null;
            foreach (var tag in tags)
                if (tag.Key == "run") run = tag.Value as string;
                else if (tag.Key == "node") node = tag.Value as string;
            if (run == runId) measurements.Add((instrument.Name, value, node));
        }
        listener.SetMeasurementEventCallback<double>((i, v, t, _) => OnMeasurement(i, v, t));
        listener.SetMeasurementEventCallback<long>((i, v, t, _) => OnMeasurement(i, v, t));
        listener.SetMeasurementEventCallback<int>((i, v, t, _) => OnMeasurement(i, v, t));
        listener.Start();

        var evaluators = CreateTestProbe();
        var optimizer = Sys.ActorOf(OptimizerActor.Props(runId, Settings, evaluators.Ref, mediator: null));
        AwaitSlotsKnown(optimizer);
        var (definition, stop) = Definition(generations: 3);
        optimizer.Tell(new StartRunRequest(runId, definition, stop));
        ExpectMsg<RunAccepted>(Long);
        long steps = 0;
        while (StatusOf(optimizer).State.Generation < 3)
            if (evaluators.ReceiveOne(TimeSpan.FromMilliseconds(200)) is SeedBatch batch)
            {
                var result = FakeResults.For(batch);
                steps += result.Items.Sum(i => i.Steps);
                optimizer.Tell(result, evaluators.Ref);
            }
        // The third generation's journal write may still be on its way: a graceful stop waits for it.
        Watch(optimizer);
        optimizer.Tell(OptimizerActor.Shutdown.Instance);
        ExpectTerminated(optimizer, Long);
        listener.RecordObservableInstruments(); // gauges of a stopped optimizer are gone: none may be reported for it
        Assert.DoesNotContain(measurements, m => m.Instrument == "esactors.slots");

        var byName = measurements.GroupBy(m => m.Instrument).ToDictionary(g => g.Key, g => g.ToList());
        Assert.Equal(steps, byName["esactors.env_steps"].Sum(m => m.Value));
        Assert.All(byName["esactors.env_steps"], m => Assert.False(string.IsNullOrEmpty(m.Node)));
        Assert.Equal(3, byName["esactors.generation.duration"].Count);
        Assert.All(byName["esactors.generation.duration"], m => Assert.True(m.Value > 0));
        Assert.Equal(3, byName["esactors.journal.write_latency"].Count);
        Assert.All(byName["esactors.journal.write_latency"], m => Assert.True(m.Value >= 0));
    }

    [Fact]
    public void Gauges_report_the_last_generation_while_the_optimizer_runs()
    {
        var runId = $"gauges-{Guid.NewGuid():N}";
        var gauges = EsMetrics.Register(runId);
        try
        {
            var slots = new List<int>();
            var nodeRates = new List<(double Rate, string Node)>();
            using var listener = new MeterListener();
            listener.InstrumentPublished = (instrument, l) => { if (instrument.Meter.Name == EsMetrics.MeterName) l.EnableMeasurementEvents(instrument); };
            listener.SetMeasurementEventCallback<int>((i, v, tags, _) => { if (i.Name == "esactors.slots" && tags.ToArray().Contains(new("run", runId))) slots.Add(v); });
            listener.SetMeasurementEventCallback<double>((i, v, tags, _) =>
            {
                var t = tags.ToArray();
                if (i.Name == "esactors.node.env_steps_per_second" && t.Contains(new("run", runId))) nodeRates.Add((v, (string)t.Single(x => x.Key == "node").Value!));
            });
            listener.Start();

            var figures = new EsActors.Domain.Runs.GenerationFigures(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1000);
            gauges.Update(new GenerationProgress(runId, figures, 0, 0, 3, false, [new NodeWork("a", 3, 1, 1000, 1, 0, 0)]), TimeSpan.FromSeconds(1));
            gauges.Update(new GenerationProgress(runId, figures, 0, 0, 3, false, [new NodeWork("a", 3, 2, 3000, 2, 0, 0)]), TimeSpan.FromSeconds(2));
            listener.RecordObservableInstruments();
            Assert.Equal([3], slots);
            Assert.Equal([(2000.0, "a")], nodeRates); // 2000 more steps in one second
        }
        finally { EsMetrics.Unregister(gauges); }
    }
}
