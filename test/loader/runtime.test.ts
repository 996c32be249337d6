// Run-time edges: .note.dlopen entries, PAM modules and NSS services, resolved as dlopen() from the object
// that asks, with their own closures — kept apart from the start-up graph.
import { execa, execaSync } from 'execa';
import { copyFileSync, mkdirSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as C from '../../src/elf/constants.js';
import type { AnalysisResult } from '../../src/analyses/result.js';
import type { GraphEdge, LoadGraph } from '../../src/graph/model.js';
import { sysroot } from '../support/corpus.js';
import { runCli } from '../support/cli.js';
import { exe, fixtureDir, graphOf, lib, patchDynamic, runpath } from '../support/fixtures.js';
import { FIXTURES, READELF, X86_64, condition, requires, sysrootOf } from '../support/prereq.js';

const NOTE_JSON = '[{"soname":["libfeat.so.1","libfeat.so.0"],"feature":"feat","description":"A feature","priority":"recommended"}]';
// The spec's note layout: namesz, descsz, type NT_FDO_DLOPEN_METADATA, "FDO\0", the JSON padded to 4 bytes.
const noteSource = (extra: string, json = NOTE_JSON) => `#define _GNU_SOURCE
#include <dlfcn.h>
#include <link.h>
#include <stdint.h>
#define JSON ${JSON.stringify(json)}
#define PAD ((sizeof(JSON) + 3) & ~3)
__attribute__((used, section(".note.dlopen"), aligned(4))) static const struct {
  uint32_t namesz, descsz, type; char name[4]; char desc[PAD];
} note = { 4, PAD, 0x407c0c0a, "FDO", JSON };
${extra}`;

const runtimeEdges = (g: LoadGraph, kind: GraphEdge['kind']) => (g.runtime?.edges ?? []).filter((e) => e.kind === kind && e.provenance);
const objectPath = (g: LoadGraph, id: number | null) => [...g.objects, ...(g.runtime?.objects ?? [])].find((o) => o.id === id)?.path ?? null;

describe('dlopen notes', () => {
  it('resolve as dlopen() from the noting library would, alternatives in order (checked by that dlopen itself)', async (ctx) => {
    requires(ctx, FIXTURES);
    const d = fixtureDir();
    lib(d, 'plugins/libfeat.so.0', { soname: 'libfeat.so.0', source: 'int feat(void) { return 2; }\n' });
    // The library dlopen()s the note's sonames in order, as its caller would, and reports ld.so's l_name.
    lib(d, 'libuser.so', {
      source: noteSource(`const char *which(void) {
  const char *names[] = { "libfeat.so.1", "libfeat.so.0" };
  for (int i = 0; i < 2; i++) { void *h = dlopen(names[i], RTLD_NOW); struct link_map *m;
    if (h && dlinfo(h, RTLD_DI_LINKMAP, &m) == 0) return m->l_name; }
  return "none"; }\n`),
      args: [...runpath('$ORIGIN/plugins'), '-ldl'],
    });
    writeFileSync(join(d, 'main.c'), '#include <stdio.h>\nconst char *which(void);\nint main(void) { puts(which()); return 0; }\n');
    execaSync('cc', ['-o', join(d, 'main'), join(d, 'main.c'), `-L${d}`, '-luser', `-Wl,-rpath,${d}`]);
    const real = (await execa(join(d, 'main'), [], { extendEnv: false, env: {} })).stdout.trim();

    const g = graphOf(join(d, 'main'), d);
    const [e, ...more] = runtimeEdges(g, 'dlopen');
    expect(more).toEqual([]);
    expect(e!.provenance).toEqual({ kind: 'dlopen', feature: 'feat', description: 'A feature', priority: 'recommended', sonames: ['libfeat.so.1', 'libfeat.so.0'] });
    expect(objectPath(g, e!.from)).toBe(join(d, 'libuser.so'));
    expect(e!.reason).toEqual({ kind: 'runpath', owner: e!.from });
    expect(objectPath(g, e!.to)).toBe(real);
    expect(real).toBe(join(d, 'plugins/libfeat.so.0'));
    // Never part of the start-up graph.
    expect(g.objects.map((o) => o.path)).not.toContain(real);
  });

  it('each dlopen() whole and in turn: a failed one unmaps what it mapped, the next alternative is tried (checked by those dlopens themselves)', async (ctx) => {
    requires(ctx, FIXTURES);
    const d = fixtureDir();
    // libmissing.so is linked against, then removed: whatever needs it cannot be dlopen()ed.
    const missing = lib(d, 'gone/libmissing.so');
    const needsMissing = [`-L${d}/gone`, '-lmissing'];
    lib(d, 'a/libx.so.1', { args: needsMissing });
    lib(d, 'a/libalt.so.2', { args: needsMissing });
    lib(d, 'a/libalt.so.1');
    lib(d, 'b/libshared.so');
    lib(d, 'b/libx.so.1', { args: [`-L${d}/b`, '-lshared', ...runpath('$ORIGIN')] });
    rmSync(missing);
    // Each library dlopen()s its note's entries in order, each entry's sonames until one opens, and reports
    // ld.so's l_name, or the first soname's dlerror() when none does.
    const noting = (file: string, fn: string, entries: string[][]) => lib(d, file, {
      args: [...runpath(`$ORIGIN/${file.slice(3, 4).toLowerCase()}`), '-ldl'],
      source: noteSource(`#include <stdio.h>
#include <string.h>
void ${fn}(void) {
  const char *entries[][3] = { ${entries.map((e) => `{ ${[...e.map((n) => JSON.stringify(n)), 'NULL'].join(', ')} }`).join(', ')} };
  for (unsigned i = 0; i < sizeof entries / sizeof *entries; i++) {
    char first[512] = ""; struct link_map *m = NULL;
    for (int j = 0; entries[i][j]; j++) {
      void *h = dlopen(entries[i][j], RTLD_NOW);
      if (h && dlinfo(h, RTLD_DI_LINKMAP, &m) == 0) break;
      m = NULL;
      if (!first[0]) snprintf(first, sizeof first, "%s", dlerror());
    }
    puts(m ? m->l_name : first);
  }
}
`, JSON.stringify(entries.map((soname) => ({ soname, feature: soname[0]!.replace(/\W/g, '_') })))),
    });
    noting('libA.so', 'tryA', [['libx.so.1'], ['libalt.so.2', 'libalt.so.1']]);
    noting('libB.so', 'tryB', [['libx.so.1'], ['libshared.so']]);
    writeFileSync(join(d, 'main.c'), 'void tryA(void), tryB(void);\nint main(void) { tryA(); tryB(); return 0; }\n');
    execaSync('cc', ['-o', join(d, 'main'), join(d, 'main.c'), `-L${d}`, '-Wl,--no-as-needed', '-lA', '-lB', `-Wl,-rpath,${d}`]);
    const real = (await execa(join(d, 'main'), [], { extendEnv: false, env: {} })).stdout.split('\n');
    expect(real).toEqual([
      'libmissing.so: cannot open shared object file: No such file or directory',
      join(d, 'a/libalt.so.1'),
      join(d, 'b/libx.so.1'),
      join(d, 'b/libshared.so'),
    ]);

    const g = graphOf(join(d, 'main'), d);
    const requests = runtimeEdges(g, 'dlopen');
    expect(requests.map((e) => (e.to === null ? e.error : objectPath(g, e.to)))).toEqual(real);
    // What the failed dlopen()s mapped is gone; what a request found already loaded is not its own.
    const rtPaths = g.runtime!.objects.map((o) => o.path!).filter((p) => p.startsWith(d));
    expect(rtPaths.sort()).toEqual([join(d, 'a/libalt.so.1'), join(d, 'b/libshared.so'), join(d, 'b/libx.so.1')]);
    expect(requests[3]!.reason.kind).toBe('already-loaded');
  });

  it('an object marked DF_1_NOOPEN (-z nodlopen) cannot be dlopen()ed, nor needed by what is; loaded at start, it is reused (checked by those dlopens themselves)', async (ctx) => {
    requires(ctx, FIXTURES);
    const d = fixtureDir();
    lib(d, 'p/libsealed.so.1', { args: ['-Wl,-z,nodlopen'] });
    lib(d, 'p/libneedssealed.so.1', { args: [`-L${d}/p`, '-l:libsealed.so.1', ...runpath('$ORIGIN')] });
    lib(d, 'q/libsealed.so.2', { args: ['-Wl,-z,nodlopen'] });
    // The program dlopen()s each note entry and prints ld.so's l_name or dlerror().
    const entries = [['libsealed.so.1'], ['libneedssealed.so.1'], ['libsealed.so.2']];
    writeFileSync(join(d, 'main.c'), noteSource(`#include <stdio.h>
int main(void) {
  const char *names[] = { "libsealed.so.1", "libneedssealed.so.1", "libsealed.so.2" };
  for (int i = 0; i < 3; i++) { void *h = dlopen(names[i], RTLD_NOW); struct link_map *m;
    puts(h && dlinfo(h, RTLD_DI_LINKMAP, &m) == 0 ? m->l_name : dlerror()); }
  return 0;
}
`, JSON.stringify(entries.map((soname) => ({ soname, feature: soname[0]!.replace(/\W/g, '_') })))));
    // libsealed.so.2 is also a need of the program: mapped at start, which DF_1_NOOPEN does not forbid.
    execaSync('cc', ['-o', join(d, 'main'), join(d, 'main.c'), '-ldl', `-L${d}/q`, '-Wl,--no-as-needed', '-l:libsealed.so.2', `-Wl,-rpath,${d}/p:${d}/q`]);
    const real = (await execa(join(d, 'main'), [], { extendEnv: false, env: {} })).stdout.split('\n');
    expect(real).toEqual([
      'libsealed.so.1: shared object cannot be dlopen()ed',
      'libsealed.so.1: shared object cannot be dlopen()ed',
      `${d}/q/libsealed.so.2`,
    ]);
    const g = graphOf(join(d, 'main'), d);
    expect(runtimeEdges(g, 'dlopen').map((e) => (e.to === null ? e.error : objectPath(g, e.to)))).toEqual(real);
  });

  it('an object whose relocation stops ld.so is a warning on the run-time part: its dlopen() ends the process (checked by that dlopen itself)', async (ctx) => {
    requires(ctx, FIXTURES);
    const d = fixtureDir();
    const bad = lib(d, 'plugins/libfeat.so.1', { source: 'extern int feat_var;\nint *p = &feat_var;\nstatic int local;\nint *q = &local;\nint feat_var = 1;\n' });
    const count = Number(/\(RELACOUNT\)\s+(\d+)/.exec(execaSync('readelf', ['-d', bad]).stdout)![1]);
    patchDynamic(bad, C.DT_RELACOUNT, count + 1);
    lib(d, 'libuser.so', {
      source: noteSource('int use(void) { return dlopen("libfeat.so.1", RTLD_NOW) != 0; }\n'),
      args: [...runpath('$ORIGIN/plugins'), '-ldl'],
    });
    writeFileSync(join(d, 'main.c'), '#include <stdio.h>\nint use(void);\nint main(void) { puts("started"); fflush(stdout); return use() ? 0 : 3; }\n');
    execaSync('cc', ['-o', join(d, 'main'), join(d, 'main.c'), `-L${d}`, '-luser', `-Wl,-rpath,${d}`]);
    const real = await execa(join(d, 'main'), [], { reject: false, extendEnv: false, env: {} });
    expect([real.stdout, real.exitCode]).toEqual(['started', 127]);
    expect(real.stderr).toMatch(/elf_machine_rela_relative: Assertion/);

    const g = graphOf(join(d, 'main'), d);
    expect(g.fatal).toBeNull();
    expect(objectPath(g, runtimeEdges(g, 'dlopen')[0]!.to)).toBe(bad);
    expect(g.runtime!.warnings).toContainEqual(expect.stringMatching(new RegExp(`^${bad}: DT_RELACOUNT is ${count + 1}, but entry ${count} of DT_RELA has type \\d+, not R_X86_64_RELATIVE: relocating it, ld\\.so aborts .*, when a run-time dlopen\\(\\) maps it$`)));
  });

  it('a malformed note is a warning and the rest is shown; --no-runtime leaves the section out', async (ctx) => {
    requires(ctx, FIXTURES);
    const d = fixtureDir();
    lib(d, 'libbad.so', { source: noteSource('').replace(JSON.stringify(NOTE_JSON), JSON.stringify('[{"soname": ')) });
    const main = exe(d, 'main', [`-L${d}`, '-lbad', `-Wl,-rpath,${d}`]);
    const g = graphOf(main, d);
    expect(g.runtime?.warnings).toContainEqual(expect.stringMatching(/libbad\.so: \.note\.dlopen ignored: payload is not valid JSON/));
    expect(g.objects.map((o) => o.soname)).toContain('libbad.so');
    const tree = await runCli([main]);
    expect(tree.stdout).toMatch(/warning: .*\.note\.dlopen ignored/);
    const none = await runCli(['--no-runtime', '--format', 'json', main]);
    expect(JSON.parse(none.stdout).runtime).toBeUndefined();
  });
});

describe('NSS', () => {
  const conf = (() => { try { return readFileSync('/etc/nsswitch.conf', 'utf8'); } catch { return null; } })();
  it("this machine's nsswitch.conf: each service not built into libc, found where ldconfig -p says", (ctx) => {
    requires(ctx, X86_64, condition('/etc/nsswitch.conf', conf !== null, 'apt-get install libc-bin (it ships /etc/nsswitch.conf)'));
    const services = [...new Set(conf!.split('\n').map((l) => l.replace(/#.*/, '')).filter((l) => /^\s*[a-z_]+\s*:/.test(l))
      .flatMap((l) => l.slice(l.indexOf(':') + 1).replace(/\[[^\]]*\]/g, ' ').split(/\s+/).filter(Boolean)))].filter((s) => s !== 'files' && s !== 'dns');
    const cache = execaSync('ldconfig', ['-p'], { env: { LC_ALL: 'C' } }).stdout;
    const g = graphOf('/bin/true', '/');
    const nss = runtimeEdges(g, 'nss');
    expect(nss.map((e) => e.name)).toEqual(services.map((s) => `libnss_${s}.so.2`));
    for (const e of nss) {
      const hit = new RegExp(`^\\s${e.name.replace(/\./g, '\\.')} \\(libc6,x86-64\\) => (\\S+)$`, 'm').exec(cache)?.[1] ?? null;
      expect(objectPath(g, e.to), e.name).toBe(hit);
      expect(e.from).toBe(g.objects.find((o) => o.soname === 'libc.so.6')!.id);
    }
  });
});

describe('real roots', () => {
  it("Debian 12's sshd: every module of its PAM stack as a run-time edge from libpam", async (ctx) => {
    requires(ctx, sysrootOf('amd64'));
    const root = sysroot('amd64');
    const r = await runCli(['--root', root, '--format', 'json', '/usr/sbin/sshd']);
    const g = JSON.parse(r.stdout) as LoadGraph;
    const pam = runtimeEdges(g, 'pam');
    const libpam = g.objects.find((o) => o.soname === 'libpam.so.0')!;
    expect(pam.every((e) => e.from === libpam.id && e.to !== null)).toBe(true);
    // The modules named by the root's own /etc/pam.d/sshd and the common-* files it @includes (written at
    // install time: scripts/pam-auth-update.mjs).
    const modulesOf = (file: string) => [...readFileSync(join(root, 'etc/pam.d', file), 'utf8').matchAll(/^-?(?:auth|account|session|password)\s+(?:\[[^\]]*\]|\S+)\s+(pam_\S+\.so)/gm)].map((m) => m[1]);
    const includes = [...readFileSync(join(root, 'etc/pam.d/sshd'), 'utf8').matchAll(/^@include\s+(\S+)/gm)].map((m) => m[1]!);
    expect(includes).toEqual(['common-auth', 'common-account', 'common-session', 'common-password']);
    const named = [...modulesOf('sshd'), ...includes.flatMap(modulesOf)];
    expect(new Set(pam.map((e) => e.name.split('/').pop()))).toEqual(new Set(named));
    expect(named).toEqual(expect.arrayContaining(['pam_unix.so', 'pam_deny.so', 'pam_permit.so', 'pam_systemd.so']));
    expect(pam.length).toBeGreaterThanOrEqual(8);
    const tree = await runCli(['--root', root, '/usr/sbin/sshd']);
    expect(tree.stdout).toMatch(/may also load at run time[^\n]*\n[\s\S]*pam_nologin\.so \[PAM sshd: account required, \/etc\/pam\.d\/sshd:\d+; direct path\]/);
    // pam_systemd brings libm, whose IFUNC resolvers run when it is loaded.
    expect(tree.stdout).toMatch(/^run-time loads may add \d+ objects \(PAM modules: \d+ found\); 1 of them would run their own code when loaded \(libm\.so\.6: ifunc:\d+\), and their relocations would call \d+ IFUNC resolvers of libc\.so\.6$/m);
    // The start-up figures are untouched by run-time loads.
    expect(tree.stdout).toMatch(/^8 of 28 objects run their own code before main/m);
    const other = JSON.parse((await runCli(['--root', root, '--pam-service', 'nosuch', '--format', 'json', '/usr/sbin/sshd'])).stdout) as LoadGraph;
    // An unknown service is read from /etc/pam.d/other, which only @includes the common-* files.
    expect(new Set(runtimeEdges(other, 'pam').map((e) => e.name.split('/').pop()))).toEqual(new Set(includes.flatMap(modulesOf)));
    // check: a deny entry with "runtime": true covers run-time loads too; without it, only start-up.
    const d = fixtureDir();
    const policy = (runtime: boolean) => {
      const f = join(d, `p-${runtime}.json`);
      writeFileSync(f, JSON.stringify({ deny: [{ program: 'sshd', library: 'pam_limits.so', ...(runtime ? { runtime } : {}) }] }));
      return f;
    };
    const denied = await runCli(['check', '--root', root, '--format', 'json', '--policy', policy(true), '/usr/sbin/sshd']);
    const f106 = JSON.parse(denied.stdout).programs[0].findings.filter((f: { rule: string }) => f.rule === 'LG106');
    expect(f106).toEqual([expect.objectContaining({ subject: 'pam_limits.so', message: 'sshd may load pam_limits.so at run time, which the policy denies', evidence: ['run-time path: sshd → libpam.so.0 → pam_limits.so'] })]);
    expect(denied.code).toBe(1);
    const startOnly = await runCli(['check', '--root', root, '--format', 'json', '--policy', policy(false), '/usr/sbin/sshd']);
    expect(JSON.parse(startOnly.stdout).programs[0].findings.filter((f: { rule: string }) => f.rule === 'LG106')).toEqual([]);
    const w = await runCli(['why', '--root', root, '/usr/sbin/sshd', 'pam_limits.so']);
    expect(w.code).toBe(0);
    expect(w.stdout).toMatch(/sshd → libpam\.so\.0 → pam_limits\.so\n/);
    expect(w.stdout).toMatch(/libpam\.so\.0 → pam_limits\.so \[PAM sshd: session required, \/etc\/pam\.d\/sshd:\d+; direct path\] \(not at start\)/);
  });

  it("Debian 13's libsystemd: its dlopen notes, as readelf dumps them, resolved in the root", async (ctx) => {
    // The diff part compares with Debian 12's libsystemd, so it needs that sysroot too.
    requires(ctx, READELF, sysrootOf('trixie-amd64'), sysrootOf('amd64'));
    const root = sysroot('trixie-amd64');
    const file = '/usr/lib/x86_64-linux-gnu/libsystemd.so.0';
    const dump = execaSync('readelf', ['-p', '.note.dlopen', join(root, file)]).stdout;
    const notes = [...dump.matchAll(/\]\s+(\[\{.*\}\])\s*$/gm)].flatMap((m) => JSON.parse(m[1]!) as Array<{ soname: string[]; feature: string; priority: string }>);
    expect(notes.length).toBeGreaterThanOrEqual(4);
    const g = JSON.parse((await runCli(['--root', root, '--format', 'json', file])).stdout) as LoadGraph;
    const dl = runtimeEdges(g, 'dlopen');
    expect(dl.map((e) => [e.name, e.provenance?.kind === 'dlopen' ? [e.provenance.feature, e.provenance.priority] : null]))
      .toEqual(notes.map((n) => [n.soname[0], [n.feature, n.priority]]));
    const lzma = dl.find((e) => e.name === 'liblzma.so.5')!;
    expect(objectPath(g, lzma.to)).toMatch(/\/liblzma\.so\.5$/);
    expect(g.objects.some((o) => o.soname === 'liblzma.so.5')).toBe(false);
    // why explains the run-time path, exit 0, and says it is not at start.
    const w = await runCli(['why', '--root', root, file, 'liblzma.so.5']);
    expect(w.code).toBe(0);
    expect(w.stdout).toMatch(/does not load liblzma\.so\.5 at start; it may load it at run time/);
    expect(w.stdout).toMatch(/dlopen\(\)ed by libsystemd\.so\.0 for lzma — suggested/);
    const wj = JSON.parse((await runCli(['why', '--root', root, '--format', 'json', file, 'liblzma.so.5'])).stdout);
    expect(wj).toMatchObject({ loaded: false, atStart: false, runtime: { path: [{ kind: 'dlopen', atStart: false, provenance: { feature: 'lzma' } }] } });
    // diff from Debian 12: every library libsystemd stopped linking but notes for dlopen() moved to run time.
    {
      const needed12 = [...execaSync('readelf', ['-d', join(sysroot('amd64'), file)]).stdout.matchAll(/\(NEEDED\)\s+Shared library: \[(.+)\]/g)].map((m) => m[1]);
      const d = JSON.parse((await runCli(['diff', '--format', 'json', '--root-a', sysroot('amd64'), '--root-b', root, file])).stdout);
      const moved = d.items.filter((i: { kind: string }) => i.kind === 'moved-to-runtime').map((i: { subject: string }) => i.subject);
      const needed13 = [...execaSync('readelf', ['-d', join(root, file)]).stdout.matchAll(/\(NEEDED\)\s+Shared library: \[(.+)\]/g)].map((m) => m[1]);
      for (const n of notes.map((x) => x.soname[0]!).filter((x) => needed12.includes(x))) expect(moved).toContain(n);
      // The rest moved with them: their own needs (libgcrypt → libgpg-error), none of them needed at start any more.
      for (const m of moved) expect(needed13).not.toContain(m);
      expect(moved).toContain('liblzma.so.5');
      expect(d.items.find((i: { subject: string; kind: string }) => i.kind === 'moved-to-runtime' && i.subject === 'liblzma.so.5').evidence)
        .toContain('asked for by .note.dlopen of libsystemd.so.0 (lzma, suggested)');
    }
    const none = await runCli(['why', '--root', root, file, 'libnothere.so.1']);
    expect(none).toMatchObject({ code: 1, stdout: expect.stringMatching(/does not load libnothere\.so\.1, at start or at run time/) });
  });

  it("Debian 13's sshd-session: PAM as sshd, a module's libsystemd and that library's own dlopen notes, their load-time code, rdeps --runtime", async (ctx) => {
    requires(ctx, sysrootOf('trixie-amd64'));
    const root = sysroot('trixie-amd64');
    const prog = '/usr/lib/openssh/sshd-session';
    // OpenSSH ≥ 9.8 starts PAM as "sshd" from sshd-session: the sshd stack, not "other".
    const g = JSON.parse((await runCli(['--root', root, '--format', 'json', prog])).stdout) as AnalysisResult;
    const pam = runtimeEdges(g, 'pam');
    expect(pam.length).toBeGreaterThan(3);
    expect(pam.every((e) => e.provenance?.kind === 'pam' && e.provenance.service === 'sshd')).toBe(true);
    // pam_limits.so needs libsystemd.so.0, whose .note.dlopen asks for liblzma: a run-time object's notes count too.
    const w = await runCli(['why', '--root', root, prog, 'liblzma.so.5']);
    expect(w.code).toBe(0);
    expect(w.stdout).toMatch(/sshd-session → libpam\.so\.0 → pam_\w+\.so → libsystemd\.so\.0 → liblzma\.so\.5/);
    // What the run-time loads would run: liblzma's own constructors among the run-time objects, as a
    // start-up analysis of liblzma finds them; resolvers of libc called again by their relocations.
    const rt = g.runtimeLoadTime!;
    const all = new Map([...g.objects, ...g.runtime!.objects].map((o) => [o.id, o]));
    const lzmaRt = rt.objects.find((o) => all.get(o.id)!.soname === 'liblzma.so.5')!;
    const lzmaAlone = JSON.parse((await runCli(['--root', root, '--format', 'json', all.get(lzmaRt.id)!.path!])).stdout) as AnalysisResult;
    const lzmaProgram = lzmaAlone.loadTime!.objects.find((o) => o.id === lzmaAlone.objects.find((x) => x.kind === 'program')!.id)!;
    expect(lzmaRt.realConstructors).toBe(lzmaProgram.realConstructors);
    expect(lzmaRt.realConstructors).toBeGreaterThan(0);
    expect(rt.startup.some((x) => all.get(x.id)!.soname === 'libc.so.6' && x.ifunc.length > 0)).toBe(true);
    expect(rt.startup.flatMap((x) => x.ifunc).every((c) => g.runtime!.objects.some((o) => o.id === c.calledBy))).toBe(true);
    const tree = await runCli(['--root', root, prog]);
    expect(tree.stdout).toMatch(/^run-time loads may add \d+ objects \([^)]*\); \d+ of them would run their own code when loaded \([^)]*liblzma\.so\.5: ctor:\d/m);
    // rdeps --runtime: sshd-session may load liblzma at run time; without --runtime, nothing loads it at start.
    const rd = JSON.parse((await runCli(['rdeps', '--root', root, '--runtime', '--format', 'json', 'liblzma.so.5', '/usr/lib/openssh', '/usr/sbin'])).stdout);
    const session = rd.programs.find((p: { path: string }) => p.path === prog);
    expect(session).toMatchObject({ atStart: false });
    expect(session.via.map((h: { to: string; atStart?: boolean }) => [h.to, h.atStart ?? true]).at(-1)).toEqual(['liblzma.so.5', false]);
    const startOnly = await runCli(['rdeps', '--root', root, 'liblzma.so.5', '/usr/lib/openssh', '/usr/sbin']);
    expect(startOnly.code).toBe(1);
    expect(startOnly.stdout).toBe('no program of 16 loads liblzma.so.5 at start\nnot counted: programs that may load it after start-up (dlopen notes, PAM, NSS); see --runtime\n');
  });

  it('a PAM stack that cannot be read whole is a warning in the tree even when nothing was found', async (ctx) => {
    requires(ctx, sysrootOf('trixie-amd64'));
    // A root with sshd-session, its loader and libpam, whose /etc/pam.d/other @includes a file it lacks.
    const from = sysroot('trixie-amd64');
    const root = fixtureDir();
    for (const f of ['usr/lib/openssh/sshd-session', 'usr/lib64/ld-linux-x86-64.so.2', 'usr/lib/x86_64-linux-gnu/libpam.so.0']) {
      mkdirSync(dirname(join(root, f)), { recursive: true });
      copyFileSync(realpathSync(join(from, f)), join(root, f));
    }
    symlinkSync('usr/lib64', join(root, 'lib64'));
    mkdirSync(join(root, 'etc/pam.d'), { recursive: true });
    writeFileSync(join(root, 'etc/pam.d/other'), '@include common-auth\n');
    const r = await runCli(['--root', root, '/usr/lib/openssh/sshd-session']);
    expect(r.stdout).toMatch(/^warning: PAM: \/etc\/pam\.d\/other:1: included file "common-auth" not found/m);
    expect(r.stdout).not.toMatch(/may also load at run time/);
  });
});
