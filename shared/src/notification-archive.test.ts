import { detailTypeSlug, notificationArchiveKey, parseNotificationArchiveKey } from './notification-archive';

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

  it.each(['Dataset Rejected', 'Pipeline Failed', 'Model Rejected', 'Model Awaiting Approval', 'Model Rolled Back'])('round-trips %s', (type) => {
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
