import { resolveAncestry, type AncestryRow, type ResolvedStudy } from './study-ancestry';

/** rm_resolved_studies' walk as migration 1764101000000's SQL makes it: one walk per study. */
function walkedOneByOne(rows: readonly AncestryRow[]): ResolvedStudy[] {
  const byUid = new Map(rows.map((r) => [r.uid, r]));
  return rows
    .filter((r) => r.in_scope)
    .map((r) => {
      const path = [r.uid];
      for (let s = r.source_uid; s !== null && !path.includes(s); s = byUid.get(s)!.source_uid) {
        path.push(s);
      }
      const furthest = (field: 'patient' | 'patient_system' | 'patient_value_pseudonym') =>
        [...path]
          .reverse()
          .map((uid) => byUid.get(uid)![field])
          .find((v) => v !== null) ?? null;
      return {
        uid: r.uid,
        originalUid: path[path.length - 1],
        patient: furthest('patient'),
        patientSystem: furthest('patient_system'),
        valuePseudonym: furthest('patient_value_pseudonym'),
      };
    });
}

const row = (uid: string, source: string | null, patient?: string): AncestryRow => ({
  uid,
  in_scope: true,
  source_uid: source,
  patient: patient ?? null,
  patient_system: patient === undefined ? null : `sys-${patient}`,
  patient_value_pseudonym: patient === undefined ? null : `ps-${patient}`,
});

/** Deterministic (mulberry32). */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('resolveAncestry', () => {
  it('should give a chain the original and the patient furthest up, each study its own', () => {
    const rows = [row('c', 'b'), row('b', 'a', 'P-b'), row('a', null, 'P-a'), row('d', 'c', 'P-d')];
    expect(resolveAncestry(rows)).toEqual(walkedOneByOne(rows));
    expect(resolveAncestry(rows).find((r) => r.uid === 'd')).toEqual({
      uid: 'd',
      originalUid: 'a',
      patient: 'P-a',
      patientSystem: 'sys-P-a',
      valuePseudonym: 'ps-P-a',
    });
  });

  it('should walk each study of a cycle around the cycle, and the studies below it through it', () => {
    // x -> y -> z -> x, w derived from y, v from w; u derived from itself.
    const rows = [
      row('x', 'y'),
      row('y', 'z', 'P-y'),
      row('z', 'x'),
      row('w', 'y'),
      row('v', 'w', 'P-v'),
      row('u', 'u', 'P-u'),
    ];
    const resolved = resolveAncestry(rows);
    expect(resolved).toEqual(walkedOneByOne(rows));
    expect(Object.fromEntries(resolved.map((r) => [r.uid, r.originalUid]))).toEqual({
      x: 'z',
      y: 'x',
      z: 'y',
      w: 'x',
      v: 'x',
      u: 'u',
    });
  });

  it('should resolve only the studies in scope, using the ancestors only on the way', () => {
    const rows = [row('b', 'a'), { ...row('a', null, 'P-a'), in_scope: false }];
    expect(resolveAncestry(rows).map((r) => r.uid)).toEqual(['b']);
    expect(resolveAncestry(rows)).toEqual(walkedOneByOne(rows));
  });

  it.each([1, 2, 3, 4, 5, 6, 7, 8])(
    'should equal one walk per study on a random forest of chains, cycles and fan-outs (seed %i)',
    (seed) => {
      const rng = random(seed);
      const n = 300;
      const uids = Array.from({ length: n }, (_, i) => `s${i}`);
      const rows = uids.map((uid) => {
        const r = rng();
        // Mostly chains to a nearby earlier study, some anywhere (cycles), some originals.
        const source =
          r < 0.15
            ? null
            : r < 0.8
              ? uids[Math.max(0, uids.indexOf(uid) - 1 - Math.floor(rng() * 3))]
              : uids[Math.floor(rng() * n)];
        const patient = rng() < 0.2 ? `P-${uid}` : undefined;
        const item = row(uid, source, patient);
        // Now and then a system or a pseudonym alone (they are resolved one by one).
        if (patient === undefined && rng() < 0.05) item.patient_value_pseudonym = `ps-only-${uid}`;
        return { ...item, in_scope: rng() < 0.7 };
      });
      // In any order of rows.
      const shuffled = [...rows].sort(() => rng() - 0.5);
      const byUid = (a: ResolvedStudy, b: ResolvedStudy) => a.uid.localeCompare(b.uid);
      expect(resolveAncestry(shuffled).sort(byUid)).toEqual(walkedOneByOne(rows).sort(byUid));
    },
  );

  it('should resolve a 20,000-deep chain in one pass (what made one registration cubic in SQL)', () => {
    const n = 20_000;
    const rows = Array.from({ length: n }, (_, i) =>
      row(`s${i}`, i === 0 ? null : `s${i - 1}`, i === 0 ? 'P-top' : undefined),
    );
    const resolved = resolveAncestry(rows);
    expect(resolved).toHaveLength(n);
    expect(new Set(resolved.map((r) => `${r.originalUid} ${r.patient}`))).toEqual(
      new Set(['s0 P-top']),
    );
  });
});
