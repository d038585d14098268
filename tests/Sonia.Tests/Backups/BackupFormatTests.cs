using System.Data;
using Npgsql;
using Sonia.Grains.Backups;
using Sonia.Tests.Infrastructure;

namespace Sonia.Tests.Backups;

/// <summary>
/// Formats <c>sonia-backup/2</c> and <c>/3</c>: the rows the application writes (SQL Server, the grain-state artifacts, a restore's
/// comparison) are byte for byte what PostgreSQL's COPY of the canonical columns prints, for the awkward values too, and
/// a line read back gives the values written.
/// </summary>
public sealed class BackupFormatTests
{
    // Every character COPY escapes, one it does not (\u0001), a literal "\N", non-ASCII and a surrogate pair.
    private const string Awkward = "tab\there\nnew line\r\\back\\slash \b\f\v \u0001 \\N é 漢字 🎉 \"quoted\" <&'>";

    [Fact]
    public async Task ApplicationRows_EqualTheDatabasesCopy_AndReadBackToTheSameValues()
    {
        var database = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("backup_format");
        await TestSql.ScalarAsync(database, """
            INSERT INTO sonia.actions (action_id, session_id, tool, args, args_hash, request_hash, idempotency_key, status,
                requires_confirmation, attempts, correlation_id, created_at, updated_at, expires_at, version)
            VALUES ('act_1', NULL, 'echo', @awkward, '', repeat('0', 64), 'k1', 'succeeded', true, -3, 'c',
                '2026-12-02T10:11:12.123456Z', '1999-01-01T00:00:00Z', '2030-06-30T23:59:59.12Z', 2147483647),
                   ('act_2', 's', 'echo', '', '', repeat('0', 64), 'k2', 'failed', false, 0, '\N', now(), now(), now(), 1);
            INSERT INTO public.orleansstorage (serviceid, graintypestring, grainidn0, grainidn1, grainidextensionstring, grainidhash,
                graintypehash, payloadbinary, version, modifiedon)
            VALUES ('svc', 'breaker', -9223372036854775808, 9223372036854775807, @awkward, 1, 2, '\x00ff10abcd'::bytea, 1, now()),
                   ('svc', 'breaker', 0, 1, NULL, 1, 2, NULL, 2, now());
            """, ("awkward", Awkward));

        var breakers = BackupTables.All("public.orleansstorage").Single(t => t.Artifact == "breakers.tsv");
        foreach (var table in new[] { BackupTables.ActionTable, breakers })
        {
            await using var connection = new NpgsqlConnection(database.ConnectionString);
            await connection.OpenAsync();
            var setup = new PostgreSqlBackupSql().SessionSetup!.Replace("LOCAL ", "", StringComparison.Ordinal);
            await using (var zone = new NpgsqlCommand(setup, connection))
            {
                await zone.ExecuteNonQueryAsync();
            }

            using var byDatabase = new MemoryStream();
            await BackupWriter.CopyOutAsync(connection, $"COPY ({PostgreSqlBackupSql.CanonicalSelect(table)}) TO STDOUT", byDatabase, null,
                CancellationToken.None);
            using var byApplication = new MemoryStream();
            await using (var command = new NpgsqlCommand(table.Select(), connection))
            {
                command.Parameters.AddWithValue("service_id", "svc");
                await using var reader = await command.ExecuteReaderAsync(CommandBehavior.SequentialAccess);
                Assert.Equal(2, await CanonicalRows.WriteAllAsync(reader, table.Columns, byApplication, CancellationToken.None));
            }

            var printed = System.Text.Encoding.UTF8.GetString(byDatabase.ToArray());
            Assert.Equal(printed, System.Text.Encoding.UTF8.GetString(byApplication.ToArray()));
            var first = printed.Split('\n')[0];
            if (table == BackupTables.ActionTable)
            {
                Assert.Contains("\t2026-12-02 10:11:12.123456+00\t1999-01-01 00:00:00+00\t2030-06-30 23:59:59.12+00\t", first,
                    StringComparison.Ordinal);
            }

            var fields = CanonicalRows.Fields(first, table.Columns);
            Assert.Equal(fields, table.Columns.Select(c => CanonicalRows.Text(first, table.Columns, c.Name)));
            var values = CanonicalRows.Parameters(first, table.Columns).ToDictionary(p => p.Name, p => p.Value);
            if (table == BackupTables.ActionTable)
            {
                Assert.Equal(Awkward, values["args"]);
                Assert.Equal(true, values["requires_confirmation"]);
                Assert.Equal(-3, values["attempts"]);
                Assert.Null(values["session_id"]);
                Assert.Equal(new DateTimeOffset(2026, 12, 2, 10, 11, 12, 123, 456, TimeSpan.Zero), values["created_at"]);
            }
            else
            {
                Assert.Equal(Awkward, values["grainidextensionstring"]);
                Assert.Equal(long.MinValue, values["grainidn0"]);
                Assert.Equal(new byte[] { 0x00, 0xff, 0x10, 0xab, 0xcd }, values["payloadbinary"]);
            }
        }
    }

