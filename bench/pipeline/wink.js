// wink-nlp peer for bench/pipeline.sh: reads JSONL {"id","text"} records and,
// for each, runs wink's pipeline (tokenization, sentence boundaries, its
// entity recognizer), counting tokens, sentences and entities.
// usage: node wink.js FILE.jsonl
'use strict';
const fs = require('fs');
const readline = require('readline');
const winkNLP = require('wink-nlp');
const model = require('wink-eng-lite-web-model');
const nlp = winkNLP(model, ['sbd', 'ner']);

async function main() {
  const rl = readline.createInterface({ input: fs.createReadStream(process.argv[2]), crlfDelay: Infinity });
  let docs = 0, tokens = 0, sentences = 0, entities = 0;
  for await (const line of rl) {
    if (!line.trim()) continue;
    const rec = JSON.parse(line);
    const doc = nlp.readDoc(rec.text);
    tokens += doc.tokens().length();
    sentences += doc.sentences().length();
    entities += doc.entities().length();
    docs++;
  }
  console.log(`docs ${docs} tokens ${tokens} sentences ${sentences} entities ${entities}`);
}
main();
