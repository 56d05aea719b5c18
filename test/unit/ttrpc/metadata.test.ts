import { appendMetadata, firstMetadataValue, metadataFromKeyValues, metadataToKeyValues } from '../../../src/ttrpc/metadata';

describe('metadata', () => {
  test('keys are lower-cased and repeated keys keep their values in order', () => {
    const md = metadataFromKeyValues([
      { key: 'Containerd-Namespace-Ttrpc', value: 'default' },
      { key: 'x', value: '1' },
      { key: 'X', value: '2' },
    ]);
    expect([...md.entries()]).toEqual([
      ['containerd-namespace-ttrpc', ['default']],
      ['x', ['1', '2']],
    ]);
    expect(firstMetadataValue(md, 'CONTAINERD-namespace-ttrpc')).toBe('default');
    expect(firstMetadataValue(md, 'missing')).toBeUndefined();
  });

  test('records and maps flatten to one KeyValue per value', () => {
    expect(metadataToKeyValues({ A: 'x', b: ['1', '2'] })).toEqual([
      { key: 'a', value: 'x' },
      { key: 'b', value: '1' },
      { key: 'b', value: '2' },
    ]);
    const md = new Map<string, string[]>();
    appendMetadata(md, 'K', 'v1');
    appendMetadata(md, 'k', 'v2');
    expect(metadataToKeyValues(md)).toEqual([
      { key: 'k', value: 'v1' },
      { key: 'k', value: 'v2' },
    ]);
    expect(metadataToKeyValues(undefined)).toEqual([]);
  });

  test('round-trips through the wire form', () => {
    const md = new Map([['a', ['1', '2']], ['b', ['']]]);
    expect(metadataFromKeyValues(metadataToKeyValues(md))).toEqual(md);
  });
});
