// The fuzz campaign's case: one object of a real program's closure (a sysroot, seen through an overlay
// that stands for a copy with that one file changed) is mutated, and every command runs in-process on
// it. A case's findings are crashes (stack traces), unexpected exit codes and NaN/Infinity/undefined in
// any output. Plain JavaScript with the CLI injected, so both `npm run fuzz` (compiled dist/) and the
// test suite (sources) use the same cases. Every case is reproducible from (seed, index).

/** mulberry32, as test/support/rng.ts. */
export function rng(seed) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

// ld.so's own "undefined symbol" is a verdict, not a leaked value.
const BAD_TEXT = /NaN|Infinity|\bundefined\b(?! symbol)|\[object Object\]/;

/** Values that break naive readers: boundaries of 32/64-bit, 2^53, IA-64 regions, the file size. */
function interesting(r, size) {
  const pick = [0n, 1n, 0x7fn, 0xffn, 0x1000n, BigInt(size), BigInt(Math.max(0, size - 1)), 0x7fffffffn, 0x80000000n, 0xffffffffn,
    1n << 32n, 1n << 52n, 1n << 53n, (1n << 53n) + 1n, 1n << 63n, (1n << 64n) - 1n, 0x4000000000000000n, 0x6000000000000000n,
    BigInt(Math.floor(r() * 2 ** 32)) << 32n | BigInt(Math.floor(r() * 2 ** 32))];
  return pick[Math.floor(r() * pick.length)];
}

/** Deterministic mutation of `bytes` by the case's generator; returns the new bytes and what was done. */
export function mutate(bytes, r) {
  const out = bytes.slice();
  const v = new DataView(out.buffer, out.byteOffset, out.byteLength);
  const is64 = out[4] === 2, le = out[5] !== 2;
  const put = (at, value, width) => {
    if (at < 0 || at + width > out.length) return false;
    if (width === 8) v.setBigUint64(at, BigInt.asUintN(64, value), le);
    else if (width === 4) v.setUint32(at, Number(BigInt.asUintN(32, value)), le);
    else if (width === 2) v.setUint16(at, Number(BigInt.asUintN(16, value)), le);
    else v.setUint8(at, Number(BigInt.asUintN(8, value)));
    return true;
  };
  const done = [];
  const kind = r();
  if (kind < 0.1) {
    const n = Math.floor(r() * out.length);
    done.push(`truncate at ${n}`);
    return { bytes: out.subarray(0, n), done };
  }
  const phoff = out.length >= 64 ? Number(is64 ? v.getBigUint64(32, le) & 0xffffffffn : BigInt(v.getUint32(28, le))) : 0;
  const phnum = out.length >= 64 ? v.getUint16(is64 ? 56 : 44, le) : 0;
  const phent = is64 ? 56 : 32;
  const base = (i) => phoff + i * phent;
  const edits = 1 + Math.floor(r() * 4);
  for (let k = 0; k < edits; k++) {
    const s = r();
    if (s < 0.35 && phnum > 0) {
      // A program-header field (or a PT_DYNAMIC entry) set to an interesting value.
      const i = Math.floor(r() * phnum);
      const fields = is64 ? [[0, 4], [4, 4], [8, 8], [16, 8], [24, 8], [32, 8], [40, 8], [48, 8]] : [[0, 4], [4, 4], [8, 4], [12, 4], [16, 4], [20, 4], [24, 4], [28, 4]];
      const [off, w] = fields[Math.floor(r() * fields.length)];
      const val = interesting(r, out.length);
      if (put(base(i) + off, val, w)) done.push(`phdr[${i}]+${off} = 0x${BigInt.asUintN(w * 8, val).toString(16)}`);
    } else if (s < 0.6 && phnum > 0) {
      // A dynamic entry: find PT_DYNAMIC by p_offset, change a tag or a value.
      let dyn = -1, dynsz = 0;
      for (let i = 0; i < phnum && base(i) + phent <= out.length; i++) if (v.getUint32(base(i), le) === 2) { dyn = Number(is64 ? v.getBigUint64(base(i) + 8, le) & 0xffffffffn : BigInt(v.getUint32(base(i) + 4, le))); dynsz = Number(is64 ? v.getBigUint64(base(i) + 32, le) & 0xffffffffn : BigInt(v.getUint32(base(i) + 16, le))); }
      const ent = is64 ? 16 : 8;
      if (dyn >= 0 && dynsz >= ent) {
        const e = Math.floor(r() * Math.floor(dynsz / ent));
        const at = dyn + e * ent + (r() < 0.3 ? 0 : ent / 2);
        const val = r() < 0.2 ? BigInt([1, 5, 6, 10, 0x6ffffef5, 23, 2, 0x6ffffffb, 0][Math.floor(r() * 9)]) : interesting(r, out.length);
        if (put(at, val, ent / 2)) done.push(`dyn[${e}]${at % ent ? '.d_val' : '.d_tag'} = 0x${BigInt.asUintN(ent * 4, val).toString(16)}`);
      }
    } else if (s < 0.85) {
      const at = (r() < 0.6 ? Math.floor(r() * Math.min(out.length, 8192)) : Math.floor(r() * out.length)) & ~3;
      const w = r() < 0.5 ? 4 : 8;
      const val = interesting(r, out.length);
      if (put(at, val, w)) done.push(`@${at} u${w * 8} = 0x${BigInt.asUintN(w * 8, val).toString(16)}`);
    } else {
      const at = Math.floor(r() * out.length);
      const b = Math.floor(r() * 256);
      out[at] = b;
      done.push(`@${at} = ${b}`);
    }
  }
  return { bytes: out, done };
}

