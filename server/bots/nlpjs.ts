import core from '@nlpjs/core';
import nlpPackage from '@nlpjs/nlp';
import langEnPackage from '@nlpjs/lang-en-min';

/*
 * The typed face of nlp.js v4 for the built-in bot: one trained model per corpus, in memory, that
 * never touches the file system and never writes to the console.
 */

/** nlp.js's sentiment of a message: `score` sums the lexicon's word polarities (each in −1..1). */
export interface NlpSentiment {
  score: number;
  numWords: number;
  numHits: number;
  vote: 'positive' | 'negative' | 'neutral';
}

/** nlp.js's answer for a message: `intent` is 'None' when nothing scored above its threshold (0.5). */
export interface NlpResult {
  intent: string;
  score: number;
  sentiment: NlpSentiment;
}

export interface TrainedNlp {
  process(text: string): Promise<NlpResult>;
}

interface Container {
  use(item: unknown): string;
  register(name: string, value: unknown, isSingleton?: boolean): void;
  get(name: string): unknown;
}

interface Nlp {
  settings: { autoSave?: boolean; autoLoad?: boolean };
  nluManager: { settings: { log?: boolean }; domainManagers?: Record<string, { domains?: Record<string, { cache?: { results?: object } }> }> };
  addLanguage(locale: string): void;
  addDocument(locale: string, utterance: string, intent: string): void;
  train(): Promise<unknown>;
  process(locale: string, utterance: string): Promise<{ intent?: string; score?: number; sentiment?: Partial<NlpSentiment> }>;
}

const silent = () => {};
/** Replaces nlp.js's console logger (it warns, e.g., about an utterance of stop words only). */
const silentLogger = { name: 'logger', debug: silent, info: silent, warn: silent, error: silent, log: silent, trace: silent, fatal: silent };
/** Replaces nlp.js's file system: with autoSave/autoLoad off nothing should call it; if something does, it fails loudly. */
const noFiles = {
  readFile: () => Promise.reject(new Error('nlp.js: no file access in the built-in bot')),
  writeFile: () => Promise.reject(new Error('nlp.js: no file access in the built-in bot')),
};

/*
 * lang-en-min ships no sentiment lexicon (its senticon, afinn and pattern are undefined), so every
 * message would score 0. A small contact-centre lexicon in nlp.js's senticon form: a polarity per
 * word in −1..1, summed over the message. Strong words reach −0.5 alone; mild ones (late, problem)
 * need company. No negation words: nlp.js flips every word after a negation to the end of the
 * message, so "can't log in, this is terrible" would read as positive.
 */
const POLARITY: Record<string, number> = {
  // strong
  terrible: -0.75, awful: -0.75, horrible: -0.75, furious: -0.75, worst: -0.875, hate: -0.75, disgusting: -0.75,
  unacceptable: -0.75, pathetic: -0.75, outrageous: -0.75, incompetent: -0.75, disgrace: -0.75, scam: -0.75,
  livid: -0.75, angry: -0.625, useless: -0.625, ridiculous: -0.625, rubbish: -0.625, appalling: -0.75,
  // mild
  bad: -0.375, poor: -0.375, broken: -0.375, annoyed: -0.375, disappointed: -0.375, upset: -0.375,
  frustrated: -0.375, unhappy: -0.375, damaged: -0.375, late: -0.25, wrong: -0.25, problem: -0.25,
  slow: -0.25, missing: -0.25, failed: -0.25, stuck: -0.25, sad: -0.25, issue: -0.125, error: -0.125,
  // positive
  thanks: 0.375, thank: 0.375, good: 0.375, nice: 0.375, great: 0.625, love: 0.625, happy: 0.5, pleased: 0.5,
  helpful: 0.5, appreciate: 0.5, excellent: 0.75, perfect: 0.75, awesome: 0.75, wonderful: 0.75, amazing: 0.75,
  brilliant: 0.75,
};
const sentimentEn = { senticon: POLARITY, afinn: undefined, pattern: undefined, negations: { words: [] }, stemmed: false };

const CACHE_CLEAR_EVERY = 1000;
const TEXT_MAX = 1000;

function clearTokenCache(nlp: Nlp): void {
  for (const dm of Object.values(nlp.nluManager.domainManagers ?? {}))
    for (const nlu of Object.values(dm.domains ?? {})) if (nlu.cache) nlu.cache.results = {};
}

/** Trains a model on `intents` (English). The caller keeps it: training takes a while, answering does not. */
export async function trainNlp(intents: readonly { name: string; utterances: readonly string[] }[]): Promise<TrainedNlp> {
  const container = (await core.containerBootstrap()) as Container;
  container.register('logger', silentLogger);
  container.register('fs', noFiles);
  container.use(nlpPackage.Nlp);
  container.use(langEnPackage.LangEn);
  container.register('sentiment-en', sentimentEn); // after LangEn, which registers its empty one
  const nlp = container.get('nlp') as Nlp;
  nlp.settings.autoSave = false; // train() would write model.nlp into the working directory
  nlp.settings.autoLoad = false;
  nlp.nluManager.settings.log = false; // otherwise the network logs every epoch with console.log
  nlp.addLanguage('en');
  for (const intent of intents) for (const u of intent.utterances) nlp.addDocument('en', u, intent.name);
  await nlp.train();
  let processed = 0;
  return {
    async process(text) {
      // nlp.js keeps every distinct text's tokens for an hour: cleared here every CACHE_CLEAR_EVERY
      // messages so a busy hub's memory stays bounded; long texts are cut (utterances are ≤ 500).
      if (++processed % CACHE_CLEAR_EVERY === 0) clearTokenCache(nlp);
      const r = await nlp.process('en', text.slice(0, TEXT_MAX));
      const s = r.sentiment ?? {};
      return {
        intent: r.intent ?? 'None',
        score: r.score ?? 0,
        sentiment: { score: s.score ?? 0, numWords: s.numWords ?? 0, numHits: s.numHits ?? 0, vote: s.vote ?? 'neutral' },
      };
    },
  };
}
