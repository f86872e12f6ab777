import { runDurations } from './durations';

const base = {
  runId: '20261125-110000-abcdef',
  trainingStartTime: new Date('2026-11-25T11:10:00Z'),
  trainingEndTime: new Date('2026-11-25T11:15:30Z'),
  inServiceAt: new Date('2026-11-25T11:25:30Z'),
};

describe('runDurations', () => {
  it('counts the total from the drop time the training job was tagged with', () => {
    expect(runDurations({ ...base, jobTags: { preprocessingSeconds: '95', droppedAt: '2026-11-25T10:59:30Z' } })).toEqual({
      preprocessingSeconds: 95,
      trainingSeconds: 330,
      deploymentSeconds: 600,
      totalSeconds: 1560,
    });
  });

  it('falls back on the time in the run id and leaves out what it cannot know', () => {
    expect(runDurations({ ...base, trainingStartTime: undefined, jobTags: { preprocessingSeconds: 'soon', droppedAt: 'yesterday' } })).toEqual({
      deploymentSeconds: 600,
      totalSeconds: 1530,
    });
  });
});
