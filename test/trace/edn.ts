// A strict reader for the subset of EDN (https://github.com/edn-format/edn) the history
// converter writes: nil, booleans, integers, floats, strings with \" \\ \n \r \t \uXXXX
// escapes, keywords, vectors, maps, commas as white space and ; comments. Anything else is an
// error naming the offset, so a test using it fails on output a real EDN reader would refuse.
export type Edn = null | boolean | number | string | { keyword: string } | Edn[] | Map<Edn, Edn>;

export class EdnError extends Error {}

const SYMBOL_CHAR = /[A-Za-z0-9*+!_?\-.]/;

export function readEdn(text: string): Edn[] {
  let pos = 0;
  const fail = (what: string): never => {
    throw new EdnError(`${what} at offset ${pos}: ${JSON.stringify(text.slice(pos, pos + 20))}`);
  };
  const skip = (): void => {
    while (pos < text.length) {
      const c = text[pos];
      if (c === ' ' || c === '\n' || c === '\r' || c === '\t' || c === ',') pos++;
      else if (c === ';') {
        while (pos < text.length && text[pos] !== '\n') pos++;
      } else break;
    }
  };
  const readString = (): string => {
    pos++;
    let out = '';
    while (pos < text.length) {
      const c = text[pos++];
      if (c === '"') return out;
      if (c !== '\\') {
        out += c;
        continue;
      }
      const e = text[pos++];
      if (e === 'n') out += '\n';
      else if (e === 'r') out += '\r';
      else if (e === 't') out += '\t';
      else if (e === '"' || e === '\\') out += e;
      else if (e === 'u' && /^[0-9a-f]{4}$/i.test(text.slice(pos, pos + 4))) {
        out += String.fromCharCode(parseInt(text.slice(pos, pos + 4), 16));
        pos += 4;
      } else fail('bad string escape');
    }
    return fail('unterminated string');
  };
  const readToken = (): string => {
    const start = pos;
    while (pos < text.length && SYMBOL_CHAR.test(text[pos])) pos++;
    return text.slice(start, pos);
  };
  const readValue = (): Edn => {
    skip();
    if (pos >= text.length) fail('unexpected end');
    const c = text[pos];
    if (c === '"') return readString();
    if (c === '[') {
      pos++;
      const items: Edn[] = [];
      for (;;) {
        skip();
        if (text[pos] === ']') {
          pos++;
          return items;
        }
        items.push(readValue());
      }
    }
    if (c === '{') {
      pos++;
      const map = new Map<Edn, Edn>();
      for (;;) {
        skip();
        if (text[pos] === '}') {
          pos++;
          return map;
        }
        const key = readValue();
        const value = readValue();
        const k =
          typeof key === 'object' && key !== null && 'keyword' in key ? `:${key.keyword}` : key;
        if ([...map.keys()].some((x) => x === k)) fail('duplicate map key');
        map.set(k, value);
      }
    }
    if (c === ':') {
      pos++;
      const name = readToken();
      if (!/^[A-Za-z*!_?][A-Za-z0-9*+!_?\-.]*$/.test(name)) fail('bad keyword');
      return { keyword: name };
    }
    const token = readToken();
    if (token === 'nil') return null;
    if (token === 'true') return true;
    if (token === 'false') return false;
    if (/^-?\d+$/.test(token)) return Number(token);
    if (/^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(token)) return Number(token);
    return fail(`unexpected ${token === '' ? 'character' : `token ${token}`}`);
  };
  const values: Edn[] = [];
  skip();
  while (pos < text.length) {
    values.push(readValue());
    skip();
  }
  return values;
}
