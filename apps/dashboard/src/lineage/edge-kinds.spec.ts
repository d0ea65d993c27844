import { edgeKindWords } from './edge-kinds';

describe('edge kinds in words', () => {
  it.each([
    ['DERIVED', 'Derived copy'],
    ['MEMBER_OF', 'Added to dataset'],
    ['DISCLOSED', 'Disclosed'],
    ['ONWARD_TRANSFER', 'Onward transfer'],
    ['TRAINED', 'Used to train'],
    ['DELETED', 'Deletion attested'],
  ])('should give %s in words when it is a kind of the contract', (kind, words) => {
    expect(edgeKindWords(kind)).toBe(words);
  });

  it('should show a kind it does not know as the API gave it', () => {
    expect(edgeKindWords('COPIED')).toBe('COPIED');
    expect(edgeKindWords('constructor')).toBe('constructor');
  });
});
