import { PIPELINE_DETAIL_TYPES } from './events';
import { detailTypeSlug } from './names';
import { archivedNotificationProblem, notificationArchiveKey, parseNotificationArchiveKey, type ArchivedDetailType } from './notification-archive';

describe('notification archive keys', () => {
  it('name the run, the kind of news and the event', () => {
    const key = notificationArchiveKey('20261125-110409-a1b2c3', 'Model Deployed', '6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d');
    expect(key).toBe('notifications/20261125-110409-a1b2c3/model-deployed-6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d.json');
    expect(parseNotificationArchiveKey(key)).toEqual({
      key,
      runId: '20261125-110409-a1b2c3',
      detailType: 'Model Deployed',
      slug: 'model-deployed',
      eventId: '6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d',
    });
  });

  it.each<ArchivedDetailType>([...PIPELINE_DETAIL_TYPES, 'Model Awaiting Approval', 'Model Rolled Back'])('round-trips %s', (type) => {
    const parsed = parseNotificationArchiveKey(notificationArchiveKey('r-1', type, 'e-1'));
    expect(parsed).toMatchObject({ runId: 'r-1', detailType: type, slug: detailTypeSlug(type), eventId: 'e-1' });
  });

  it('keeps an unknown kind by its slug when the event id is a UUID', () => {
    const parsed = parseNotificationArchiveKey('notifications/r-1/model-retired-6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d.json');
    expect(parsed).toMatchObject({ detailType: undefined, slug: 'model-retired', eventId: '6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d' });
  });

  it.each(['notifications/r-1.json', 'notifications/r-1/', 'sent/r-1/model-deployed-e.json', 'notifications/r-1/model-deployed-e.txt'])('is not %s', (key) => {
    expect(parseNotificationArchiveKey(key)).toBeUndefined();
  });

  it('keeps event ids to characters safe in a key', () => {
    expect(notificationArchiveKey('r', 'Pipeline Failed', 'a/b c')).toBe('notifications/r/pipeline-failed-a_b_c.json');
  });
});

describe('archived emails', () => {
  const email = {
    version: 1,
    eventId: 'e',
    detailType: 'Model Deployed',
    source: 'ml-pipeline.deployment',
    time: '2026-11-25T11:30:05Z',
    runId: 'r',
    stage: 'local',
    detail: { runId: 'r' },
    from: 'a@example.com',
    to: ['b@example.com'],
    subject: 's',
    text: 't',
    html: '<p>t</p>',
    sentAt: '2026-11-25T11:30:06Z',
    addedLater: true,
  };

  it('accepts one with the fields readers use, and fields added later', () => {
    expect(archivedNotificationProblem(email)).toBeUndefined();
  });

  it.each([
    [[], 'not a JSON object'],
    [{ ...email, version: 2 }, 'version 2, not 1'],
    [{ ...email, subject: undefined, html: 3 }, 'no subject, html'],
    [{ ...email, to: 'b@example.com' }, 'to is not a list of addresses'],
    [{ ...email, detail: null }, 'no detail'],
  ])('says what is wrong with %j', (value, problem) => {
    expect(archivedNotificationProblem(value)).toBe(problem);
  });
});
