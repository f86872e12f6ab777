/** Drops: upload labeled data to incoming/ (drag and drop), and what became of every drop. */
import { useEffect, useMemo, useState } from 'preact/hooks';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import type { Snapshot } from '../../data/store';
import { dropRows, type DropRow } from '../../data/drops';
import { formatBytes } from '../../data/format';
import { Code, Pager, Section, Time } from '../components';
import { useLive, type LiveSnapshot } from '../live';
import { runHref, withParams, type Route } from '../router';

const DROPS_PER_PAGE = 50;
/** What the ingestion service reads (README "Data"); anything else would only be rejected. */
const ACCEPTED = /(\.(csv|jsonl|txt)(\.gz)?|(^|\/)classes\.txt)$/i;
const CLASSES_WAIT_MS = 60_000;

interface UploadState {
  name: string;
  key: string;
  size: number;
  sent: number;
  status: 'waiting' | 'uploading' | 'uploaded' | 'failed' | 'refused';
  message?: string;
}

/** A key under incoming/: the folder as typed (slashes trimmed), then the file's name. */
export function incomingKey(prefix: string, folder: string, name: string): string {
  const cleanFolder = folder
    .split('/')
    .map((part) => part.trim())
    .filter((part) => part && part !== '.' && part !== '..')
    .join('/');
  return `${prefix}${cleanFolder ? `${cleanFolder}/` : ''}${name}`;
}

async function waitUntilHandled(live: LiveSnapshot, bucket: string, key: string): Promise<boolean> {
  const deadline = Date.now() + CLASSES_WAIT_MS;
  while (Date.now() < deadline) {
    const listing = await live.clients.s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: key, MaxKeys: 1 }));
    if (listing.Contents?.[0]?.Key !== key) return true;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  return false;
}

/**
 * Uploads the files one after another; a classes.txt first, and the data only once ingestion has kept it, so
 * that the data file finds its class names at once instead of waiting for them (services/ingestion/README.md,
 * "Class names").
 */
async function uploadAll(live: LiveSnapshot, snapshot: Snapshot, files: File[], folder: string, update: (states: UploadState[]) => void) {
  const prefix = 'incoming/';
  const bucket = snapshot.config.dataBucket;
  const ordered = [...files].sort((a, b) => Number(b.name === 'classes.txt') - Number(a.name === 'classes.txt'));
  const states: UploadState[] = ordered.map((file) => ({
    name: file.name,
    key: incomingKey(prefix, folder, file.name),
    size: file.size,
    sent: 0,
    status: ACCEPTED.test(file.name) ? 'waiting' : 'refused',
    ...(ACCEPTED.test(file.name) ? {} : { message: 'not a format the pipeline reads (.csv, .jsonl, .txt, optionally .gz, or classes.txt): not uploaded' }),
  }));
  const publish = () => update(states.map((state) => ({ ...state })));
  publish();
  for (const [index, file] of ordered.entries()) {
    const state = states[index]!;
    if (state.status === 'refused') continue;
    state.status = 'uploading';
    publish();
    try {
      // Multipart for large files; loaded when a file is first uploaded.
      const { Upload } = await import('@aws-sdk/lib-storage');
      const upload = new Upload({
        client: live.clients.s3,
        params: { Bucket: bucket, Key: state.key, Body: file, ContentType: file.type || 'application/octet-stream' },
        queueSize: 2,
        partSize: 8 * 1024 * 1024,
      });
      upload.on('httpUploadProgress', (progress) => {
        state.sent = progress.loaded ?? state.sent;
        publish();
      });
      await upload.done();
      state.sent = file.size;
      state.status = 'uploaded';
      publish();
      live.refreshSoon();
      if (file.name === 'classes.txt' && index < ordered.length - 1) {
        state.message = 'waiting for the ingestion service to take it…';
        publish();
        const handled = await waitUntilHandled(live, bucket, state.key);
        state.message = handled ? undefined : 'still under incoming/ after a minute; uploading the data anyway';
        publish();
      }
    } catch (error) {
      state.status = 'failed';
      state.message = `${(error as Error).name}: ${(error as Error).message}`;
      publish();
    }
  }
}

