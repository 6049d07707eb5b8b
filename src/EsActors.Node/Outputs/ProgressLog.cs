using System.Globalization;
using EsActors.Node.Protocol;

namespace EsActors.Node.Outputs;

/// <summary>
/// progress.csv while a run trains: one line appended and flushed per generation, so the file is current whatever
/// stops the process. A resumed run keeps the rows the journal also holds, drops a torn last line and anything past
/// the journal, fills generations the file missed from the journal (live-only columns empty), and then appends —
/// one row per generation, in order. Thread-safe: the monitor actor appends, the command opens and completes.
/// </summary>
public sealed class ProgressLog : IDisposable
{
    private readonly string _path;
    private readonly object _lock = new();
    private readonly List<ProgressRow> _rows = new();
    private readonly List<GenerationProgress> _early = new();
    private StreamWriter? _writer;

    public ProgressLog(string path) => _path = path;

    /// <summary>Generations in the file (the last row's generation: rows are 1, 2, ... without gaps).</summary>
    public int LastGeneration { get { lock (_lock) return _rows.Count == 0 ? 0 : _rows[^1].Generation; } }

    public IReadOnlyList<ProgressRow> Rows { get { lock (_lock) return _rows.ToList(); } }

    /// <summary>
    /// How many of the file's rows are usable for a run the journal holds <paramref name="recovered"/> generations
    /// of: the leading complete rows 1, 2, ... up to it. Fewer than <paramref name="recovered"/> means the caller must
    /// rebuild the rest from the journal.
    /// </summary>
    public static IReadOnlyList<ProgressRow> UsableRows(string path, int recovered)
    {
        var rows = new List<ProgressRow>();
        if (!File.Exists(path)) return rows;
        var text = File.ReadAllText(path);
        if (!text.StartsWith(ProgressCsv.Header, StringComparison.Ordinal)) return rows; // another format: rebuild it all
        var lines = text[ProgressCsv.Header.Length..].Split('\n');
        // The last element is what follows the last newline: empty, or a line torn by a kill mid-write.
        for (var i = 0; i < lines.Length - 1 && rows.Count < recovered; i++)
        {
            if (ProgressCsv.Parse(lines[i]) is not { } row || row.Generation != rows.Count + 1) break;
            rows.Add(row);
        }
        return rows;
    }

    /// <summary>
    /// Writes the file for a run that starts at <paramref name="recovered"/> generations: <paramref name="kept"/> (from
    /// <see cref="UsableRows"/>) and, after them, <paramref name="rebuilt"/>'s rows up to <paramref name="recovered"/>;
    /// then appends whatever progress arrived meanwhile.
    /// </summary>
    public void Open(int recovered, IReadOnlyList<ProgressRow> kept, IReadOnlyList<ProgressRow>? rebuilt)
    {
        lock (_lock)
        {
            _rows.Clear();
            _rows.AddRange(kept);
            if (rebuilt is not null)
                _rows.AddRange(rebuilt.Where(r => r.Generation > _rows.Count && r.Generation <= recovered).Take(recovered - _rows.Count));
            RunOutputs.WriteProgress(_path, _rows);
            _writer = new StreamWriter(new FileStream(_path, FileMode.Append, FileAccess.Write, FileShare.Read));
            foreach (var p in _early) Write(p);
            _early.Clear();
        }
    }

    /// <summary>Appends the generation's row unless the file already has it.</summary>
    public void Append(GenerationProgress p)
    {
        lock (_lock)
        {
            if (_writer is null) _early.Add(p);
            else Write(p);
        }
    }

    /// <summary>
    /// At the end of a run: the journal's rows for any generation the file lacks (a progress message is delivered at
    /// most once), keeping the live rows. Rewrites the file only when something was missing.
    /// </summary>
    public void Complete(IReadOnlyList<ProgressRow> rebuilt)
    {
        lock (_lock)
        {
            var have = _rows.Select(r => r.Generation).ToHashSet();
            if (rebuilt.All(r => have.Contains(r.Generation))) return;
            _writer?.Dispose();
            var merged = _rows.Concat(rebuilt.Where(r => !have.Contains(r.Generation))).OrderBy(r => r.Generation).ToList();
            _rows.Clear();
            _rows.AddRange(merged);
            RunOutputs.WriteProgress(_path, _rows);
            _writer = new StreamWriter(new FileStream(_path, FileMode.Append, FileAccess.Write, FileShare.Read));
        }
    }

    private void Write(GenerationProgress p)
    {
        if (p.Generation + 1 <= LastGenerationUnlocked) return; // already there (resumed run, or a redelivery)
        var elapsed = _rows.Count == 0 ? 0 : _rows[^1].ElapsedSeconds;
        var row = ProgressRow.From(p.Figures, elapsed) with { Nodes = p.ActiveNodes, Slots = p.Evaluators, Reissued = p.Reissued, Backups = p.Backups };
        _rows.Add(row);
        // One write of the whole line, then a flush: a reader (or a kill) sees whole rows only, at worst without the last.
        _writer!.Write(ProgressCsv.Line(row));
        _writer.Flush();
    }

    private int LastGenerationUnlocked => _rows.Count == 0 ? 0 : _rows[^1].Generation;

    public void Dispose()
    {
        lock (_lock) { _writer?.Dispose(); _writer = null; }
    }
}
