using Akka.Actor;
using EsActors.Domain.Runs;
using EsActors.Bench;
using EsActors.Node.Protocol;
using EsActors.Node.Serialization;
using EsActors.Domain.Scheduling;

namespace EsActors.Bench.Tests;

public sealed class GenerationTrafficTests : IDisposable
{
    private readonly ActorSystem _system = ActorSystem.Create("traffic-tests", "akka.loglevel = WARNING");
    private readonly EsSerializer _serializer;

    public GenerationTrafficTests() => _serializer = new EsSerializer((ExtendedActorSystem)_system);

    [Theory]
    [InlineData(64)]
    [InlineData(1024)]
    public void Bytes_per_generation_do_not_depend_on_the_parameter_count(int population)
    {
        var small = GenerationTraffic.Measure(_serializer.ToBinary, population, 1_000, 4, 1, 2);
        var large = GenerationTraffic.Measure(_serializer.ToBinary, population, 1_000_000, 4, 1, 2);
        Assert.True(large.Parameters > 900 * small.Parameters);
        Assert.Equal(small.TotalBytes, large.TotalBytes);
        Assert.Equal(small with { Parameters = 0 }, large with { Parameters = 0 });
    }

    [Fact]
    public void Bytes_per_generation_grow_with_the_population()
    {
        var sizes = new[] { 64, 256, 1024 }.Select(p => GenerationTraffic.Measure(_serializer.ToBinary, p, 1_000, 4, 1, 2).TotalBytes).ToArray();
        Assert.True(sizes[0] < sizes[1] && sizes[1] < sizes[2], string.Join(", ", sizes));
    }

    [Fact]
    public void Messages_cover_every_pair_once_and_round_trip()
    {
        var run = GenerationTraffic.Definition(256, 5_000);
        var messages = GenerationTraffic.Messages(run, 3, 2, 2);
        // Every episode once: a pair whole, or its two halves in separate batches (the split tail).
        var episodes = messages.OfType<SeedBatch>().SelectMany(b => b.Items).Where(i => !i.IsEvaluation)
            .SelectMany(i => i.Half == PairHalf.Both ? [(i.Index, PairHalf.Positive), (i.Index, PairHalf.Negative)] : new[] { (i.Index, i.Half) })
            .Order().ToArray();
        Assert.Equal(Enumerable.Range(0, run.Pairs).SelectMany(i => new[] { (i, PairHalf.Positive), (i, PairHalf.Negative) }), episodes);
        Assert.Contains(messages.OfType<SeedBatch>(), b => b.Items is [{ Half: PairHalf.Negative }]);
        Assert.Equal(messages.OfType<SeedBatch>().Count(), messages.OfType<BatchResult>().Count());
        Assert.Equal(3, messages.OfType<GenerationsReply>().Count());
        foreach (var message in messages)
        {
            var bytes = _serializer.ToBinary(message);
            var back = _serializer.FromBinary(bytes, _serializer.Manifest(message));
            Assert.Equal(bytes, _serializer.ToBinary(back));
        }
    }

    public void Dispose() => _system.Terminate().Wait(TimeSpan.FromSeconds(10));
}
