using EsActors.Node.Tests.Support;
using EsActors.Node;
using Microsoft.Data.Sqlite;
using Xunit.Abstractions;

namespace EsActors.Node.Tests;

/// <summary>
/// Bad input to the CLI: each ends with a non-zero exit code and exactly one line on stderr that names the problem,
/// never a stack trace; a journal file that is not EsActors' own is left untouched.
/// </summary>
[Collection(CliCollection.Name)]
public sealed class BadInputProcessTests(CliFixture fixture, ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    private async Task<CliResult> Run(string work, params string[] args)
    {
        var result = await CliProcess.RunAsync(Timeout, work, args);
        output.WriteLine($"$ EsActors.Node {string.Join(' ', args)}\n{result.Describe()}");
        return result;
    }

    /// <summary>A short training run, in case the bad input were not caught.</summary>
    private static string[] Train(string work, params string[] extra) =>
        ["train", "--out", Path.Combine(work, "out"), "--run-id", "bad", "--generations", "1", "--population", "8", "--slots", "1", .. extra];

    private static void AssertOneLineError(CliResult result, params string[] mentions)
    {
        Assert.True(result.ExitCode != 0, $"exit code 0\n{result.Describe()}");
        var lines = result.Stderr.Where(l => !string.IsNullOrWhiteSpace(l)).ToList();
        Assert.True(lines.Count == 1, $"expected one line on stderr\n{result.Describe()}");
        Assert.StartsWith("error: ", lines[0]);
        foreach (var mention in mentions) Assert.Contains(mention, lines[0], StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("   at ", string.Join('\n', result.Stderr.Concat(result.Stdout)));
        Assert.DoesNotContain("Exception", lines[0]);
    }

    [Fact]
    public async Task Train_with_an_unknown_environment_fails_naming_it()
    {
        var work = fixture.NewFolder("unknown-env");
        AssertOneLineError(await Run(work, Train(work, "--env", "NoSuchEnv-v9")), "unknown environment", "NoSuchEnv-v9", "CartPole-v1");
    }

    [Fact]
    public async Task Train_with_an_unreachable_PostgreSQL_journal_fails_at_once_with_the_journal_exit_code()
    {
        var work = fixture.NewFolder("pg-closed-port");
        var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        var port = ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop(); // nothing listens there now
        var result = await Run(work, Train(work, "--journal", $"Host=127.0.0.1;Port={port};Username=esactors;Database=esactors"));
        AssertOneLineError(result, "PostgreSQL", $"127.0.0.1:{port}", "cannot be reached");
        Assert.Equal(ExitCodes.JournalUnavailable, result.ExitCode);
    }

    [Fact]
    public async Task Train_on_an_SQLite_journal_locked_by_another_process_fails_with_the_journal_exit_code_and_leaves_it_intact()
    {
        var work = fixture.NewFolder("sqlite-locked");
        var journal = Path.Combine(work, "locked.db");
        using var holder = new SqliteConnection($"Data Source={journal};Pooling=False");
        holder.Open();
        using (var create = holder.CreateCommand()) { create.CommandText = "CREATE TABLE journal (id INTEGER); INSERT INTO journal VALUES (42);"; create.ExecuteNonQuery(); }
        using (var begin = holder.CreateCommand()) { begin.CommandText = "BEGIN EXCLUSIVE"; begin.ExecuteNonQuery(); }
        var result = await Run(work, Train(work, "--journal", journal));
        AssertOneLineError(result, "locked by another process", journal);
        Assert.Equal(ExitCodes.JournalUnavailable, result.ExitCode);
        using (var rollback = holder.CreateCommand()) { rollback.CommandText = "ROLLBACK"; rollback.ExecuteNonQuery(); }
        using var read = holder.CreateCommand();
        read.CommandText = "SELECT id FROM journal";
        Assert.Equal(42L, read.ExecuteScalar());
    }

    [Fact]
    public async Task Train_with_an_unknown_option_fails_naming_it()
    {
        var work = fixture.NewFolder("unknown-option");
        AssertOneLineError(await Run(work, Train(work, "--no-such-option", "3")), "--no-such-option");
    }

    [Fact]
    public async Task Train_with_a_malformed_option_value_fails_naming_the_option()
    {
        var work = fixture.NewFolder("bad-value");
        AssertOneLineError(await Run(work, "train", "--out", Path.Combine(work, "out"), "--population", "abc"), "--population", "abc");
    }

    // Values that used to reach the runtime: a stack trace from remoting (port), a changed bind address (a quote
    // spliced into HOCON), half a minute of join attempts (seed node), an accepted NaN, an out-of-memory hang.
    [Theory]
    [InlineData("port-too-large", new[] { "--port", "99999" }, new[] { "--port", "99999" })]
    [InlineData("port-negative", new[] { "--port", "-1" }, new[] { "--port" })]
    [InlineData("hostname-quote", new[] { "--hostname", "127.0.0.1\" akka.x = \"y" }, new[] { "--hostname" })]
    [InlineData("hostname-space", new[] { "--hostname", "my host" }, new[] { "--hostname" })]
    [InlineData("seed-without-port", new[] { "--seed-nodes", "foo" }, new[] { "--seed-nodes", "foo", "host:port" })]
    [InlineData("seed-port-zero", new[] { "--seed-nodes", "127.0.0.1:0" }, new[] { "--seed-nodes" })]
    [InlineData("target-nan", new[] { "--target-return", "NaN" }, new[] { "--target-return", "NaN" })]
    [InlineData("target-infinite", new[] { "--target-return", "-Infinity" }, new[] { "--target-return" })]
    [InlineData("population-huge", new[] { "--population", "2000000000" }, new[] { "population", "at most" })]
    [InlineData("population-odd", new[] { "--population", "7" }, new[] { "population", "even" })]
    [InlineData("sigma-negative", new[] { "--sigma", "-1" }, new[] { "sigma" })]
    [InlineData("sigma-nan", new[] { "--sigma", "NaN" }, new[] { "sigma" })]
    [InlineData("learning-rate-infinite", new[] { "--learning-rate", "Infinity" }, new[] { "learning rate" })]
    [InlineData("learning-rate-zero", new[] { "--learning-rate", "0" }, new[] { "learning rate" })]
    [InlineData("slots-negative", new[] { "--slots", "-1" }, new[] { "--slots" })]
    [InlineData("timesteps-negative", new[] { "--timesteps", "-3" }, new[] { "--timesteps" })]
    [InlineData("run-id-path", new[] { "--run-id", "../escape" }, new[] { "--run-id" })]
    public async Task Train_with_a_bad_command_line_value_fails_at_once_naming_it(string name, string[] arguments, string[] mentions)
    {
        var work = fixture.NewFolder($"value-{name}");
        var args = Train(work).ToList();
        // The case's own option wins: drop defaults it repeats.
        for (var i = 0; i + 1 < args.Count; i++)
            if (arguments.Contains(args[i]) && args[i].StartsWith("--", StringComparison.Ordinal)) { args.RemoveRange(i, 2); i--; }
        var result = await Run(work, [.. args, .. arguments]);
        AssertOneLineError(result, mentions);
        Assert.Equal(2, result.ExitCode);
        Assert.False(File.Exists(Path.Combine(work, "out", "journal.db")), "a journal was created despite the bad value");
    }

    [Fact]
    public async Task Play_with_a_truncated_policy_or_one_for_another_environment_fails_naming_the_problem()
    {
        var work = fixture.NewFolder("policy-shape");
        var trained = await Run(work, Train(work));
        Assert.Equal(0, trained.ExitCode);
        var policy = Path.Combine(work, "out", "bad", "policy.bin");
        var truncated = Path.Combine(work, "truncated.bin");
        var bytes = await File.ReadAllBytesAsync(policy);
        await File.WriteAllBytesAsync(truncated, bytes[..(bytes.Length / 2)]);
        AssertOneLineError(await Run(work, "play", "--policy", truncated), "truncated.bin", "corrupt");
        AssertOneLineError(await Run(work, "play", "--policy", policy, "--env", "Pendulum-v1"), "CartPole-v1", "does not fit Pendulum-v1");
    }

    [Theory]
    [InlineData("probability-nan", "esactors.run.observation-statistics-probability = NaN", new[] { "observation-statistics-probability", "finite number" })]
    [InlineData("probability-above-one", "esactors.run.observation-statistics-probability = 1.5", new[] { "observation-statistics", "[0, 1]" })]
    [InlineData("population-word", "esactors.run.population = many", new[] { "esactors.run.population", "integer", "many" })]
    [InlineData("hidden-not-a-list", "esactors.run.hidden = 64", new[] { "esactors.run.hidden", "list of integers" })]
    [InlineData("normalization-not-boolean", "esactors.run.observation-normalization = maybe", new[] { "observation-normalization", "on or off" })]
    [InlineData("noise-table-huge", "esactors.run.noise-table-size = 2000000000", new[] { "noise table", "at most" })]
    [InlineData("strategy-unknown", "esactors.run.strategy = pgpe", new[] { "unknown strategy", "pgpe", "cma-es" })] // the error lists the strategies there are
    [InlineData("optimizer-unknown", "esactors.run.optimizer = lbfgs", new[] { "unknown optimizer", "lbfgs" })]
    public async Task Train_with_a_bad_hocon_value_fails_at_once_naming_the_setting(string name, string hocon, string[] mentions)
    {
        var work = fixture.NewFolder($"hocon-value-{name}");
        var file = Path.Combine(work, "bad.conf");
        await File.WriteAllTextAsync(file, hocon + "\n");
        var result = await Run(work, Train(work, "--config", file));
        AssertOneLineError(result, mentions);
        Assert.Equal(2, result.ExitCode);
        Assert.False(File.Exists(Path.Combine(work, "out", "journal.db")), "a journal was created despite the bad config");
    }

    [Fact]
    public async Task An_unknown_run_setting_is_a_warning_that_names_the_nearest_key_and_the_run_goes_on()
    {
        var work = fixture.NewFolder("hocon-unknown-key");
        var file = Path.Combine(work, "typo.conf");
        await File.WriteAllTextAsync(file, "esactors.run.populaton = 10\n");
        var result = await Run(work, Train(work, "--config", file));
        Assert.Equal(0, result.ExitCode);
        Assert.Contains(result.Stdout.Concat(result.Stderr), l => l.Contains("Unknown setting esactors.run.populaton", StringComparison.Ordinal) && l.Contains("did you mean population?", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("unclosed-brace", "esactors.run {\n  population = 10\n")]
    [InlineData("missing-value", "esactors { run { population = \n} }\n")]
    [InlineData("stray-brace", "esactors.run.population = 10\n}\n")]
    [InlineData("unterminated-string", "esactors.run.optimizer = \"adam\nesactors.run.population = 10\n")]
    [InlineData("not-hocon", "this is not hocon at all ::: ===\n")]
    [InlineData("unresolved-substitution", "esactors.run.population = ${nowhere}\n")]
    public async Task Train_with_a_malformed_hocon_config_fails_naming_the_file(string name, string hocon)
    {
        var work = fixture.NewFolder($"hocon-{name}");
        var file = Path.Combine(work, "bad.conf");
        await File.WriteAllTextAsync(file, hocon);
        AssertOneLineError(await Run(work, Train(work, "--config", file)), "malformed HOCON", file);
        Assert.False(File.Exists(Path.Combine(work, "out", "journal.db")), "a journal was created despite the bad config");
    }

    [Fact]
    public async Task Train_with_an_unwritable_output_folder_fails_naming_it()
    {
        var work = fixture.NewFolder("unwritable");
        AssertOneLineError(await Run(work, "train", "--out", "/proc/esactors-test", "--run-id", "bad", "--generations", "1"), "/proc/esactors-test", "not writable");
    }

    [Fact]
    public async Task Play_with_a_foreign_policy_file_fails_naming_it()
    {
        var work = fixture.NewFolder("foreign-policy");
        var file = Path.Combine(work, "policy.bin");
        await File.WriteAllBytesAsync(file, RandomBytes(4096, seed: 1));
        AssertOneLineError(await Run(work, "play", "--policy", file), file, "policy");
    }

    [Fact]
    public async Task Play_with_a_missing_policy_file_fails_naming_it()
    {
        var work = fixture.NewFolder("missing-policy");
        var file = Path.Combine(work, "nothing-here.bin");
        AssertOneLineError(await Run(work, "play", "--policy", file), file);
    }

    [Fact]
    public async Task Train_refuses_a_journal_file_of_random_bytes_and_leaves_it_unchanged()
    {
        var work = fixture.NewFolder("random-journal");
        var journal = Path.Combine(work, "journal.db");
        var bytes = RandomBytes(8192, seed: 2);
        await File.WriteAllBytesAsync(journal, bytes);
        AssertOneLineError(await Run(work, Train(work, "--journal", journal)), journal, "not an EsActors journal");
        Assert.Equal(bytes, await File.ReadAllBytesAsync(journal));
    }

    [Fact]
    public async Task Train_refuses_an_sqlite_database_of_another_program_and_leaves_it_unchanged()
    {
        var work = fixture.NewFolder("foreign-sqlite");
        var journal = Path.Combine(work, "shop.db");
        using (var connection = new SqliteConnection($"Data Source={journal};Pooling=False"))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL); INSERT INTO customers (name) VALUES ('Ada'), ('Grace');";
            command.ExecuteNonQuery();
        }
        var bytes = await File.ReadAllBytesAsync(journal);
        AssertOneLineError(await Run(work, Train(work, "--journal", journal)), journal, "not an EsActors journal", "customers");
        Assert.Equal(bytes, await File.ReadAllBytesAsync(journal));
        Assert.Equal(new[] { "shop.db" }, Directory.GetFiles(work).Select(Path.GetFileName).Where(f => f!.StartsWith("shop.db", StringComparison.Ordinal)));
    }

    private static byte[] RandomBytes(int length, int seed)
    {
        var bytes = new byte[length];
        new Random(seed).NextBytes(bytes);
        return bytes;
    }
}
