//! Experiment (issue 7, item 2): the shim's `start`/`delete` path in a V8 startup snapshot instead
//! of the code cache. Built by scripts/bench/snapshot.sh with `node --build-snapshot`: the modules
//! `start` and `delete` need are evaluated at build time; the deserialised main only parses argv
//! and runs the action. Not shipped: see docs/performance.md for the measurement.
import * as v8 from 'node:v8';
import { shimMain } from '../../src/shim/main';
import '../../src/shim/delete-action';
import '../../src/shim/start';

v8.startupSnapshot.setDeserializeMainFunction(() => {
  // `node --snapshot-blob B ARGS…`: argv is [node, ARGS…] (no script)
  void shimMain(process.argv.slice(1)).then((code) => process.exit(code ?? 0));
});
