// `npm run fuzz -- --count N --seed S [--jobs J] [--root DIR] [--program PATH] [--library NAME]
//   [--timeout MS] [--memory MB] [--out DIR]`: the mutation campaign (scripts/fuzz-core.mjs) in worker
// threads, each case under a time limit (the worker is stopped and restarted past it) and a heap limit.
// Findings (crash, hang, out of memory, NaN/Infinity/undefined in output) are written to --out with the
// mutated file and its (seed, index), from which test/fuzz/regressions.test.ts replays them.
import { mkdirSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';

const { values } = parseArgs({
  options: {
    count: { type: 'string', default: '1000' }, seed: { type: 'string', default: '1' }, jobs: { type: 'string', default: '1' },
    root: { type: 'string', default: join(process.env.LOADGRAPH_CORPUS ?? join(homedir(), '.cache', 'loadgraph-corpus'), 'amd64', 'root') },
    program: { type: 'string', default: '/usr/sbin/sshd' }, library: { type: 'string', default: 'liblzma.so.5' },
    timeout: { type: 'string', default: '30000' }, memory: { type: 'string', default: '1024' }, out: { type: 'string', default: 'fuzz-findings' },
    from: { type: 'string', default: '0' },
  },
});
const count = Number(values.count), seed = Number(values.seed) >>> 0, jobs = Math.max(1, Number(values.jobs));
const timeout = Number(values.timeout), memory = Number(values.memory), first = Number(values.from);
mkdirSync(values.out, { recursive: true });

const started = Date.now();
let finished = 0, findings = 0, slowest = 0;
const byKind = {};

function record(index, object, mutations, kind, detail, bytes) {
  findings++;
  byKind[kind] = (byKind[kind] ?? 0) + 1;
  const name = `case-${seed}-${index}`;
  writeFileSync(join(values.out, `${name}.json`), JSON.stringify({ seed, index, object, mutations, kind, detail }, null, 2) + '\n');
  if (bytes) writeFileSync(join(values.out, `${name}.bin`), bytes);
  process.stdout.write(`finding ${name}: ${kind} ${object ?? ''} ${String(detail).split('\n')[0]}\n`);
}

/** Runs cases [from, to) in one worker at a time, restarting past a hang or a crash of the worker. */
async function lane(from, to) {
  let next = from;
  while (next < to) {
    await new Promise((resolve) => {
      const w = new Worker(new URL('./fuzz-worker.mjs', import.meta.url), {
        workerData: { seed, from: next, count: to - next, root: values.root, program: values.program, library: values.library },
        resourceLimits: { maxOldGenerationSizeMb: memory },
      });
      let current = next, timer = null, last = null, ended = false;
      const arm = () => { clearTimeout(timer); timer = setTimeout(() => { record(current, last?.object, last?.mutations, 'hang', `no result within ${timeout} ms`, null); next = current + 1; ended = true; w.terminate(); }, timeout); };
      w.on('message', (m) => {
        if (m.type === 'start') { current = m.index; arm(); }
        else if (m.type === 'done') {
          finished++;
          slowest = Math.max(slowest, m.ms);
          last = m;
          for (const f of m.findings) record(m.index, m.object, m.mutations, f.kind, `${f.command}: ${f.detail}`, m.bytes);
          next = m.index + 1;
          if (finished % 100 === 0) progress();
        } else if (m.type === 'end') { ended = true; }
      });
      w.on('error', (e) => { if (!ended) { record(current, null, null, /memory/i.test(String(e)) ? 'out-of-memory' : 'worker-crash', String(e?.stack ?? e), null); next = current + 1; ended = true; } });
      w.on('exit', () => { clearTimeout(timer); if (!ended) next = current + 1; resolve(); });
    });
  }
}

function progress() {
  const s = (Date.now() - started) / 1000;
  process.stdout.write(`${finished}/${count} cases, ${findings} findings, ${(finished / s).toFixed(1)} cases/s, slowest ${slowest.toFixed(0)} ms\n`);
}

function summarize() {
  const summary = { seed, from: first, cases: finished, findings, byKind, program: values.program, root: values.root, seconds: Math.round((Date.now() - started) / 1000), slowestMs: Math.round(slowest) };
  writeFileSync(join(values.out, `summary-${seed}-${first}.json`), JSON.stringify(summary, null, 2) + '\n');
  process.stdout.write(JSON.stringify(summary) + '\n');
}
// Stopped early (Ctrl-C, a time budget): the cases finished so far still count.
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => { progress(); summarize(); process.exit(130); });

const per = Math.ceil(count / jobs);
await Promise.all(Array.from({ length: jobs }, (_, j) => lane(first + j * per, first + Math.min(count, (j + 1) * per))));
progress();
summarize();
