import { readFileSync } from 'node:fs';
import path from 'node:path';
import { detailTypeOfSubject, detailTypeSlug, PIPELINE_DETAIL_TYPES, PIPELINE_EVENTS, pipelineEventEnvelope } from './events';

const CONTRACTS = readFileSync(path.resolve(__dirname, '..', '..', 'docs', 'contracts.md'), 'utf8');

const envelopeOf = (detailType: string, detail: Record<string, unknown>) => ({
  version: '0',
  id: 'e1',
  'detail-type': detailType,
  source: 'ml-pipeline.deployment',
  account: '123456789012',
  time: '2026-11-25T11:30:05Z',
  region: 'us-east-1',
  resources: [],
  detail,
});

describe('PIPELINE_EVENTS', () => {
  it.each(PIPELINE_DETAIL_TYPES)('documents %s, its detail and its email subject in docs/contracts.md', (detailType) => {
    expect(CONTRACTS).toContain(`| \`${detailType}\` |`);
    expect(CONTRACTS).toContain(`\`${PIPELINE_EVENTS[detailType].emailSubject}: `);
  });

  it('parses the envelope of each detail type with its own detail schema', () => {
    const base = { runId: '20261125-110409-a1b2c3', stage: 'local', at: '2026-11-25T11:30:04.512Z' };
    const failed = envelopeOf('Pipeline Failed', { ...base, failedStep: 'training', resource: 'job', reason: 'boom' });
    expect(pipelineEventEnvelope.parse(failed)).toMatchObject({ 'detail-type': 'Pipeline Failed', detail: { failedStep: 'training' } });
    // A detail of another event's shape is refused, naming what is missing.
    const result = pipelineEventEnvelope.safeParse(envelopeOf('Model Deployed', failed.detail));
    expect(result.success).toBe(false);
    expect(pipelineEventEnvelope.safeParse(envelopeOf('Something Else', base)).success).toBe(false);
  });

  it('tells which pipeline event an email subject announces', () => {
    expect(detailTypeOfSubject('[local] Model deployed: ml-pipeline-local now serves run 20261125-110409-a1b2c3 (93.12%)')).toBe('Model Deployed');
    expect(detailTypeOfSubject('[prod] Data rejected: incoming/a.xlsx (unsupported extension)')).toBe('Dataset Rejected');
    expect(detailTypeOfSubject('Model deployed: no stage')).toBeUndefined();
    expect(detailTypeOfSubject('[local] Hello: world')).toBeUndefined();
  });

  it('spells each detail type as a file name and marker key', () => {
    expect(detailTypeSlug('Model Deployed')).toBe('model-deployed');
    expect(detailTypeSlug('Model Awaiting  Approval')).toBe('model-awaiting-approval');
  });
});
