using System.IO.Compression;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Sonia.Gateway.Operators;
using Sonia.Gateway.Problems;
using Sonia.Gateway.Requests;
using Sonia.Gateway.Security;
using Sonia.Grains.Interfaces.Backups;

namespace Sonia.Gateway.Backups;

/// <summary>
/// <c>/v1/backups</c>: take, list, verify, restore the DLQ from (dry run unless <c>dry_run=false</c>) and export backups.
/// Admin only. Verification and restore may take minutes on a large database: their grain calls carry their own response
/// timeout (<see cref="BackupCallTimeouts"/>), and <c>GET /v1/backups/{id}</c> shows their progress meanwhile.
/// </summary>
public static class BackupsApi
{
    public const int DefaultPage = 20;
    public const int MaxPage = 200;
    public const int MaxLabelLength = 200;

    public static readonly QueryParameter LastNQuery =
        QueryParameter.Integer("last_n", 1, MaxPage, $"How many, newest first (default {DefaultPage}).");

    public static RouteGroupBuilder MapBackupsApi(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1/backups").WithTags("Backups").RequireRole(SoniaRoles.Admin);
        group.MapPost("/", CreateAsync).WithName("CreateBackup");
        group.MapGet("/", ListAsync).WithName("ListBackups").WithQuery(LastNQuery);
        group.MapGet("/{backupId}", GetAsync).WithName("GetBackup");
        group.MapGet("/{backupId}/verify", VerifyAsync).WithName("VerifyBackup");
        group.MapPost("/{backupId}/restore/dlq", RestoreDlqAsync).WithName("RestoreBackupDlq").WithQuery(DryRun.Query);
        group.MapGet("/{backupId}/export", ExportAsync).WithName("ExportBackup")
            .Produces(StatusCodes.Status200OK, contentType: "application/zip");
        return group;
    }

    public static async Task<Results<Accepted<BackupView>, ProblemHttpResult>> CreateAsync(
        HttpContext context, IClusterClient cluster, [FromBody] CreateBackupRequest? request)
    {
        if (request?.Label is { Length: > MaxLabelLength })
        {
            return Invalid([$"label must be at most {MaxLabelLength} characters"]);
        }

        var backupId = BackupIds.New();
        var view = await cluster.GetGrain<IBackupGrain>(backupId).StartAsync(request?.Label, OperatorActor.From(context));
        return TypedResults.Accepted($"/v1/backups/{backupId}", view);
    }

    public static async Task<Results<Ok<BackupList>, ProblemHttpResult>> ListAsync(HttpContext context, IClusterClient cluster)
    {
        var reader = new QueryReader(context);
        var lastN = reader.Integer(LastNQuery);
        if (reader.Errors.Count > 0)
        {
            return Invalid(reader.Errors);
        }

        return TypedResults.Ok(new BackupList(await cluster.GetGrain<IBackupQueryGrain>(0).ListAsync(lastN ?? DefaultPage)));
    }

    public static async Task<Results<Ok<BackupView>, ProblemHttpResult>> GetAsync(string backupId, IClusterClient cluster)
    {
        if (!BackupIds.IsValid(backupId))
        {
            return InvalidId();
        }

        var view = await cluster.GetGrain<IBackupGrain>(backupId).GetAsync();
        return view is null ? NotFound(backupId) : TypedResults.Ok(view);
    }

    /// <summary>200 whether it passed or not: the verification ran; <c>passed</c> and <c>problems</c> say how it went.</summary>
    public static async Task<Results<Ok<BackupVerification>, ProblemHttpResult>> VerifyAsync(
        string backupId, HttpContext context, IClusterClient cluster)
    {
        if (!BackupIds.IsValid(backupId))
        {
            return InvalidId();
        }

        var verification = await cluster.GetGrain<IBackupGrain>(backupId).VerifyAsync(OperatorActor.From(context));
        return verification is null ? NotFound(backupId) : TypedResults.Ok(verification);
    }

