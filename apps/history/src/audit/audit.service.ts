import { Readable } from 'node:stream';
import { Injectable } from '@nestjs/common';
import { IsIn, IsISO8601, IsOptional } from 'class-validator';
import { validatePayload } from '#contracts';
import { ApplicationError } from '#platform';
import type { AccessScope } from '../access/audit-access.js';
import { isGlobal } from '../access/audit-access.js';
import { AuditRepository } from './audit.repository.js';
import type { ChainRow, ExportFilter } from './audit.repository.js';
import { verifyChain } from './chain-verifier.js';
import type { VerifyOutcome } from './chain-verifier.js';
import { CSV_HEADER, EXPORT_CONTENT_TYPES, EXPORT_FORMATS, formatExportRow } from './export-format.js';
import type { ExportFormat } from './export-format.js';

export const AuditErrorCode = { invalidQuery: 'INVALID_QUERY' } as const;

const VERIFY_PAGE = 5_000;
const EXPORT_PAGE = 2_000;

export class ExportQuery {
  @IsIn(EXPORT_FORMATS)
  format!: ExportFormat;

  /** Events that occurred at or after (ISO-8601). */
  @IsOptional()
  @IsISO8601({ strict: true })
  from?: string;

  /** Events that occurred before (ISO-8601). */
  @IsOptional()
  @IsISO8601({ strict: true })
  to?: string;
}

export interface ExportStream {
  readonly contentType: string;
  readonly fileName: string;
  readonly body: Readable;
}

@Injectable()
export class AuditService {
  constructor(private readonly audit: AuditRepository) {}

  /**
   * Walks the whole store, every organisation's events: for global auditors (the controller
   * checks). Were an organisation's auditor ever given it, they would learn whether and where the
   * chain broke, not whose event it was.
   */
  async verify(scope: AccessScope): Promise<VerifyOutcome> {
    const head = await this.audit.head();
    const outcome = await verifyChain(head, this.chainPages(head.lastSeq));
    if (outcome.ok || isGlobal(scope)) return outcome;
    return { ...outcome, firstBroken: { ...outcome.firstBroken, ceId: null } };
  }

  /** Streams page by page, pulling the next page only when the client has taken the last one. */
  exportEvents(scope: AccessScope, query: Record<string, unknown>): Promise<ExportStream> {
    const validation = validatePayload(ExportQuery, query);
    if (!validation.ok) {
      throw new ApplicationError(
        AuditErrorCode.invalidQuery,
        400,
        `the query has ${validation.errors.length} invalid parameter(s)`,
        validation.errors,
      );
    }
    const { format, from, to } = validation.value;
    const filter: ExportFilter = {
      ...(isGlobal(scope) ? {} : { orgId: scope.orgId }),
      ...(from === undefined ? {} : { from }),
      ...(to === undefined ? {} : { to }),
    };
    return this.audit.head().then((head) => ({
      contentType: EXPORT_CONTENT_TYPES[format],
      fileName: `history-export.${format}`,
      body: Readable.from(this.exportLines(format, filter, head.lastSeq), {
        objectMode: false,
        highWaterMark: 64 * 1024,
      }),
    }));
  }

  private async *exportLines(format: ExportFormat, filter: ExportFilter, upToSeq: bigint): AsyncGenerator<string> {
    if (format === 'csv') yield CSV_HEADER;
    let after = 0n;
    for (;;) {
      const rows = await this.audit.exportPage(filter, after, upToSeq, EXPORT_PAGE);
      if (rows.length === 0) return;
      yield rows.map((row) => formatExportRow(format, row)).join('');
      after = BigInt(rows[rows.length - 1]?.seq ?? upToSeq);
      if (rows.length < EXPORT_PAGE) return;
    }
  }

  private async *chainPages(upToSeq: bigint): AsyncGenerator<readonly ChainRow[]> {
    let after = 0n;
    for (;;) {
      const rows = await this.audit.chainPage(after, upToSeq, VERIFY_PAGE);
      if (rows.length === 0) return;
      yield rows;
      after = BigInt(rows[rows.length - 1]?.seq ?? upToSeq);
      if (rows.length < VERIFY_PAGE) return;
    }
  }
}
