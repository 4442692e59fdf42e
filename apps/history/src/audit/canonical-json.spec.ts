import { canonicalJson } from './canonical-json.js';

describe(canonicalJson.name, () => {
  it('gives the same text whatever the key order, at every depth', () => {
    const sut = [canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: null } }), canonicalJson({ a: { c: null, d: [1, { x: 1, y: 2 }] }, b: 1 })];
    expect(sut[0]).toBe('{"a":{"c":null,"d":[1,{"x":1,"y":2}]},"b":1}');
    expect(sut[1]).toBe(sut[0]);
  });

  it('survives a round trip through JSON text with other spacing', () => {
    const value = { message: 'Connexion impossible « é » \u2028', n: 1.5, list: [true, false] };
    const sut = canonicalJson(JSON.parse(JSON.stringify(value, null, 2)));
    expect(sut).toBe(canonicalJson(value));
  });

  it('leaves out undefined members and writes undefined array items as null, like JSON.stringify', () => {
    expect(canonicalJson({ a: undefined, b: [undefined] })).toBe('{"b":[null]}');
  });

  it('refuses numbers JSON cannot hold', () => {
    expect(() => canonicalJson({ n: Number.NaN })).toThrow(TypeError);
  });
});