    public static async Task<Results<Ok<DlqRestoreResult>, ProblemHttpResult>> RestoreDlqAsync(
        string backupId, HttpContext context, IClusterClient cluster, [FromBody] RestoreRequest? request)
    {
        var query = new QueryReader(context);
        var dryRun = DryRun.Resolve(query, request?.DryRun);
        if (!BackupIds.IsValid(backupId))
        {
            query.Errors.Insert(0, IdRule);
        }

        if (query.Errors.Count > 0)
        {
            return Invalid(query.Errors);
        }

        var outcome = await cluster.GetGrain<IBackupGrain>(backupId).RestoreDlqAsync(dryRun, OperatorActor.From(context));
        return outcome switch
        {
            { Result: { } result } => TypedResults.Ok(result),
            { Refused: { } why } => TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Restore refused", detail: why,
                extensions: new Dictionary<string, object?> { ["dry_run"] = dryRun, ["problems"] = outcome.Verification?.Problems ?? [] }),
            _ => NotFound(backupId),
        };
    }

    /// <summary>
    /// A zip of the manifest, its digest (<c>manifest.json.sha256</c>) and one file per artifact, for off-site copies; check
    /// one with <c>deploy/verify-backup.sh</c>. It is assembled in a temporary file (deleted on close) from the grain's
    /// chunks, then streamed: memory stays at one chunk whatever the backup's size.
    /// </summary>
    public static async Task<Results<FileStreamHttpResult, ProblemHttpResult>> ExportAsync(
        string backupId, IClusterClient cluster, CancellationToken cancellationToken)
    {
        if (!BackupIds.IsValid(backupId))
        {
            return InvalidId();
        }

        var grain = cluster.GetGrain<IBackupGrain>(backupId);
        var view = await grain.GetAsync();
        if (view is null)
        {
            return NotFound(backupId);
        }

        if (view.Status == BackupStatuses.Failed)
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status409Conflict, title: "Backup failed",
                detail: $"Backup {backupId} failed: {view.Error}");
        }

        var path = Path.Combine(Path.GetTempPath(), $"sonia-export-{Guid.NewGuid():N}.zip");
        var file = new FileStream(path, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, 64 * 1024, FileOptions.DeleteOnClose);
        using (var zip = new ZipArchive(file, ZipArchiveMode.Create, leaveOpen: true))
        {
            Stream? entry = null;
            string? current = null;
            await foreach (var chunk in grain.ExportAsync().WithCancellation(cancellationToken))
            {
                if (chunk.Name != current)
                {
                    entry?.Dispose();
                    current = chunk.Name;
                    entry = zip.CreateEntry(chunk.Name, CompressionLevel.Fastest).Open();
                }

                await entry!.WriteAsync(chunk.Data, cancellationToken);
            }

            entry?.Dispose();
        }

        file.Position = 0;
        return TypedResults.Stream(file, "application/zip", $"{backupId}.zip");
    }

    private const string IdRule = "backup id must be 'bak_' followed by a 26-character ULID";

    private static ProblemHttpResult InvalidId() => Invalid([IdRule]);

    private static ProblemHttpResult NotFound(string backupId) =>
        TypedResults.Problem(statusCode: StatusCodes.Status404NotFound, title: "Backup not found", detail: $"No backup {backupId}.");

    private static ProblemHttpResult Invalid(IReadOnlyList<string> errors) => ApiProblems.Invalid("Invalid backup request", errors);
}

/// <summary>Optional body of <c>POST /v1/backups</c>.</summary>
public sealed record CreateBackupRequest(string? Label);

/// <summary>Optional body of a DLQ restore; <c>dry_run</c> may come from the query string instead.</summary>
public sealed record RestoreRequest(bool? DryRun);

public sealed record BackupList(IReadOnlyList<BackupView> Backups);
