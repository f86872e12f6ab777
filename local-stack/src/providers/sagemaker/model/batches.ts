/**
 * Batch Transform's data plane, as SageMaker runs it against a BlazingText container: an input object
 * is split into records (`SplitType: Line`: one record a line; `None`: the whole object), records are
 * grouped into mini-batches no larger than MaxPayloadInMB (`BatchStrategy: MultiRecord`; one record a
 * request with `SingleRecord`), each mini-batch is one invocation, and the responses are assembled
 * into `<object>.out` (`AssembleWith: Line` puts a newline after each response, `None` concatenates).
 */

export type SplitType = 'None' | 'Line';
export type BatchStrategy = 'MultiRecord' | 'SingleRecord';

/** A record too large for one invocation: the job fails, as SageMaker's does. */
export class PayloadTooLarge extends Error {
  override readonly name = 'PayloadTooLarge';
}

/** The records of one input object (empty lines carry no record). */
export function splitRecords(text: string, split: SplitType): string[] {
  if (split === 'None') return text.trim() === '' ? [] : [text];
  const records = text.split('\n');
  const kept: string[] = [];
  for (const record of records) {
    const line = record.endsWith('\r') ? record.slice(0, -1) : record;
    if (line.trim() !== '') kept.push(line);
  }
  return kept;
}

/** Groups records into request bodies of at most `maxPayloadBytes` (records joined by newlines). */
export function miniBatches(records: readonly string[], strategy: BatchStrategy, maxPayloadBytes: number, where: string): string[][] {
  const batches: string[][] = [];
  let current: string[] = [];
  let size = 0;
  records.forEach((record, index) => {
    const bytes = Buffer.byteLength(record) + 1;
    if (bytes > maxPayloadBytes) {
      throw new PayloadTooLarge(`record ${index + 1} of ${where} is ${bytes} bytes, more than MaxPayloadInMB allows (${maxPayloadBytes} bytes)`);
    }
    if (current.length > 0 && (strategy === 'SingleRecord' || size + bytes > maxPayloadBytes)) {
      batches.push(current);
      current = [];
      size = 0;
    }
    current.push(record);
    size += bytes;
  });
  if (current.length > 0) batches.push(current);
  return batches;
}

/** The `.out` object's body from the responses of its mini-batches, in order. */
export function assembleOutput(responses: readonly string[], assembleWith: 'None' | 'Line'): string {
  return assembleWith === 'Line' ? responses.map((response) => `${response}\n`).join('') : responses.join('');
}

/** The output key of an input key: its path below the input prefix, under the output prefix, plus `.out`. */
export function outputKey(inputKey: string, inputPrefix: string, outputPrefix: string): string {
  const folder = inputPrefix.endsWith('/') || inputPrefix === '' ? inputPrefix : inputPrefix.slice(0, inputPrefix.lastIndexOf('/') + 1);
  const relative = inputKey.startsWith(folder) ? inputKey.slice(folder.length) : inputKey;
  const base = outputPrefix === '' || outputPrefix.endsWith('/') ? outputPrefix : `${outputPrefix}/`;
  return `${base}${relative}.out`;
}
