// GNU objdump as a second reader of load-time code: is the function a constructor slot points at the
// toolchain's own (crti.o's _init calling __gmon_start__ through the GOT, crtbegin.o's frame_dummy jumping
// to register_tm_clones), or code of the library's own? Decided from the x86 instructions alone, without
// loadgraph's byte signatures, so the two can disagree.
import { execa } from 'execa';

interface Insn { address: number; op: string; args: string }

/** The instructions from `address` up to and including the first ret or unconditional jmp (at most `span` bytes). */
async function straightLine(file: string, address: number, span = 256): Promise<Insn[]> {
  const { stdout } = await execa('objdump', ['-d', '--no-show-raw-insn', '-w', `--start-address=${address}`, `--stop-address=${address + span}`, file], { env: { LC_ALL: 'C' } });
  const out: Insn[] = [];
  for (const line of stdout.split('\n')) {
    const m = /^\s*([0-9a-f]+):\s+(.*)$/.exec(line);
    if (!m) continue;
    // Prefixes (bnd, notrack, repz, rex.W) are not the operation.
    const words = m[2]!.trim().split(/\s+/);
    while (words.length > 1 && /^(bnd|notrack|repz|rep|ds|cs|rex\.?\w*|data16)$/.test(words[0]!)) words.shift();
    const [op = '', ...rest] = words;
    out.push({ address: parseInt(m[1]!, 16), op, args: rest.join(' ') });
    if (/^ret/.test(op) || op === 'jmp' || op === 'hlt' || op === 'ud2') break;
  }
  return out;
}

const directTarget = (i: Insn) => (/^[0-9a-f]+\b/.test(i.args) ? parseInt(i.args, 16) : null);

/**
 * 'toolchain' when the function makes no direct call and either calls only through a register loaded from
 * the GOT (crti's _init: __gmon_start__ when it is defined) or is a tail jump to a function that makes no
 * direct call (frame_dummy → register_tm_clones); 'real' otherwise — any direct call, or code of its own.
 * x86 only.
 */
export async function objdumpClassifies(file: string, address: number): Promise<'toolchain' | 'real'> {
  const body = await straightLine(file, address);
  if (body.some((i) => i.op === 'call' && directTarget(i) !== null)) return 'real';
  const last = body.at(-1);
  const meaningful = body.filter((i) => !/^(endbr64|endbr32|nop\w*)$/.test(i.op));
  // frame_dummy: (endbr64;) jmp register_tm_clones — whose own body makes no direct call.
  if (meaningful.length === 1 && last?.op === 'jmp' && directTarget(last) !== null) {
    const next = await straightLine(file, directTarget(last)!);
    return next.some((i) => i.op === 'call' && directTarget(i) !== null) ? 'real' : 'toolchain';
  }
  // crti's _init: a GOT load of __gmon_start__, a test, and an indirect call of it.
  const gmon = body.some((i) => /__gmon_start__/.test(i.args)) && body.every((i) => i.op !== 'call' || i.args.startsWith('*'));
  return gmon ? 'toolchain' : 'real';
}
