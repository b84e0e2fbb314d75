import { EXPORT_COLUMNS } from './export-sql.js';
import type { BotUserFilter, ExportFormat } from './schemas.js';
import type { BotUserStore } from './store.js';
import { collectYoungGarbage } from './young-gc.js';

/** Rows per keyset batch: about 0.4 MB of CSV from one query. */
export const EXPORT_BATCH = 2000;

export const EXPORT_TYPES: Record<ExportFormat, string> = {
  csv: 'text/csv; charset=utf-8; header=present',
  ndjson: 'application/x-ndjson',
};

/**
 * The CSV's first bytes: a UTF-8 byte order mark, so that spreadsheet apps read Cyrillic
 * and other non-Latin names as UTF-8, then the header row.
 */
const CSV_HEAD = Buffer.from(`\uFEFF${EXPORT_COLUMNS.join(',')}\r\n`);

/**
 * The whole filtered audience as a byte stream in constant memory. Pull-based: the next
 * keyset batch (`id > last`) is read only when the client has taken the previous one, so a
 * slow client holds at most a batch or two in memory, and a closed connection cancels the
 * stream. No statement stays open between batches (a better-sqlite3 iterator would keep
 * the connection busy), and each pull first yields to the event loop so that other
 * requests are served while an export runs.
 *
 * CSV is RFC 4180 (CRLF, every text cell quoted) with the columns of EXPORT_COLUMNS. NDJSON
 * is one flat object per line with the same columns (`tags` an array of names,
 * `user_vars` an object), not the API's nested read. Both are encoded by the
 * database, in the same bytes on either engine (export-sql.ts).
 */
export function exportStream(
  store: BotUserStore,
  shopId: number,
  filter: BotUserFilter,
  format: ExportFormat,
  batchSize = EXPORT_BATCH,
): ReadableStream<Uint8Array> {
  let after = 0;
  return new ReadableStream<Uint8Array>(
    {
      start(controller) {
        if (format === 'csv') controller.enqueue(CSV_HEAD);
      },
      async pull(controller) {
        await new Promise((resolve) => setImmediate(resolve));
        // The batches already written are garbage now: free them before making another.
        collectYoungGarbage();
        const batch = await store.exportBatch(format, shopId, filter, after, batchSize);
        if (batch.data && batch.last !== null) {
          controller.enqueue(batch.data);
          after = batch.last;
        }
        if (batch.rows < batchSize) controller.close();
      },
    },
    { highWaterMark: 1 },
  );
}