export function DropsPage({ snapshot, route }: { snapshot: Snapshot; route: Route }) {
  const live = useLive();
  const [uploads, setUploads] = useState<UploadState[]>([]);
  const [dragging, setDragging] = useState(false);
  const [folder, setFolder] = useState('');
  const rows = useMemo(() => dropRows(snapshot), [snapshot]);
  const pages = Math.max(1, Math.ceil(rows.length / DROPS_PER_PAGE));
  const page = Math.min(pages, Math.max(1, Number(route.params.get('page') ?? 1) || 1));
  const shown = rows.slice((page - 1) * DROPS_PER_PAGE, page * DROPS_PER_PAGE);
  const heads = shown.filter((row) => row.keptKey?.startsWith('labeled/')).map((row) => row.keptKey!).join('\n');
  useEffect(() => {
    // The run ids ingestion recorded on the labeled copies shown (HeadObject metadata).
    live.store.want({ heads: heads ? heads.split('\n') : [] });
    live.refreshSoon();
    return () => live.store.want({ heads: [] });
  }, [heads, live]);

  const start = (files: FileList | null | undefined) => {
    if (!files || files.length === 0) return;
    void uploadAll(live, snapshot, [...files], folder, setUploads);
  };

  return (
    <div>
      <Section title="Upload labeled data" id="upload">
        <label
          class={`dropzone ${dragging ? 'dragging' : ''}`}
          onDragOver={(event) => {
            event.preventDefault();
            setDragging(true);
          }}
          onDragLeave={() => setDragging(false)}
          onDrop={(event) => {
            event.preventDefault();
            setDragging(false);
            start(event.dataTransfer?.files);
          }}
        >
          <input type="file" multiple class="file-input" aria-label="files to upload" onChange={(event) => start((event.currentTarget as HTMLInputElement).files)} />
          <strong>Drop files here</strong> or click to choose them
          <span class="muted small">
            .csv (label,title,content), .jsonl, .txt (fastText), optionally .gz, and classes.txt; each drop starts a run that retrains on all of labeled/
          </span>
        </label>
        <p class="small">
          into <Code>s3://{snapshot.config.dataBucket}/incoming/</Code>
          <input class="folder" value={folder} placeholder="folder (optional)" aria-label="folder under incoming/" onInput={(event) => setFolder((event.currentTarget as HTMLInputElement).value)} />
        </p>
        {uploads.length > 0 ? (
          <ul class="uploads" aria-label="uploads">
            {uploads.map((upload) => (
              <li key={upload.key} class={`upload-${upload.status}`} data-status={upload.status}>
                <span class="key">{upload.key}</span> <span class="muted small">{formatBytes(upload.size)}</span> <strong>{upload.status}</strong>
                {upload.status === 'uploading' ? (
                  <span class="bar">
                    <span class="bar-fill" style={{ width: `${((upload.sent / Math.max(1, upload.size)) * 100).toFixed(0)}%` }} />
                  </span>
                ) : null}
                {upload.message ? <div class="small">{upload.message}</div> : null}
              </li>
            ))}
          </ul>
        ) : null}
      </Section>
      <Section title="Drops" id="drops">
        {rows.length === 0 ? (
          <p class="muted">No drop yet.</p>
        ) : (
          <table class="small-table drops" aria-label="drops">
            <thead>
              <tr>
                <th>dropped as</th>
                <th>when</th>
                <th class="num">size</th>
                <th>what became of it</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((row) => (
                <DropLine key={`${row.status} ${row.keptKey ?? row.droppedKey}`} row={row} ownRunId={row.keptKey ? snapshot.labeledRunIds.get(row.keptKey) : undefined} />
              ))}
            </tbody>
          </table>
        )}
        <Pager page={page} pages={pages} href={(n) => withParams('#/drops', { page: n === 1 ? undefined : n })} />
      </Section>
    </div>
  );
}

function DropLine({ row, ownRunId }: { row: DropRow; ownRunId?: string }) {
  return (
    <tr data-status={row.status}>
      <td class="key">{row.droppedKey}</td>
      <td class="nowrap">
        <Time date={row.at} />
      </td>
      <td class="num">{formatBytes(row.size)}</td>
      <td>
        {row.status === 'inspecting' ? <span class="badge outcome-in-progress">being inspected</span> : null}
        {row.status === 'waiting-for-run' ? <span class="badge outcome-in-progress">accepted, waiting for a run</span> : null}
        {row.status === 'accepted' ? (
          <>
            <span class="badge outcome-deployed">accepted</span> kept as <Code>{row.keptKey}</Code>, read by run {row.runId ? <a href={runHref(row.runId)}>{row.runId}</a> : '?'}
            {ownRunId && ownRunId !== row.runId ? <span class="muted small"> (arrived during a run; ingestion's id {ownRunId})</span> : null}
          </>
        ) : null}
        {row.status === 'rejected' ? (
          <>
            <span class="badge outcome-rejected">rejected</span> {row.reason ?? 'reason not read yet'}
            {row.runId ? (
              <>
                {' '}
                · <a href={runHref(row.runId)}>run {row.runId}</a>
              </>
            ) : null}
            {row.details !== undefined ? (
              <details>
                <summary class="small">details</summary>
                <pre class="small">{JSON.stringify(row.details, null, 2)}</pre>
              </details>
            ) : null}
          </>
        ) : null}
      </td>
    </tr>
  );
}
