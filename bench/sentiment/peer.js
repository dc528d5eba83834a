// Peer for bench/sentiment.sh: the npm package `sentiment` (AFINN-165 with
// negation) over the same JSONL records; writes {"id","score","comparative"}.
const fs = require('fs');
const readline = require('readline');
const Sentiment = require(process.argv[2]);
const s = new Sentiment();
const out = fs.createWriteStream(process.argv[4]);
const rl = readline.createInterface({ input: fs.createReadStream(process.argv[3]), crlfDelay: Infinity });
rl.on('line', (line) => {
  if (!line) return;
  const r = JSON.parse(line);
  const a = s.analyze(r.text);
  out.write(JSON.stringify({ id: r.id, score: a.score, comparative: a.comparative }) + '\n');
});
rl.on('close', () => out.end());
