import { parseSpecJson, stringifySpecJson } from '../../../src/runtime/json';

describe('parseSpecJson', () => {
  test('keeps 64-bit integers exact as bigint, safe ones as number', () => {
    const v = parseSpecJson('{"a": 18446744073709551615, "b": -1, "c": 9223372036854771712, "d": 1.5e3, "e": -9223372036854775808, "f": 9007199254740991}');
    expect(v).toEqual({ a: 18446744073709551615n, b: -1, c: 9223372036854771712n, d: 1500, e: -9223372036854775808n, f: 9007199254740991 });
  });
  test('large non-integer literals stay numbers', () => {
    expect(parseSpecJson('[1e300, 1.5e20]')).toEqual([1e300, 1.5e20]);
  });
  test('syntax errors give the position', () => {
    expect(() => parseSpecJson('{\n  "a": 1,\n}')).toThrow(/line 3 column 1/);
  });
});

describe('stringifySpecJson', () => {
  test('writes bigint as bare integers and round-trips', () => {
    const text = stringifySpecJson({ hard: 18446744073709551615n, soft: 5, list: [1n] });
    expect(text).toBe('{"hard":18446744073709551615,"soft":5,"list":[1]}');
    expect(parseSpecJson(text)).toEqual({ hard: 18446744073709551615n, soft: 5, list: [1] });
  });
  test('indents like runc with a tab', () => {
    expect(stringifySpecJson({ a: 1n }, '\t')).toBe('{\n\t"a": 1\n}');
  });
});
