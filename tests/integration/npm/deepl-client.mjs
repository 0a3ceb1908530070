// Runs the official DeepL client (deepl-node) against dragoman's DeepL
// compatibility routes and prints what it got as one JSON object, for
// tests/integration/test_translate.c to check.
//   node deepl-client.mjs URL API_KEY
import * as deepl from 'deepl-node';

const [url, key] = process.argv.slice(2);
const out = {};
const options = { serverUrl: url, maxRetries: 0 };
const translator = new deepl.Translator(key, options);

async function step(name, fn) {
  try {
    out[name] = await fn();
  } catch (e) {
    out[name] = { error: e.constructor.name, message: String(e.message) };
  }
}

await step('single', async () => {
  const r = await translator.translateText('The house is red and the garden is green.', 'en', 'es');
  return { text: r.text, detected: r.detectedSourceLang, billed: r.billedCharacters };
});
await step('batch', async () => {
  const r = await translator.translateText(['Good morning, my friend.', 'The dog is sleeping in the house.'], 'en', 'es');
  return r.map((x) => x.text);
});
await step('auto', async () => {
  const r = await translator.translateText('The cat is sleeping on the red sofa in the house.', null, 'es');
  return { text: r.text, detected: r.detectedSourceLang };
});
await step('html', async () => {
  const r = await translator.translateText('<p>The <b>house</b> is red.</p>', 'en', 'es', { tagHandling: 'html' });
  return { text: r.text };
});
await step('usage', async () => {
  const u = await translator.getUsage();
  return { count: u.character.count, limit: u.character.limit, reached: u.anyLimitReached() };
});
await step('sources', async () => (await translator.getSourceLanguages()).map((l) => l.code));
await step('targets', async () => (await translator.getTargetLanguages()).map((l) => l.code));
await step('bad_key', async () => {
  const bad = new deepl.Translator('dgm_00000000_000000000000000000000000000000000000000000000000', options);
  await bad.translateText('The house is red.', 'en', 'es');
  return 'no error';
});
await step('bad_target', async () => {
  await translator.translateText('The house is red.', 'en', 'ko');
  return 'no error';
});
console.log(JSON.stringify(out));
