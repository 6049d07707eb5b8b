using Akka.Actor;
using EsActors.Node.Protocol;
using EsActors.Node.Serialization;

namespace EsActors.Node.Tests.Serialization;

/// <summary>The messages and events of several runs on one cluster round-trip through the protocol serializer with explicit manifests.</summary>
public sealed class RunHostProtocolSerializerTests : IDisposable
{
    private readonly ActorSystem _system = ActorSystem.Create("serializer-tests");
    private EsSerializer Serializer => new((ExtendedActorSystem)_system);

    private T RoundTrip<T>(T message, string manifest) where T : notnull
    {
        Assert.Equal(manifest, Serializer.Manifest(message));
        return Assert.IsType<T>(Serializer.FromBinary(Serializer.ToBinary(message), manifest));
    }

    [Fact]
    public void Run_host_events_and_multi_run_queries_round_trip()
    {
        Assert.Equal(new RunHosted("a"), RoundTrip(new RunHosted("a"), "E:run-hosted:1"));
        Assert.Equal(new RunRetired("a", true), RoundTrip(new RunRetired("a", true), "E:run-retired:1"));
        Assert.Equal(new RunRetired("b", false), RoundTrip(new RunRetired("b", false), "E:run-retired:1"));
        Assert.Equal(new GetRunStatus("r"), RoundTrip(new GetRunStatus("r"), "gs2"));
        Assert.Equal(new GetRunStatus(), RoundTrip(new GetRunStatus(), "gs2"));
        Assert.Same(ListRuns.Instance, RoundTrip(ListRuns.Instance, "lr1"));
        Assert.Equal(new StopRun("s"), RoundTrip(new StopRun("s"), "sp1"));
        Assert.Equal(new RunStopped("s"), RoundTrip(new RunStopped("s"), "sd1"));
        Assert.Equal(new RunActivated("legacy"), RoundTrip(new RunActivated("legacy"), "E:run-activated:1"));
    }

    [Fact]
    public void A_run_list_round_trips_with_its_statuses_and_paused_runs()
    {
        var list = new RunList(
            [
                new RunStatus("a", 3, 1200, 42.5, false, null, 1, 2, [new NodeWork("n1", 2, 10, 500, 1.5, 1, 0)]),
                new RunStatus("b", 7, 9000, null, true, "failed", 0, 0, []),
            ],
            ["c"]);
        var back = RoundTrip(list, "rl1");
        Assert.Equal(["c"], back.Paused);
        Assert.Equal(2, back.Runs.Length);
        Assert.Equal(list.Runs[0] with { Nodes = [] }, back.Runs[0] with { Nodes = [] });
        Assert.Equal(list.Runs[0].Nodes, back.Runs[0].Nodes);
        Assert.Equal(list.Runs[1] with { Nodes = [] }, back.Runs[1] with { Nodes = [] });
    }

    [Fact]
    public void A_status_query_of_protocol_4_still_reads_as_the_run_started_last()
    {
        Assert.Equal(new GetRunStatus(), Serializer.FromBinary([], "gs1"));
    }

    public void Dispose() => _system.Terminate().Wait(TimeSpan.FromSeconds(10));
}
