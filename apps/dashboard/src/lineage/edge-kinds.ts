// A lineage edge's kind (CONTRACT section 3's LineageEdgeKind) in the words the dashboard
// shows it in: on the arrows, in the legend and in the edges table, the code in a title.

// A Map, not an object: a kind like "constructor" must not find a prototype's member.
const WORDS: ReadonlyMap<string, string> = new Map(
  Object.entries({
    DERIVED: 'Derived copy',
    MEMBER_OF: 'Added to dataset',
    DISCLOSED: 'Disclosed',
    ONWARD_TRANSFER: 'Onward transfer',
    TRAINED: 'Used to train',
    DELETED: 'Deletion attested',
  }),
);

/** The kind in words; a kind the dashboard does not know as the API gave it. */
export const edgeKindWords = (kind: string): string => WORDS.get(kind) ?? kind;
