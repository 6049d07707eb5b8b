using Akka.Actor;
using EsActors.Node.Optimizer;

namespace EsActors.Node.Tests.Optimizer;

/// <summary>The optimizer's slot table, without an actor system (entity references are strings).</summary>
public sealed class SlotTableTests
{
    private static readonly Address A = new("akka.tcp", "esactors", "10.0.0.1", 2551);
    private static readonly Address B = new("akka.tcp", "esactors", "10.0.0.2", 2551);
    private const string NodeA = "10.0.0.1:2551:11", NodeB = "10.0.0.2:2551:22";
    private static string[] SlotsOf(string node, int count) => Enumerable.Range(0, count).Select(k => $"{node}:{k}").ToArray();

    private static SlotTable<string> TwoNodes()
    {
        var table = new SlotTable<string>();
        table.AddNode(NodeB, B, SlotsOf(NodeB, 1));
        table.AddNode(NodeA, A, SlotsOf(NodeA, 2));
        return table;
    }

    [Fact]
    public void Slots_are_added_once_and_listed_in_id_order()
    {
        var table = TwoNodes();
        Assert.Equal((0, false), table.AddNode(NodeA, A, SlotsOf(NodeA, 2)));
        Assert.Equal((1, false), table.AddNode(NodeA, A, SlotsOf(NodeA, 3)));
        Assert.Equal([$"{NodeA}:0", $"{NodeA}:1", $"{NodeA}:2", $"{NodeB}:0"], table.Occupancy().Select(o => o.Evaluator));
        Assert.Equal([NodeA, NodeB], table.Nodes.Select(n => n.Node));
        Assert.Equal(3, table.SlotsPerNode()[NodeA]);
    }

    [Fact]
    public void Only_the_answer_to_an_assignment_frees_its_place()
    {
        var table = TwoNodes();
        var slot = $"{NodeA}:0";
        table.Hold(slot, generation: 3, attempt: 1);
        table.Hold(slot, generation: 3, attempt: 2);
        table.Free(slot, generation: 2, attempt: 1); // a late answer to an older generation's batch
        Assert.Equal(2, table.Occupancy().Single(o => o.Evaluator == slot).Held);
        table.Free(slot, generation: 3, attempt: 1);
        Assert.Equal(1, table.Occupancy().Single(o => o.Evaluator == slot).Held);
        table.FreeAll(slot);
        Assert.Equal(0, table.Occupancy().Single(o => o.Evaluator == slot).Held);
    }

    [Fact]
    public void A_lost_node_takes_its_slots_and_entities_and_stays_out_until_reachable()
    {
        var table = TwoNodes();
        Assert.True(table.LearnEntity($"{NodeA}:1", "entity-a1"));
        Assert.True(table.LearnEntity($"{NodeB}:0", "entity-b0"));
        var (lost, entities) = table.RemoveNode(NodeA, unreachable: true);
        Assert.Equal([$"{NodeA}:0", $"{NodeA}:1"], lost);
        Assert.Equal(["entity-a1"], entities);
        Assert.True(table.IsUnreachable(NodeA));
        Assert.Equal([NodeB], table.Nodes.Select(n => n.Node));
        Assert.Null(table.EntityOf($"{NodeA}:1"));
        Assert.Equal("entity-b0", table.EntityOf($"{NodeB}:0"));
        table.MarkReachable(NodeA);
        Assert.False(table.IsUnreachable(NodeA));
    }

    [Fact]
    public void Entities_are_learnt_for_live_slots_only_and_forgotten_when_they_stop()
    {
        var table = TwoNodes();
        Assert.False(table.LearnEntity("10.0.0.9:1:9:0", "stranger"));
        Assert.True(table.LearnEntity($"{NodeA}:0", "e"));
        Assert.False(table.LearnEntity($"{NodeA}:0", "e")); // already known: watched once
        Assert.Equal([$"{NodeA}:0"], table.ForgetEntity("e"));
        Assert.Null(table.EntityOf($"{NodeA}:0"));
    }

    [Fact]
    public void Replicas_are_kept_only_for_nodes_still_here_and_refusals_and_misplacements_are_reported_once()
    {
        var table = TwoNodes();
        table.SetReplica(NodeB, "replica-b");
        table.SetReplica("10.0.0.9:1:9", "replica-gone");
        Assert.Equal([null, "replica-b"], table.Nodes.Select(n => n.Replica));
        Assert.True(table.Refuse("x"));
        Assert.False(table.Refuse("x"));
        // Placement is checked on a slot's first answer only: an answer from another node is reported once.
        Assert.True(table.FirstAnswerIsMisplaced($"{NodeA}:0", "akka.tcp://esactors@10.0.0.2:2551"));
        Assert.False(table.FirstAnswerIsMisplaced($"{NodeA}:0", "akka.tcp://esactors@10.0.0.2:2551"));
        Assert.False(table.FirstAnswerIsMisplaced($"{NodeA}:1", "akka.tcp://esactors@10.0.0.1:2551"));
    }
}
