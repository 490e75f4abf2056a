// Named nlpjs-modules.d.ts, not nlpjs.d.ts: tsc takes a .d.ts beside a same-named .ts for its output and skips it.
// nlp.js v4 ships CommonJS without types. Declared as default imports (Node's CJS interop hands an
// ESM importer `module.exports` as the default export); server/bots/nlpjs.ts types what it uses.
declare module '@nlpjs/core' {
  const core: { containerBootstrap(): Promise<unknown> };
  export default core;
}
declare module '@nlpjs/nlp' {
  const nlp: { Nlp: unknown };
  export default nlp;
}
declare module '@nlpjs/lang-en-min' {
  const langEn: { LangEn: unknown };
  export default langEn;
}
