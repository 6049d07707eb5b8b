using EsActors.Node.Tests.Support;
using Microsoft.Data.Sqlite;
using EsActors.Node.Configuration;

namespace EsActors.Node.Tests;

/// <summary>The journal check that runs before Akka opens an SQLite journal file.</summary>
public sealed class JournalTargetTests : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static long Count(string path, string table)
    {
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = $"SELECT COUNT(*) FROM {table}";
        return (long)command.ExecuteScalar()!;
    }

    /// <summary>
    /// What a node killed with SIGKILL in the middle of a write leaves behind: the database plus a hot rollback
    /// journal (made here by copying both files while a write transaction is open).
    /// </summary>
    private string CrashedJournal()
    {
        var live = _temp.File("live.db");
        using var connection = new SqliteConnection($"Data Source={live};Pooling=False");
        connection.Open();
        Execute(connection, "PRAGMA journal_mode = DELETE; CREATE TABLE journal (id INTEGER PRIMARY KEY, payload BLOB); INSERT INTO journal (payload) VALUES (zeroblob(100));");
        using var transaction = connection.BeginTransaction();
        using (var command = connection.CreateCommand())
        {
            command.Transaction = transaction;
            // Enough data to spill pages into the database file before commit.
            command.CommandText = "PRAGMA cache_size = 1; WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000) INSERT INTO journal (payload) SELECT zeroblob(1000) FROM n;";
            command.ExecuteNonQuery();
        }
        var crashed = _temp.File("crashed.db");
        File.Copy(live, crashed);
        File.Copy(live + "-journal", crashed + "-journal");
        transaction.Rollback();
        return crashed;
    }

    [Fact]
    public void A_journal_left_with_a_hot_rollback_journal_by_a_crash_is_accepted_and_recovered()
    {
        var path = CrashedJournal();
        // Precondition: this is the state that a read-only connection cannot read.
        var readOnly = Assert.Throws<SqliteException>(() =>
        {
            using var connection = new SqliteConnection($"Data Source={path};Mode=ReadOnly;Pooling=False");
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT name FROM sqlite_master";
            command.ExecuteScalar();
        });
        Assert.Equal(8, readOnly.SqliteErrorCode);

        JournalTarget.Parse(path).ValidateBeforeStart();

        Assert.Equal(1, Count(path, "journal")); // the unfinished transaction was rolled back
        Assert.False(File.Exists(path + "-journal"));
    }

    [Fact]
    public void A_file_with_an_sqlite_header_but_garbage_inside_is_a_user_error()
    {
        var path = _temp.File("garbage.db");
        var bytes = new byte[8192];
        new Random(3).NextBytes(bytes);
        "SQLite format 3\0"u8.CopyTo(bytes);
        File.WriteAllBytes(path, bytes);
        var error = Assert.Throws<UserError>(() => JournalTarget.Parse(path).ValidateBeforeStart());
        Assert.Contains(path, error.Message);
        Assert.Equal(bytes, File.ReadAllBytes(path));
    }

    [Fact]
    public void An_empty_or_missing_file_and_an_esactors_journal_are_accepted()
    {
        JournalTarget.Parse(_temp.File("missing.db")).ValidateBeforeStart();
        var empty = _temp.File("empty.db");
        File.WriteAllBytes(empty, []);
        JournalTarget.Parse(empty).ValidateBeforeStart();
        var ours = _temp.File("ours.db");
        using (var connection = new SqliteConnection($"Data Source={ours};Pooling=False"))
        {
            connection.Open();
            Execute(connection, "CREATE TABLE journal (id INTEGER); CREATE TABLE snapshot (id INTEGER);");
        }
        JournalTarget.Parse(ours).ValidateBeforeStart();
    }
}
