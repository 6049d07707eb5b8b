using EsActors.Node.Optimizer;

namespace EsActors.Node.Tests.Optimizer;

public sealed class NodeLedgerTests
{
    [Fact]
    public void Figures_list_nodes_with_slots_and_nodes_that_did_work_in_node_order()
    {
        var ledger = new NodeLedger();
        ledger.CountBatch("b", steps: 100, seconds: 0.5);
        ledger.CountBatch("b", steps: 50, seconds: 0.25);
        ledger.CountReissue("c");
        ledger.CountBackup("b");
        var figures = ledger.Figures(new Dictionary<string, int> { ["a"] = 2, ["b"] = 1 });
        Assert.Equal(["a", "b", "c"], figures.Select(f => f.Node));
        var (a, b, c) = (figures[0], figures[1], figures[2]);
        Assert.Equal((2, 0L, 0L), (a.Slots, a.Batches, a.Steps));
        Assert.Equal((1, 2L, 150L, 0.75, 0, 1), (b.Slots, b.Batches, b.Steps, b.EvaluationSeconds, b.Reissued, b.Backups));
        Assert.Equal(200, b.StepsPerBusySecond);
        Assert.Equal((0, 1), (c.Slots, c.Reissued)); // a node that left still shows what it did
    }
}
