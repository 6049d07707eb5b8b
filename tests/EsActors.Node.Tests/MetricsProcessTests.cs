using System.Diagnostics;
using EsActors.Node.Tests.Cluster;
using EsActors.Node.Tests.Support;
using Xunit.Abstractions;

namespace EsActors.Node.Tests;

/// <summary><c>train --metrics PORT</c> serves the EsActors instruments as Prometheus text on loopback while it trains.</summary>
[Collection(CliCollection.Name)]
public sealed class MetricsProcessTests(CliFixture fixture, ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(120);

    private static readonly string[] MetricNames =
    [
        "esactors_env_steps_total", "esactors_generation_duration_seconds_bucket", "esactors_journal_write_latency_milliseconds_bucket",
        "esactors_slots", "esactors_env_steps_per_second", "esactors_node_env_steps_per_second",
    ];

    [Fact]
    public async Task Train_with_metrics_serves_the_instruments_to_a_Prometheus_scrape()
    {
        var work = fixture.NewFolder("metrics");
        var port = ClusterProcess.FreePort();
        using var train = CliProcess.Start(work, "train", "--env", "Pendulum-v1", "--run-id", "P", "--out", Path.Combine(work, "out"),
            "--generations", "100000", "--target-return", "100000", "--slots", "1", "--metrics", $"{port}");
        try
        {
            Assert.True(await train.WaitForStdoutAsync(l => l.Count(x => x.StartsWith("gen ", StringComparison.Ordinal)) >= 3, Timeout), "train never printed 3 generations");
            Assert.Contains(train.Stdout, l => l == $"metrics: http://localhost:{port}/metrics");

            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
            var text = "";
            var clock = Stopwatch.StartNew();
            // Every name appears once its first measurement was exported (the exporter caches a scrape briefly): poll with a deadline.
            while (!MetricNames.All(n => text.Contains(n + "{")) && clock.Elapsed < Timeout)
            {
                if (text.Length > 0) await Task.Delay(250);
                text = await http.GetStringAsync($"http://localhost:{port}/metrics");
            }
            output.WriteLine(text);
            foreach (var name in MetricNames) Assert.Contains(name + "{", text);
            Assert.Contains("run=\"P\"", text);
            Assert.False(train.HasExited);
        }
        finally
        {
            output.WriteLine(train.Snapshot().Describe());
        }
    }
}