    /// <summary>
    /// A migration that adds a column to a backed-up table fails this until the backup holds the column too (a new format)
    /// or it is named here as left out, with the reason in the README's "Format".
    /// </summary>
    [Fact]
    public async Task BackedUpTables_HoldEveryColumnOfTheirTable_ButThoseLeftOutOnPurpose()
    {
        var database = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("backup_columns");
        var leftOut = new Dictionary<string, string[]>
        {
            // The silo running an attempt: a restored action has none running.
            ["sonia.actions"] = ["lease_owner"],
            // The journal's own row id: the script names are the schema version.
            ["sonia.schema_versions"] = ["schemaversionsid"],
            // Generated from text by PostgreSQL (SQL Server has no such column).
            ["sonia.memories"] = ["search"],
        };
        var soniaTables = BackupTables.All("public.orleansstorage").Where(t => t.Table.StartsWith("sonia.", StringComparison.Ordinal));
        foreach (var table in soniaTables)
        {
            var columns = ((string)(await TestSql.ScalarAsync(database,
                "SELECT string_agg(column_name::text, ',' ORDER BY ordinal_position) FROM information_schema.columns " +
                "WHERE table_schema = 'sonia' AND table_name = @name", ("name", table.Unqualified)))!).Split(',');

            Assert.Equal(columns.Except(leftOut.GetValueOrDefault(table.Table, [])), table.Columns.Select(c => c.Name));
        }
    }

    /// <summary>A migration that adds a table fails this until a backup holds it, or it is named here with the reason.</summary>
    [Fact]
    public async Task EverySoniaTable_IsBackedUp_ButTheBackupsOwn()
    {
        var database = await (await PostgresServer.GetAsync()).CreateDatabaseAsync("backup_tables");
        var tables = ((string)(await TestSql.ScalarAsync(database,
            "SELECT string_agg('sonia.' || table_name::text, ',') FROM information_schema.tables WHERE table_schema = 'sonia'"))!)
            .Split(',');
        // A backup does not hold the backups: they are what it is stored in.
        string[] notBackedUp = ["sonia.backups", "sonia.backup_artifacts", "sonia.backup_chunks", "sonia.backup_verifications"];

        var backedUp = BackupTables.All("public.orleansstorage").Select(t => t.Table)
            .Where(t => t.StartsWith("sonia.", StringComparison.Ordinal));

        Assert.Equal(tables.Except(notBackedUp).Order(StringComparer.Ordinal), backedUp.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Line_WithTheWrongNumberOfFields_IsRefused()
    {
        var error = Assert.Throws<FormatException>(() => CanonicalRows.Fields("a\tb", BackupTables.DeadLetterTable.Columns));

        Assert.Contains("2 field(s)", error.Message, StringComparison.Ordinal);
        var byText = Assert.Throws<FormatException>(() => CanonicalRows.Text("a\tb", BackupTables.DeadLetterTable.Columns, "dlq_id"));
        Assert.Equal(error.Message, byText.Message);
    }
}
