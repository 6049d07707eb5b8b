using Microsoft.Data.Sqlite;

namespace EsActors.Node.Hosting;

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
    /// Akka.Persistence.Sql's journal, before Akka opens (and would auto-initialize) it. Nothing is written.
    /// </summary>
    public void ValidateBeforeStart()
    {
        if (IsPostgres) return;
        var path = SqlitePath!;
        var directory = Path.GetDirectoryName(path)!;
        try { Directory.CreateDirectory(directory); }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException) { throw new UserError($"cannot create the journal folder {directory}: {e.Message}"); }
        if (!File.Exists(path) || new FileInfo(path).Length == 0) return;
        var header = new byte[SqliteHeader.Length];
        using (var file = File.OpenRead(path)) { if (file.Read(header) < header.Length || !header.AsSpan().SequenceEqual(SqliteHeader)) throw new UserError($"journal {path} is not an EsActors journal (not an SQLite database)"); }
        using var connection = new SqliteConnection($"Data Source={path};Mode=ReadOnly");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT name FROM sqlite_master WHERE type = 'table'";
        var tables = new List<string>();
        using (var reader = command.ExecuteReader()) while (reader.Read()) tables.Add(reader.GetString(0));
        if (tables.Count > 0 && !tables.Contains("journal"))
            throw new UserError($"journal {path} is not an EsActors journal (it holds tables {string.Join(", ", tables.Take(5))} but no 'journal' table)");
    }
}
