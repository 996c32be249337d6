// Types of scripts/fuzz-core.mjs for the test suite.
export function rng(seed: number): () => number;
export function mutate(bytes: Uint8Array, r: () => number): { bytes: Uint8Array; done: string[] };
export interface FuzzFinding { command: string; kind: string; detail: string }
export interface FuzzCase { seed: number; index: number; object: string; mutations: string[]; size: number; findings: FuzzFinding[]; bytes: Uint8Array }
export function harness(deps: {
  run: (argv: string[], io: unknown) => Promise<number>;
  confinedFs: (root: string) => unknown;
  bytesSource: (bytes: Uint8Array) => unknown;
  withFileSource: <T>(path: string, use: (src: never) => T) => T;
  resetWideValues: () => void;
}, opts: { root: string; program: string; library: string }): { closure(): Promise<string[]>; runCase(seed: number, index: number): Promise<FuzzCase> };
