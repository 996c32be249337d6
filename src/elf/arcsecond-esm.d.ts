// arcsecond ships an ES module build (index.mjs) next to its CommonJS one; Node loads it faster.
declare module 'arcsecond/index.mjs' {
  export * from 'arcsecond';
}
