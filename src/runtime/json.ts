//! JSON parsing that keeps 64-bit integers exact. config.json carries int64/uint64 values such as
//! 9223372036854771712 (an "unlimited" memory limit) or 18446744073709551615 (RLIM_INFINITY) that a
//! double cannot hold; an integer literal outside ±(2^53-1) is returned as a bigint, read from its
//! source text (JSON.parse source access, V8 ≥ 11.4). Everything else is plain JSON.parse.

const INTEGER_LITERAL = /^-?\d+$/;

/**
 * Parse JSON text; integer literals beyond Number.MAX_SAFE_INTEGER become bigint.
 * @throws SyntaxError from JSON.parse, whose message gives the position (line and column).
 */
export function parseSpecJson(text: string): unknown {
  return JSON.parse(text, exactIntegers);
}

function exactIntegers(this: unknown, _key: string, value: unknown, context?: { source?: string }): unknown {
  if (typeof value !== 'number' || Number.isSafeInteger(value)) return value;
  const source = context?.source;
  if (source !== undefined && INTEGER_LITERAL.test(source)) return BigInt(source);
  return value;
}

/** JSON.rawJSON (V8 ≥ 11.4, Node ≥ 21); not yet in TypeScript's ES2023 lib. */
const rawJSON = (JSON as unknown as { rawJSON(text: string): unknown }).rawJSON;

/**
 * JSON.stringify that writes bigint values as bare integer literals (the inverse of parseSpecJson).
 * `indent` is passed to JSON.stringify (runc writes config.json indented with a tab).
 */
export function stringifySpecJson(value: unknown, indent?: string | number): string {
  return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? rawJSON(v.toString()) : v), indent);
}
