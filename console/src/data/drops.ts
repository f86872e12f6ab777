/**
 * Drops: what users put under incoming/, and what became of each: kept under labeled/ and read by a run,
 * refused (rejected/ with `<key>.error.json`), or not handled yet.
 */
import { droppedKeyOf } from './reconstruct';
import type { Snapshot } from './store';

export interface DropRow {
  droppedKey: string;
  keptKey?: string;
  status: 'inspecting' | 'waiting-for-run' | 'accepted' | 'rejected';
  size?: number;
  at?: Date;
  /** The run that read it (accepted) or that refused it (rejected). */
  runId?: string;
  /** Ingestion's own run id for an accepted drop read by another run (it arrived during that run). */
  ownRunId?: string;
  reason?: string;
  details?: unknown;
  reportKey?: string;
}

/** Every drop, newest first. */
export function dropRows(snapshot: Snapshot): DropRow[] {
  const rows: DropRow[] = [];
  for (const object of snapshot.incoming) {
    if (object.key.endsWith('/')) continue;
    rows.push({ droppedKey: object.key, status: 'inspecting', size: object.size, at: object.lastModified });
  }
  const { byRun, waiting } = snapshot.drops;
  for (const [runId, drops] of byRun) {
    for (const drop of drops) rows.push({ ...drop, status: 'accepted', runId });
  }
  for (const drop of waiting) rows.push({ ...drop, status: 'waiting-for-run' });
  const reports = snapshot.rejections;
  for (const object of snapshot.rejected) {
    if (object.key.endsWith('.error.json') || object.key.endsWith('/')) continue;
    const report = reports.get(`${object.key}.error.json`);
    rows.push({
      droppedKey: report?.key ?? droppedKeyOf(object.key),
      keptKey: object.key,
      status: 'rejected',
      size: report?.size ?? object.size,
      at: report?.at ?? object.lastModified,
      runId: report?.runId,
      reason: report?.reason,
      details: report?.details,
      reportKey: `${object.key}.error.json`,
    });
  }
  // A drop too large to copy stays under incoming/ with only its report under rejected/.
  for (const [reportKey, report] of reports) {
    if (!snapshot.rejected.some((object) => `${object.key}.error.json` === reportKey)) {
      rows.push({ droppedKey: report.key, keptKey: report.key, status: 'rejected', size: report.size, at: report.at, runId: report.runId, reason: report.reason, details: report.details, reportKey });
    }
  }
  return rows.sort((a, b) => (b.at?.getTime() ?? 0) - (a.at?.getTime() ?? 0));
}
