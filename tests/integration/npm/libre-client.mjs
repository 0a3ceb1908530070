// Runs the `translate` npm package with its LibreTranslate engine against
// dragoman's LibreTranslate compatibility routes and prints what it got
// as one JSON object, for tests/integration/test_translate.c to check.
//   node libre-client.mjs URL API_KEY
import translate from 'translate';

const [url, key] = process.argv.slice(2);
const out = {};

async function step(name, fn) {
  try {
    out[name] = await fn();
  } catch (e) {
    out[name] = { error: String(e.message) };
  }
}

translate.engine = 'libre';
translate.url = `${url}/translate`;
translate.key = key;
await step('single', () => translate('The house is red and the garden is green.', { from: 'en', to: 'es' }));
await step('reverse', () => translate('La casa es roja y el jardín es verde.', { from: 'es', to: 'en' }));
translate.key = 'dgm_00000000_000000000000000000000000000000000000000000000000';
await step('bad_key', () => translate('The dog is sleeping in the garden.', { from: 'en', to: 'es' }));
console.log(JSON.stringify(out));
