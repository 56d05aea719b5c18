//! Stands in for the `koffi` package inside the single executable (scripts/sea/build.ts aliases
//! `koffi` to this module). koffi's own loader cannot find its addon in a bundle, so this loads the
//! addon extracted from the SEA's assets with process.dlopen; its exports are koffi's API (without
//! the deprecated aliases the package's wrapper adds). Loading waits for the first use, so
//! programs that never call native code never extract or load anything.
import { nativeFile } from './assets';

type KoffiApi = Record<string | symbol, unknown>;
let api: KoffiApi | undefined;

function load(): KoffiApi {
  if (api === undefined) {
    const mod = { exports: {} as KoffiApi };
    process.dlopen(mod, nativeFile('koffi.node'));
    api = mod.exports;
  }
  return api;
}

const koffi: unknown = new Proxy({} as KoffiApi, {
  get: (_target, key) => load()[key],
  has: (_target, key) => key in load(),
});

export default koffi;
