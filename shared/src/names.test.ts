import { endpointName, glueJobName, runIdFor, runIdFromTrainingJobName, runStartedAt, trainingJobName } from './names';

describe('names', () => {
  it('derives a run id from the event time and id, the same for a duplicate delivery', () => {
    const time = new Date('2026-11-25T11:04:09Z');
    const runId = runIdFor(time, 'c9888434-815d-c6f4-9fc2-4dd7bdeccaaf');
    expect(runId).toMatch(/^20261125-110409-[0-9a-f]{6}$/);
    expect(runIdFor(time, 'c9888434-815d-c6f4-9fc2-4dd7bdeccaaf')).toBe(runId);
    expect(runIdFor(time, 'another-event')).not.toBe(runId);
  });

  it('round-trips the run id through the training job name', () => {
    const runId = runIdFor(new Date('2026-01-02T03:04:05Z'), 'e');
    const job = trainingJobName('prod', runId);
    expect(job).toBe(`mlp-prod-${runId}`);
    expect(runIdFromTrainingJobName('prod', job)).toBe(runId);
    expect(runIdFromTrainingJobName('dev', job)).toBeUndefined();
    expect(runStartedAt(runId)?.toISOString()).toBe('2026-01-02T03:04:05.000Z');
  });

  it('refuses names SageMaker would refuse', () => {
    expect(() => trainingJobName('prod', 'bad_id')).toThrow(/letters, digits and single hyphens/);
    expect(() => trainingJobName('prod', 'x'.repeat(60))).toThrow(/longer than 63/);
  });

  it('names the stage resources', () => {
    expect(glueJobName('local')).toBe('ml-pipeline-local-preprocess');
    expect(endpointName('local')).toBe('ml-pipeline-local');
  });
});
