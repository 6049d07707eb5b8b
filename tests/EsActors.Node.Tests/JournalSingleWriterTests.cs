using Akka.Actor;
using Akka.Persistence;
using EsActors.Domain.Es;
using EsActors.Domain.Policies;
using EsActors.Domain.Runs;
using EsActors.Node.Tests.Support;
using EsActors.Node.Optimizer;
using EsActors.Node.Configuration;

namespace EsActors.Node.Tests;

/// <summary>
/// Split-brain safety: if a partition ever let two optimizers of one run live at once, the journal's unique
/// (persistence id, sequence number) key lets only the first write of each sequence number succeed; the
/// second writer's persist fails and Akka stops it, so the run's event log is never forked.
/// </summary>
public sealed class JournalSingleWriterTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    /// <summary>Persists one event when told to and reports the outcome.</summary>
    private sealed class Writer : ReceivePersistentActor
    {
        public sealed record Write(IRunEvent Event);
        public sealed record Written(long SequenceNr);
        public sealed record Recovered(long SequenceNr);

        private readonly IActorRef _probe;

        public Writer(string persistenceId, IActorRef probe)
        {
            PersistenceId = persistenceId;
            _probe = probe;
            Recover<IRunEvent>(_ => { });
            Recover<RecoveryCompleted>(_ => _probe.Tell(new Recovered(LastSequenceNr)));
            Command<Write>(w => Persist(w.Event, _ => _probe.Tell(new Written(LastSequenceNr))));
        }

        public override string PersistenceId { get; }
    }

    private static RunStarted Started(string env) => new(
        new RunDefinition(env, new NetworkShape(4, [8], 2, Activation.Tanh), 1, 4, 0.1f, new OptimizerSettings(), 0f, 123, 65536, false, 0, 1, 0, 0, 0, 20),
        new StopCriteria(10, null));

    [Fact]
    public async Task A_second_optimizer_cannot_write_a_sequence_number_the_first_already_wrote()
    {
        var config = NodeConfig.BuildLocal(JournalTarget.Parse(_temp.File("journal.db")));
        var persistenceId = OptimizerActor.PersistenceIdFor("split-brain");
        using var first = ActorSystem.Create("first", config);
        using var second = ActorSystem.Create("second", config);
        var probeA = new Akka.TestKit.Xunit2.TestKit(first);
        var probeB = new Akka.TestKit.Xunit2.TestKit(second);
        try
        {
            var a = first.ActorOf(Props.Create(() => new Writer(persistenceId, probeA.TestActor)));
            probeA.ExpectMsg<Writer.Recovered>(TimeSpan.FromSeconds(15)).SequenceNr.ShouldBe(0);
            var b = second.ActorOf(Props.Create(() => new Writer(persistenceId, probeB.TestActor)));
            probeB.ExpectMsg<Writer.Recovered>(TimeSpan.FromSeconds(15)).SequenceNr.ShouldBe(0);

            // Both believe the next sequence number is 1; the first one writes it.
            a.Tell(new Writer.Write(Started("CartPole-v1")));
            probeA.ExpectMsg<Writer.Written>(TimeSpan.FromSeconds(15)).SequenceNr.ShouldBe(1);

            // The second writer's event 1 is refused by the journal and the actor is stopped.
            probeB.Watch(b);
            b.Tell(new Writer.Write(Started("Pendulum-v1")));
            probeB.ExpectTerminated(b, TimeSpan.FromSeconds(15));

            // The journal holds exactly the first writer's event.
            var reader = first.ActorOf(Props.Create(() => new EventCollector(persistenceId, probeA.TestActor)));
            var events = probeA.ExpectMsg<EventCollector.Collected>(TimeSpan.FromSeconds(15)).Events;
            Assert.Single(events);
            Assert.Equal("CartPole-v1", Assert.IsType<RunStarted>(events[0]).Definition.EnvironmentId);
            first.Stop(reader);
        }
        finally
        {
            await Task.WhenAll(first.Terminate(), second.Terminate());
            probeA.Shutdown(); probeB.Shutdown();
        }
    }

    private sealed class EventCollector : ReceivePersistentActor
    {
        public sealed record Collected(IReadOnlyList<IRunEvent> Events);

        public EventCollector(string persistenceId, IActorRef probe)
        {
            PersistenceId = persistenceId;
            var events = new List<IRunEvent>();
            Recover<IRunEvent>(events.Add);
            Recover<RecoveryCompleted>(_ => probe.Tell(new Collected(events)));
        }

        public override string PersistenceId { get; }
    }

    public void Dispose() => _temp.Dispose();
}

internal static class AssertExtensions
{
    public static void ShouldBe(this long actual, long expected) => Assert.Equal(expected, actual);
}