/**
 * A fuzz harness over `program` in `root`. deps: { run, confinedFs, bytesSource, withFileSource, resetWideValues }.
 * `closure()` lists the objects (in-root paths) the baseline loads; `runCase(seed, index)` runs one case.
 */
export function harness(deps, { root, program, library }) {
  const real = deps.confinedFs(root);
  const ORIG = `${root}#original`;
  let closureCache = null;

  function io(overlay, target) {
    let stdout = '', stderr = '';
    return {
      out: () => ({ stdout, stderr }),
      io: {
        stdout: { write: (s) => { stdout += s; } },
        stderr: { write: (s) => { stderr += s; } },
        env: {},
        isTTY: false,
        cwd: '/',
        hostHwcaps: () => null,
        graphFs: (r) => (r === ORIG || !overlay ? real : overlay),
        withFile: (path, use) => (overlay && path === `${root}${target.path}` ? use(deps.bytesSource(target.bytes)) : deps.withFileSource(path, use)),
      },
    };
  }

  async function cli(argv, overlay, target) {
    const h = io(overlay, target);
    const code = await deps.run(argv, h.io);
    return { code, ...h.out() };
  }

  async function closure() {
    if (closureCache) return closureCache;
    const r = await cli([program, '--root', root, '--format', 'json', '--no-code'], null, null);
    const g = JSON.parse(r.stdout);
    closureCache = g.objects.filter((o) => o.path && (o.kind === 'program' || o.kind === 'library' || o.kind === 'interp')).map((o) => real.realpath(o.path).value ?? o.path);
    return closureCache;
  }

  /** The sysroot with `path` replaced by `bytes`, as the loader's file system sees it. */
  function overlayFs(path, bytes) {
    const isTarget = (p) => { const rp = real.realpath(p); return rp.ok && rp.value === path; };
    return {
      ...real,
      stat(p) {
        const s = real.stat(p);
        return s.ok && isTarget(p) ? { ok: true, value: { ...s.value, size: bytes.length } } : s;
      },
      open(p) {
        if (!isTarget(p)) return real.open(p);
        const s = real.stat(p);
        return s.ok ? { ok: true, value: { ...deps.bytesSource(bytes), info: { ...s.value, size: bytes.length }, close() {} } } : s;
      },
      readFile(p, max) {
        return isTarget(p) ? { ok: true, value: bytes.subarray(0, max) } : real.readFile(p, max);
      },
    };
  }

  async function runCase(seed, index) {
    deps.resetWideValues();
    const objs = await closure();
    const r = rng((seed ^ Math.imul(index + 1, 0x9e3779b1)) >>> 0);
    const path = objs[Math.floor(r() * objs.length)];
    const original = real.readFile(path, 1 << 30);
    if (!original.ok) throw new Error(`${path}: ${original.errno}`);
    const m = mutate(original.value, r);
    const target = { path, bytes: m.bytes };
    const overlay = overlayFs(path, m.bytes);
    const commands = [
      ['tree', [program, '--root', root]],
      ['json', [program, '--root', root, '--format', 'json']],
      ['ldd', [program, '--root', root, '--format', 'ldd']],
      ['dot', [program, '--root', root, '--format', 'dot', '--highlight', library]],
      ['html', [program, '--root', root, '--format', 'html']],
      ['why', ['why', program, library, '--root', root, '--format', 'json']],
      ['check', ['check', program, '--root', root, '--format', 'json']],
      ['diff', ['diff', '--root-a', ORIG, '--root-b', root, program, '--format', 'json']],
      ['inspect', ['inspect', `${root}${path}`]],
      ['inspect-json', ['inspect', '--format', 'json', `${root}${path}`]],
    ];
    const findings = [];
    for (const [name, argv] of commands) {
      let res;
      try {
        res = await cli(argv, overlay, target);
      } catch (e) {
        findings.push({ command: name, kind: 'crash', detail: String(e?.stack ?? e).split('\n').slice(0, 6).join('\n') });
        continue;
      }
      if (![0, 1, 2].includes(res.code)) findings.push({ command: name, kind: 'exit-code', detail: String(res.code) });
      for (const [stream, text] of [['stdout', res.stdout], ['stderr', res.stderr]]) {
        const line = text.split('\n').find((l) => BAD_TEXT.test(l));
        if (line !== undefined) findings.push({ command: name, kind: 'bad-value', detail: `${stream}: ${line.slice(0, 300)}` });
      }
      if ((name === 'json' || name === 'check' || name === 'diff' || name === 'why' || name === 'inspect-json') && res.stdout.trim()) {
        try {
          for (const line of name === 'inspect-json' ? res.stdout.trim().split('\n') : [res.stdout]) JSON.parse(line);
        } catch {
          findings.push({ command: name, kind: 'bad-json', detail: res.stdout.slice(0, 200) });
        }
      }
    }
    return { seed, index, object: path, mutations: m.done, size: m.bytes.length, findings, bytes: m.bytes };
  }

  return { closure, runCase };
}
