using System.Data.Common;
using EsActors.Node.Configuration;
using EsActors.Node.Optimizer;

namespace EsActors.Bench.Chaos;

/// <summary>What a run's event log holds right now (read with plain SQL from Akka.Persistence.Sql's journal table).</summary>
/// <param name="Generations">Generation events written.</param>
/// <param name="Events">All events of the run.</param>
/// <param name="DistinctSequenceNumbers">Distinct sequence numbers: equal to <paramref name="Events"/> when nothing is written twice.</param>
/// <param name="Writers">Optimizer incarnations that wrote events (the first one, then one per handover or restart).</param>
internal sealed record JournalCounts(int Generations, int Events, int DistinctSequenceNumbers, long MaxSequenceNumber, int Writers);

/// <summary>Reads a run's event counts from the journal (SQLite file or PostgreSQL) while the cluster writes it.</summary>
internal sealed class JournalWatch(JournalTarget journal, string runId)
{
    private const string GenerationManifest = "E:generation:1";

    public async Task<JournalCounts> Read(CancellationToken cancellation)
    {
        await using var connection = Open();
        try { await connection.OpenAsync(cancellation); }
        catch (DbException) { return new JournalCounts(0, 0, 0, 0, 0); }
        await using var command = connection.CreateCommand();
        command.CommandText =
            "SELECT COUNT(*), COUNT(DISTINCT sequence_number), COALESCE(MAX(sequence_number), 0), COUNT(DISTINCT writer_uuid), " +
            "COALESCE(SUM(CASE WHEN manifest = @m THEN 1 ELSE 0 END), 0) FROM journal WHERE persistence_id = @p";
        Add(command, "@p", OptimizerActor.PersistenceIdFor(runId));
        Add(command, "@m", GenerationManifest);
        try
        {
            await using var reader = await command.ExecuteReaderAsync(cancellation);
            await reader.ReadAsync(cancellation);
            return new JournalCounts((int)Convert.ToInt64(reader.GetValue(4)), (int)reader.GetInt64(0), (int)reader.GetInt64(1), reader.GetInt64(2), (int)reader.GetInt64(3));
        }
        catch (DbException)
        {
            return new JournalCounts(0, 0, 0, 0, 0); // the file or table does not exist yet, or the write lock is held
        }
    }

    private DbConnection Open() => journal.IsPostgres
        ? new Npgsql.NpgsqlConnection(journal.ConnectionString)
        : new Microsoft.Data.Sqlite.SqliteConnection(journal.ConnectionString + ";Mode=ReadOnly;Pooling=False;Default Timeout=5");

    private static void Add(DbCommand command, string name, object value)
    {
        var parameter = command.CreateParameter();
        parameter.ParameterName = name;
        parameter.Value = value;
        command.Parameters.Add(parameter);
    }
}
