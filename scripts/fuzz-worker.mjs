// Runs fuzz cases [from, from + count) for scripts/fuzz.mjs, reporting each start and result.
import { parentPort, workerData } from 'node:worker_threads';
import { harness } from './fuzz-core.mjs';

const dist = new URL('../dist/', import.meta.url);
const [{ run }, { confinedFs }, { bytesSource }, { withFileSource }, { resetWideValues }] = await Promise.all([
  import(new URL('cli/run.js', dist).href), import(new URL('host/confined-fs.js', dist).href), import(new URL('elf/source.js', dist).href),
  import(new URL('host/file-source.js', dist).href), import(new URL('elf/kit.js', dist).href),
]);
const { seed, from, count, root, program, library } = workerData;
const h = harness({ run, confinedFs, bytesSource, withFileSource, resetWideValues }, { root, program, library });
for (let i = from; i < from + count; i++) {
  parentPort.postMessage({ type: 'start', index: i });
  const t0 = performance.now();
  const r = await h.runCase(seed, i);
  parentPort.postMessage({ type: 'done', index: i, ms: performance.now() - t0, object: r.object, mutations: r.mutations, findings: r.findings,
    bytes: r.findings.length ? r.bytes : null });
}
parentPort.postMessage({ type: 'end' });
