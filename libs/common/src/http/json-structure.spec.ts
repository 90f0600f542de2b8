import { checkJsonStructure } from './json-structure';

describe('checkJsonStructure', () => {
  const limits = { maxDepth: 4, maxNodes: 10 };

  it('passes bodies within both limits', () => {
    expect(checkJsonStructure('{"a":[1,2,{"b":[3]}]}', limits)).toBeUndefined();
    expect(checkJsonStructure('"just a string"', limits)).toBeUndefined();
  });

  it('reports nesting deeper than the limit', () => {
    expect(checkJsonStructure('[[[[[1]]]]]', limits)).toEqual({ kind: 'depth', limit: 4 });
    expect(checkJsonStructure(`${'{"a":'.repeat(50_000)}1${'}'.repeat(50_000)}`, { maxDepth: 100, maxNodes: 1e9 })).toEqual({ kind: 'depth', limit: 100 });
  });

  it('counts members and elements, not bytes', () => {
    expect(checkJsonStructure('[1,2,3,4,5,6,7,8,9,10]', limits)).toEqual({ kind: 'nodes', limit: 10 });
    expect(checkJsonStructure(`["${'x'.repeat(100_000)}"]`, limits)).toBeUndefined();
  });

  it('ignores brackets, braces, commas and escaped quotes inside strings', () => {
    expect(checkJsonStructure('{"a":"[[[[[[,,,,,,,,,,,,\\"[[[[[["}', limits)).toBeUndefined();
    expect(checkJsonStructure('["\\\\",[[[[1]]]]]', limits)).toEqual({ kind: 'depth', limit: 4 });
  });
});
