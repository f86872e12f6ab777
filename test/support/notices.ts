/**
 * Lines for the end of jest's output: the global setup adds them (main process), the notices reporter
 * prints them after the summary. An environment variable carries them, the one channel both share.
 */
export const NOTICES_VARIABLE = 'PIPELINE_TEST_NOTICES';

export function addNotice(line: string): void {
  const notices = JSON.parse(process.env[NOTICES_VARIABLE] ?? '[]') as string[];
  process.env[NOTICES_VARIABLE] = JSON.stringify([...notices, line]);
}
