using EsActors.Domain.Runs;
using EsActors.Node.Outputs;
using EsActors.Node.Protocol;
using EsActors.Node.Tests.Support;

namespace EsActors.Node.Tests.Outputs;

public sealed class ProgressLogTests
{
    private static GenerationFigures Figures(int generation) =>
        new(generation, 100L * (generation + 1), 90L * (generation + 1), 4L * (generation + 1), generation, 1, -1, 2 * generation, 22.5, generation + 0.5, 3, 0.25, 0.5, 200);

    private static GenerationProgress Live(int generation) => new("R", Figures(generation), 1, 2, 4, false, [new NodeWork("n", 4, 1, 1, 1, 0, 0)]);

    private static IReadOnlyList<ProgressRow> Journal(int generations) => RunOutputs.Rows(Enumerable.Range(0, generations).Select(Figures));

    private static string[] Lines(string path) => File.ReadAllText(path).Split('\n', StringSplitOptions.RemoveEmptyEntries);

    [Fact]
    public void Rows_are_appended_and_flushed_one_per_generation_and_a_repeated_generation_is_skipped()
    {
        using var temp = new TempDirectory("progress-");
        var path = Path.Combine(temp.Path, "progress.csv");
        using var log = new ProgressLog(path);
        log.Append(Live(0)); // before Open: held back until the file is settled
        log.Open(0, [], null);
        log.Append(Live(1));
        log.Append(Live(1));
        var lines = Lines(path); // read while the log is still open: nothing waits in a buffer
        Assert.Equal(ProgressCsv.Header.TrimEnd('\n'), lines[0]);
        Assert.Equal(new[] { "1", "2" }, lines.Skip(1).Select(l => l.Split(',')[0]));
        Assert.EndsWith(",1,4,1,2", lines[2]); // nodes, slots, reissued, backups
        Assert.Equal("1", lines[2].Split(',')[6]); // elapsed: the two generations' wall seconds
    }

    [Fact]
    public void A_resumed_run_drops_a_torn_line_and_rows_past_the_journal_and_fills_the_generations_the_file_missed()
    {
        using var temp = new TempDirectory("progress-");
        var path = Path.Combine(temp.Path, "progress.csv");
        var rows = Journal(3).Select(r => r with { Nodes = 1, Slots = 4, Reissued = 0, Backups = 0 }).ToList();
        File.WriteAllText(path, ProgressCsv.Header + string.Concat(rows.Select(ProgressCsv.Line)) + "4,40"); // killed mid-line

        var kept = ProgressLog.UsableRows(path, recovered: 2);
        Assert.Equal(new[] { 1, 2 }, kept.Select(r => r.Generation)); // row 3 is past the journal's 2 generations
        Assert.Equal(rows[1], kept[1]); // read back exactly as written

        using (var log = new ProgressLog(path))
        {
            log.Open(5, ProgressLog.UsableRows(path, 5), Journal(5));
            log.Append(Live(5));
        }
        var lines = Lines(path);
        Assert.Equal(new[] { "1", "2", "3", "4", "5", "6" }, lines.Skip(1).Select(l => l.Split(',')[0]));
        Assert.Equal(ProgressCsv.Line(rows[2]).TrimEnd('\n'), lines[3]); // the file's own whole rows stay, live columns included
        Assert.EndsWith(",,,,", lines[4]); // a row rebuilt from the journal has no live columns
        Assert.DoesNotContain(lines, l => l.StartsWith("4,40,"));
    }

    [Fact]
    public void Completing_fills_a_generation_whose_progress_message_never_arrived()
    {
        using var temp = new TempDirectory("progress-");
        var path = Path.Combine(temp.Path, "progress.csv");
        using var log = new ProgressLog(path);
        log.Open(0, [], null);
        log.Append(Live(0));
        log.Append(Live(2)); // generation 2's message was lost
        log.Complete(Journal(3));
        Assert.Equal(new[] { "1", "2", "3" }, Lines(path).Skip(1).Select(l => l.Split(',')[0]));
    }
}
