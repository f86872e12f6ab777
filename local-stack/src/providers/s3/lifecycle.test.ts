import { parseLifecycleConfiguration } from './lifecycle';
import { abortingRule, dueAt, keyActions, type LifecycleRule } from './model/lifecycle';
import type { VersionRecord } from './model/types';

const rule = (xml: string): LifecycleRule[] => parseLifecycleConfiguration(`<LifecycleConfiguration xmlns="http://s3.amazonaws.com/doc/2006-03-01/">${xml}</LifecycleConfiguration>`);

function version(key: string, lastModified: string, extra: Partial<VersionRecord> = {}): VersionRecord {
  return { key, versionId: `v-${lastModified}`, dataFile: 'f', size: 10, etag: 'e', lastModified, sequence: 1, contentType: 't', contentHeaders: {}, userMetadata: {}, tags: {}, ...extra } as VersionRecord;
}
const marker = (key: string, lastModified: string): VersionRecord => ({ key, versionId: `m-${lastModified}`, lastModified, sequence: 2, deleteMarker: true });

describe('parseLifecycleConfiguration', () => {
  it('reads filters the S3 API writes: a legacy Prefix, Filter/Prefix, a tag, And with sizes', () => {
    const [legacy, prefixed, tagged, both] = rule(
      '<Rule><ID>a</ID><Prefix>x/</Prefix><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>' +
        '<Rule><ID>b</ID><Filter><Prefix>y/</Prefix></Filter><Status>Enabled</Status><Expiration><Days>2</Days></Expiration></Rule>' +
        '<Rule><ID>c</ID><Filter><Tag><Key>k</Key><Value>v</Value></Tag></Filter><Status>Disabled</Status><Expiration><Days>3</Days></Expiration></Rule>' +
        '<Rule><ID>d</ID><Filter><And><Prefix>z/</Prefix><ObjectSizeGreaterThan>100</ObjectSizeGreaterThan></And></Filter><Status>Enabled</Status>' +
        '<NoncurrentVersionExpiration><NoncurrentDays>5</NoncurrentDays><NewerNoncurrentVersions>2</NewerNoncurrentVersions></NoncurrentVersionExpiration></Rule>',
    );
    expect(legacy).toMatchObject({ id: 'a', enabled: true, filter: { prefix: 'x/' }, expiration: { days: 1 } });
    expect(prefixed!.filter.prefix).toBe('y/');
    expect(tagged).toMatchObject({ enabled: false, filter: { prefix: '', tags: { k: 'v' } } });
    expect(both).toMatchObject({ filter: { prefix: 'z/', sizeGreaterThan: 100 }, noncurrentExpiration: { days: 5, newerNoncurrentVersions: 2 } });
  });

  it('refuses what S3 refuses', () => {
    expect(() => rule('')).toThrow(/not well-formed/);
    expect(() => rule('<Rule><Status>On</Status><Expiration><Days>1</Days></Expiration></Rule>')).toThrow(/not well-formed/);
    expect(() => rule('<Rule><Prefix/><Filter/><Status>Enabled</Status><Expiration><Days>1</Days></Expiration></Rule>')).toThrow(/not well-formed/);
    expect(() => rule('<Rule><Status>Enabled</Status><Expiration><Days>1</Days><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration></Rule>')).toThrow(/not well-formed/);
    expect(() => rule('<Rule><Status>Enabled</Status><Expiration><Date>2026-01-01T12:00:00Z</Date></Expiration></Rule>')).toThrow(/midnight/);
    expect(() => rule('<Rule><Filter><Tag><Key>k</Key></Tag></Filter><Status>Enabled</Status><AbortIncompleteMultipartUpload><DaysAfterInitiation>1</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule>')).toThrow(/Tag-based filter/);
  });
});

describe('when rules are due', () => {
  it('is midnight UTC after the age is reached, as S3 rounds it', () => {
    expect(dueAt(new Date('2026-05-01T10:30:00Z'), 1).toISOString()).toBe('2026-05-03T00:00:00.000Z');
    expect(dueAt(new Date('2026-05-01T00:00:00Z'), 1).toISOString()).toBe('2026-05-02T00:00:00.000Z');
  });

  const rules = rule(
    '<Rule><ID>old</ID><Filter><Prefix>p/</Prefix></Filter><Status>Enabled</Status><Expiration><Days>30</Days></Expiration></Rule>' +
      '<Rule><ID>nc</ID><Filter><Prefix></Prefix></Filter><Status>Enabled</Status><NoncurrentVersionExpiration><NoncurrentDays>1</NoncurrentDays><NewerNoncurrentVersions>1</NewerNoncurrentVersions></NoncurrentVersionExpiration></Rule>' +
      '<Rule><ID>marker</ID><Filter><Prefix>m/</Prefix></Filter><Status>Enabled</Status><Expiration><ExpiredObjectDeleteMarker>true</ExpiredObjectDeleteMarker></Expiration></Rule>' +
      '<Rule><ID>up</ID><Filter><Prefix>u/</Prefix></Filter><Status>Enabled</Status><AbortIncompleteMultipartUpload><DaysAfterInitiation>7</DaysAfterInitiation></AbortIncompleteMultipartUpload></Rule>',
  );

  it('expires a current version by its age, and counts noncurrent age from when the next version was written', () => {
    const current = [version('p/a', '2026-05-01T10:00:00Z')];
    expect(keyActions(rules, current, true, new Date('2026-05-31T23:59:59Z'))).toEqual([]);
    expect(keyActions(rules, current, true, new Date('2026-06-01T00:00:00Z'))).toEqual([{ kind: 'expire-current', rule: 'old' }]);
    // three versions: the oldest became noncurrent on 05-02, the middle one on 05-10; NewerNoncurrentVersions 1 keeps the middle one
    const history = [version('k', '2026-05-10T00:00:00Z'), version('k', '2026-05-02T00:00:00Z'), version('k', '2026-05-01T00:00:00Z')];
    expect(keyActions(rules, history, true, new Date('2026-05-20T00:00:00Z'))).toEqual([{ kind: 'delete-version', versionId: 'v-2026-05-01T00:00:00Z', rule: 'nc' }]);
  });

  it('removes a delete marker only once it is the only version left, and aborts old uploads', () => {
    const now = new Date('2026-06-01T00:00:00Z');
    expect(keyActions(rules, [marker('m/a', '2026-05-01T00:00:00Z')], false, now)).toEqual([{ kind: 'delete-version', versionId: 'm-2026-05-01T00:00:00Z', rule: 'marker' }]);
    expect(keyActions(rules, [marker('x/a', '2026-05-01T00:00:00Z')], false, now)).toEqual([]);
    expect(abortingRule(rules, 'u/big', new Date('2026-05-20T00:00:00Z'), now)).toBe('up');
    expect(abortingRule(rules, 'u/big', new Date('2026-05-30T00:00:00Z'), now)).toBeUndefined();
    expect(abortingRule(rules, 'other/big', new Date('2026-01-01T00:00:00Z'), now)).toBeUndefined();
  });
});
