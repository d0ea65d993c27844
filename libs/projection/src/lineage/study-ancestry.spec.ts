import fc from 'fast-check';
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

  it('should equal one walk per study on any forest of chains, cycles and fan-outs, in any row order', () => {
    // Each study: no source, a source a few places before it (chains, fan-outs), or any
    // study (cycles, self-derivations); a patient now and then, a pseudonym alone rarely.
    const study = fc.record({
      source: fc.oneof(
        fc.constant(null),
        fc.record({ back: fc.integer({ min: 1, max: 3 }) }),
        fc.record({ any: fc.nat() }),
      ),
      patient: fc.boolean(),
      pseudonymOnly: fc.boolean(),
      inScope: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.array(study, { minLength: 1, maxLength: 200 }), fc.nat(), (specs, turn) => {
        const uid = (i: number) => `s${i}`;
        const rows = specs.map((spec, i) => {
          const source =
            spec.source === null
              ? null
              : 'back' in spec.source
                ? uid(Math.max(0, i - spec.source.back))
                : uid(spec.source.any % specs.length);
          const item = row(uid(i), source, spec.patient ? `P-${i}` : undefined);
          if (!spec.patient && spec.pseudonymOnly) item.patient_value_pseudonym = `ps-only-${i}`;
          return { ...item, in_scope: spec.inScope };
        });
        const rotated = [...rows.slice(turn % rows.length), ...rows.slice(0, turn % rows.length)];
        const byUid = (a: ResolvedStudy, b: ResolvedStudy) => a.uid.localeCompare(b.uid);
        expect(resolveAncestry(rotated).sort(byUid)).toEqual(walkedOneByOne(rows).sort(byUid));
      }),
      { numRuns: 300 },
    );
  });

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
