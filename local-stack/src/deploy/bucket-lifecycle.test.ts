import { lifecycleOfTemplate } from './bucket-lifecycle';

describe('lifecycleOfTemplate', () => {
  it("maps AWS::S3::Bucket's rule properties to the S3 API's", () => {
    expect(
      lifecycleOfTemplate({
        Rules: [
          { Id: 'drops', Status: 'Enabled', Prefix: 'incoming/', NoncurrentVersionExpiration: { NoncurrentDays: '30' }, ExpiredObjectDeleteMarker: true },
          { Id: 'runs', Status: 'Enabled', Prefix: 'prepared/', ExpirationInDays: 30 },
          { Id: 'tagged', Status: 'Disabled', Prefix: 'x/', TagFilters: [{ Key: 'k', Value: 'v' }], ExpirationDate: '2027-01-01T00:00:00Z' },
          { Id: 'uploads', Status: 'Enabled', Prefix: '', AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 } },
        ],
      }),
    ).toEqual({
      Rules: [
        { ID: 'drops', Status: 'Enabled', Filter: { Prefix: 'incoming/' }, Expiration: { ExpiredObjectDeleteMarker: true }, NoncurrentVersionExpiration: { NoncurrentDays: 30 } },
        { ID: 'runs', Status: 'Enabled', Filter: { Prefix: 'prepared/' }, Expiration: { Days: 30 } },
        { ID: 'tagged', Status: 'Disabled', Filter: { And: { Prefix: 'x/', Tags: [{ Key: 'k', Value: 'v' }] } }, Expiration: { Date: new Date('2027-01-01T00:00:00Z') } },
        { ID: 'uploads', Status: 'Enabled', Filter: { Prefix: '' }, AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 } },
      ],
    });
    expect(lifecycleOfTemplate(undefined)).toBeUndefined();
    expect(lifecycleOfTemplate({ Rules: [] })).toBeUndefined();
  });
});
