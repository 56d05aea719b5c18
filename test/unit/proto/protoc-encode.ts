// Second, independent protobuf encoder for golden tests: protoc --encode turns text format into wire
// bytes using the .proto files, so a wrong field number or type in ts-proto's output shows up as a
// byte mismatch. protoc (protobuf-compiler) and the well-known types (libprotobuf-dev) are build
// requirements of `make gen`; without them these tests fail with a message saying what to install.
import { execFileSync } from 'child_process';
import { existsSync } from 'fs';
import * as path from 'path';

const PROTO_DIR = path.resolve(__dirname, '../../../proto');
const WKT_DIR = process.env.PROTOC_INCLUDE ?? '/usr/include';

/** Wire bytes of `text` (protobuf text format) as message `type` declared in `file` (relative to proto/). */
export function protocEncode(type: string, file: string, text: string): Buffer {
  if (!existsSync(path.join(WKT_DIR, 'google/protobuf/any.proto'))) {
    throw new Error(`protoc-encode: ${WKT_DIR}/google/protobuf/any.proto missing; apt-get install libprotobuf-dev`);
  }
  try {
    return execFileSync('protoc', [`--encode=${type}`, '-I', PROTO_DIR, '-I', WKT_DIR, file], {
      input: text,
      stdio: ['pipe', 'pipe', 'pipe'],
      maxBuffer: 1 << 20,
    });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: Buffer };
    if (e.code === 'ENOENT') throw new Error('protoc-encode: protoc not found; apt-get install protobuf-compiler');
    throw new Error(`protoc --encode=${type} ${file} failed: ${e.stderr?.toString() ?? e.message}`);
  }
}

/** `bytes` as a text-format string literal (octal escapes), for Any.value and bytes fields. */
export function textBytes(bytes: Uint8Array): string {
  let out = '"';
  for (const b of bytes) out += '\\' + b.toString(8).padStart(3, '0');
  return out + '"';
}

/** Text format of an Any whose value is `innerText` encoded by protoc as `innerType`. */
export function anyText(typeUrl: string, innerType: string, innerFile: string, innerText: string): string {
  return `type_url: "${typeUrl}" value: ${textBytes(protocEncode(innerType, innerFile, innerText))}`;
}
