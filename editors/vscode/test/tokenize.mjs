// Tokenizes models with the TextMate grammar, the way VS Code does (the
// vscode-textmate and vscode-oniguruma packages), and checks what a reader
// sees: every keyword and unit coloured as one, every number as a number,
// every comment as a comment, nothing left unrecognised outside strings and
// comments, and no string or comment left open at the end of a file.
//
// Run by the Rust test `tests/editors.rs`, which passes the keywords and units
// it read from the pest grammar:
//   node test/tokenize.mjs GRAMMAR KEYWORDS UNITS FILE...
// (KEYWORDS and UNITS comma-separated). Exits 1 listing what is wrong.

import fs from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const vsctm = require('vscode-textmate');
const oniguruma = require('vscode-oniguruma');

const [grammarPath, keywordList, unitList, ...files] = process.argv.slice(2);
if (!grammarPath || !keywordList || !unitList || files.length === 0) {
  console.error('usage: node test/tokenize.mjs GRAMMAR KEYWORDS UNITS FILE...');
  process.exit(2);
}
// `p` is a keyword only before `=`: it may also name a parameter.
const keywords = new Set(keywordList.split(',').filter((k) => k !== 'p'));
const units = new Set(unitList.split(','));

const wasm = fs.readFileSync(require.resolve('vscode-oniguruma/release/onig.wasm'));
await oniguruma.loadWASM(wasm.buffer);
const registry = new vsctm.Registry({
  onigLib: Promise.resolve({
    createOnigScanner: (patterns) => new oniguruma.OnigScanner(patterns),
    createOnigString: (s) => new oniguruma.OnigString(s),
  }),
  loadGrammar: async (scope) =>
    scope === 'source.whatif'
      ? vsctm.parseRawGrammar(fs.readFileSync(grammarPath, 'utf8'), grammarPath)
      : null,
});
const grammar = await registry.loadGrammar('source.whatif');
if (!grammar) {
  console.error(`cannot load the grammar ${grammarPath}`);
  process.exit(1);
}

const problems = [];
let lines = 0;
let tokens = 0;
const has = (scopes, prefix) => scopes.some((s) => s.startsWith(prefix));

for (const file of files) {
  let stack = vsctm.INITIAL;
  const text = fs.readFileSync(file, 'utf8').split(/\r?\n/);
  text.forEach((line, i) => {
    lines += 1;
    const result = grammar.tokenizeLine(line, stack);
    stack = result.ruleStack;
    // Units are not reserved (an actor may be called `second`): a unit word
    // is checked where it follows a number, as in `52 weeks`.
    let afterNumber = false;
    for (const token of result.tokens) {
      tokens += 1;
      const word = line.slice(token.startIndex, token.endIndex);
      const scopes = token.scopes;
      const where = `${file}:${i + 1}:${token.startIndex + 1}`;
      const quoted = has(scopes, 'string') || has(scopes, 'comment');
      if (word.trim() === '') {
        continue;
      }
      const number = /^[0-9]+(\.[0-9]+)?([eE][+-]?[0-9]+)?$/.test(word);
      const unitExpected = afterNumber;
      afterNumber = number && !quoted;
      if (quoted) {
        continue;
      }
      if (word.includes('//') || word.includes('/*')) {
        problems.push(`${where}: a comment not scoped as one: ${JSON.stringify(word)}`);
      } else if (scopes.length < 2) {
        problems.push(`${where}: unrecognised text ${JSON.stringify(word)}`);
      } else if (keywords.has(word) && !has(scopes, 'keyword') && !has(scopes, 'storage')) {
        problems.push(`${where}: keyword \`${word}\` scoped ${scopes.join(' ')}`);
      } else if (unitExpected && units.has(word) && !keywords.has(word) && !has(scopes, 'keyword.other.unit')) {
        problems.push(`${where}: unit \`${word}\` scoped ${scopes.join(' ')}`);
      } else if (number && !has(scopes, 'constant.numeric')) {
        problems.push(`${where}: number ${word} scoped ${scopes.join(' ')}`);
      }
    }
  });
  if (stack.depth !== 1) {
    problems.push(`${file}: a string or comment is still open at the end (depth ${stack.depth})`);
  }
}

if (problems.length > 0) {
  console.error(problems.slice(0, 30).join('\n'));
  console.error(`${problems.length} problems in ${files.length} files`);
  process.exit(1);
}
console.log(`tokenized ${files.length} files, ${lines} lines, ${tokens} tokens: every keyword, unit, number and comment scoped`);
