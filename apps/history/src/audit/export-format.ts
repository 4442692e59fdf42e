import type { ExportRow } from './audit.repository.js';

export const EXPORT_FORMATS = ['ndjson', 'csv'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

export const EXPORT_CONTENT_TYPES: Readonly<Record<ExportFormat, string>> = {
  ndjson: 'application/x-ndjson; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
};

export const CSV_HEADER =
  'seq,id,ticket_id,org_id,topic,type,time,recorded_at,personal_data,hash,prev_hash,details\r\n';

/** One exported event, details aside: what happened and its place in the chain; personal data is never exported. */
export function exportRecord(row: ExportRow): Record<string, unknown> {
  return {
    seq: String(row.seq),
    id: row.ce_id,
    ticketId: row.ticket_id,
    orgId: row.org_id,
    topic: row.topic,
    type: row.type,
    time: row.occurred_at.toISOString(),
    recordedAt: row.recorded_at.toISOString(),
    personalData: row.personal_data === null ? 'none' : 'withheld',
    hash: row.hash.toString('hex'),
    prevHash: row.prev_hash.toString('hex'),
  };
}

/** RFC 4180 quoting; a cell a spreadsheet would run as a formula is prefixed with an apostrophe. */
export function csvCell(value: unknown): string {
  let text = value === null || value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function formatExportRow(format: ExportFormat, row: ExportRow): string {
  const record = exportRecord(row);
  // The stored payload text goes out as it is: no parse and re-serialisation per row.
  if (format === 'ndjson') return `${JSON.stringify(record).slice(0, -1)},"details":${row.payload_text}}\n`;
  return `${[record.seq, record.id, record.ticketId, record.orgId, record.topic, record.type, record.time, record.recordedAt, record.personalData, record.hash, record.prevHash, row.payload_text].map(csvCell).join(',')}\r\n`;
}
