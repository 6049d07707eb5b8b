using Microsoft.Data.Sqlite;

namespace EsActors.Node.Configuration;

/// <summary>Where events and snapshots go: an SQLite file (embedded default) or a PostgreSQL connection string.</summary>
public sealed record JournalTarget(bool IsPostgres, string ConnectionString, string Description)
{
    private static readonly byte[] SqliteHeader = "SQLite format 3\0"u8.ToArray();

    /// <summary>Interprets --journal: a value containing "Host=" (Npgsql syntax) is PostgreSQL, anything else a file path.</summary>
    public static JournalTarget Parse(string value)
    {
        if (string.IsNullOrWhiteSpace(value)) throw new UserError("--journal must not be empty");
        if (value.Contains("Host=", StringComparison.OrdinalIgnoreCase) || value.StartsWith("postgres", StringComparison.OrdinalIgnoreCase))
        {
            try { _ = new Npgsql.NpgsqlConnectionStringBuilder(value); }
            catch (ArgumentException e) { throw new UserError($"--journal is not a valid PostgreSQL connection string: {e.Message}"); }
            return new JournalTarget(true, value, "PostgreSQL");
        }
        var path = Path.GetFullPath(value);
        return new JournalTarget(false, $"Data Source={path}", path);
    }

    public string? SqlitePath => IsPostgres ? null : Description;

    /// <summary>
    /// Refuses an existing file that is not an SQLite database, or an SQLite database that holds tables but not
    /// Akka.Persistence.Sql's journal, before Akka opens (and would auto-initialize) it. Nothing is written, except
    /// that SQLite rolls back a transaction that a crash left unfinished.
    /// </summary>
    public void ValidateBeforeStart()
    {
        if (IsPostgres) { CheckPostgresReachable(); return; }
        var path = SqlitePath!;
        var directory = Path.GetDirectoryName(path)!;
        try { Directory.CreateDirectory(directory); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new UserError($"cannot create the journal folder {directory}: {e.Message}"); }
        if (!File.Exists(path) || new FileInfo(path).Length == 0) return;
        var header = new byte[SqliteHeader.Length];
        using (var file = File.OpenRead(path)) { if (file.Read(header) < header.Length || !header.AsSpan().SequenceEqual(SqliteHeader)) throw new UserError($"journal {path} is not an EsActors journal (not an SQLite database)"); }
        List<string> tables;
        try { tables = Tables(path, SqliteOpenMode.ReadOnly); }
        catch (SqliteException e) when (e.SqliteErrorCode == 8)
        {
            // SQLITE_READONLY: a node killed mid-transaction left a hot rollback journal (journal.db-journal) that
            // SQLite must roll back before anyone may read; a read-only connection cannot. Opening read-write lets
            // SQLite recover the file, exactly as Akka's own connection would.
            try { tables = Tables(path, SqliteOpenMode.ReadWrite); }
            catch (SqliteException inner) { throw new UserError($"journal {path} cannot be opened: {inner.Message}"); }
        }
        catch (SqliteException e) when (e.SqliteErrorCode is 5 or 6) // SQLITE_BUSY, SQLITE_LOCKED
        {
            throw new UserError($"journal {path} is locked by another process: {e.Message}", ExitCodes.JournalUnavailable);
        }
        catch (SqliteException e) { throw new UserError($"journal {path} is not an EsActors journal (unreadable SQLite database: {e.Message})"); }
        if (tables.Count > 0 && !tables.Contains("journal"))
            throw new UserError($"journal {path} is not an EsActors journal (it holds tables {string.Join(", ", tables.Take(5))} but no 'journal' table)");
    }

    /// <summary>
    /// Connects once with a short timeout, so a wrong host, a closed port or bad credentials give one line within a few
    /// seconds instead of the journal plugin's retries and stack traces. The run's own connections keep their settings.
    /// </summary>
    private void CheckPostgresReachable()
    {
        var builder = new Npgsql.NpgsqlConnectionStringBuilder(ConnectionString) { Pooling = false };
        builder.Timeout = Math.Min(builder.Timeout, 5);
        if (string.IsNullOrWhiteSpace(builder.Host)) throw new UserError("--journal is not a valid PostgreSQL connection string: it names no Host");
        try
        {
            using var connection = new Npgsql.NpgsqlConnection(builder.ConnectionString);
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT 1";
            command.ExecuteScalar();
        }
        catch (Exception e) when (e is Npgsql.NpgsqlException or System.Net.Sockets.SocketException or TimeoutException or InvalidOperationException or ArgumentException)
        {
            var reason = e.InnerException is { } inner && inner.Message != e.Message ? $"{e.Message} ({inner.Message})" : e.Message;
            throw new UserError($"journal PostgreSQL at {builder.Host}:{builder.Port} cannot be reached: {FirstLine(reason)}", ExitCodes.JournalUnavailable);
        }
    }

    private static string FirstLine(string s) => s.Split('\n')[0].Trim();

    private static List<string> Tables(string path, SqliteOpenMode mode)
    {
        // A short busy timeout: a journal locked by another process is reported within seconds, not after 30 s.
        var builder = new SqliteConnectionStringBuilder { DataSource = path, Mode = mode, Pooling = false, DefaultTimeout = 3 };
        using var connection = new SqliteConnection(builder.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table'";
        var tables = new List<string>();
        using (var reader = command.ExecuteReader()) while (reader.Read()) tables.Add(reader.GetString(0));
        return tables;
    }
}
