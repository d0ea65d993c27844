import {
  apiGrantStatements,
  BRIDGE_TABLES,
  bridgeGrantStatements,
  grantStatements,
  quoteIdentifier,
  READ_MODEL_TABLES,
  TABLE_RIGHTS,
  tablesWithoutRights,
} from './table-rights';

describe('TABLE_RIGHTS', () => {
  it('should name a table without a line when the schema has one', () => {
    expect(
      tablesWithoutRights(['ledger_entries', 'rm_new_thing', 'access_log', 'a_table']),
    ).toEqual(['a_table', 'rm_new_thing']);
  });

  it('should revoke everything before granting each line when statements are built', () => {
    const statements = grantStatements('scantrail_app');
    expect(statements.slice(0, 3)).toEqual([
      'GRANT USAGE ON SCHEMA "public" TO "scantrail_app"',
      'REVOKE ALL ON ALL TABLES IN SCHEMA "public" FROM "scantrail_app"',
      'REVOKE ALL ON ALL SEQUENCES IN SCHEMA "public" FROM "scantrail_app"',
    ]);
    expect(statements).toContain(
      'GRANT SELECT, INSERT ON "public"."ledger_entries" TO "scantrail_app"',
    );
    expect(statements).toContain(
      'GRANT SELECT, INSERT, UPDATE, DELETE ON "public"."rm_finding_rows" TO "scantrail_app"',
    );
    // The view its readers read: nothing to write through.
    expect(statements).toContain('GRANT SELECT ON "public"."rm_findings" TO "scantrail_app"');
    expect(statements.filter((s) => s.startsWith('GRANT SELECT'))).toHaveLength(
      Object.keys(TABLE_RIGHTS).length,
    );
  });

  it('should never grant UPDATE, DELETE or TRUNCATE on history tables', () => {
    const history = ['ledger_entries', 'ledger_hashes', 'ledger_checkpoints'];
    const more = ['quarantined_messages', 'access_log'];
    for (const statement of grantStatements('app')) {
      if ([...history, ...more].some((t) => statement.includes(`"${t}"`))) {
        expect(statement).not.toMatch(/UPDATE|DELETE|TRUNCATE/);
      }
    }
    expect(grantStatements('app').join('\n')).not.toContain('TRUNCATE');
  });

  it('should quote a role name that carries quotes when it comes from a URL', () => {
    expect(quoteIdentifier('a"b')).toBe('"a""b"');
  });

  it('should list only rm_ tables as read models', () => {
    expect(READ_MODEL_TABLES.length).toBeGreaterThan(10);
    expect(READ_MODEL_TABLES.every((t) => t.startsWith('rm_'))).toBe(true);
  });

  it("should grant the API's role reads of every table and only the access log's insert", () => {
    const statements = apiGrantStatements('scantrail_api');
    expect(statements.slice(1, 3)).toEqual([
      'REVOKE ALL ON ALL TABLES IN SCHEMA "public" FROM "scantrail_api"',
      'REVOKE ALL ON ALL SEQUENCES IN SCHEMA "public" FROM "scantrail_api"',
    ]);
    const grants = statements.filter((s) => s.startsWith('GRANT SELECT'));
    expect(grants).toHaveLength(Object.keys(TABLE_RIGHTS).length);
    expect(grants.filter((s) => !s.startsWith('GRANT SELECT ON'))).toEqual([
      'GRANT SELECT, INSERT (actor, roles, operation, patient_pseudonym) ON "public"."access_log" TO "scantrail_api"',
    ]);
    expect(statements).toContain(
      'GRANT USAGE ON SEQUENCE "public"."access_log_id_seq" TO "scantrail_api"',
    );
    expect(statements.join('\n')).not.toMatch(
      /UPDATE|DELETE|TRUNCATE|ALL SEQUENCES IN SCHEMA "public" TO/,
    );
  });

  it("should grant the bridge's role its own tables and reads of the migrations, nothing else", () => {
    expect([...BRIDGE_TABLES].sort()).toEqual([
      'bridge_cursors',
      'bridge_destinations',
      'bridge_held',
      'bridge_jobs_done',
      'bridge_known_studies',
      'bridge_pending_studies',
      'bridge_unrecorded_counts',
      'bridge_unrecorded_sends',
    ]);
    const statements = bridgeGrantStatements('scantrail_bridge');
    expect(statements.slice(1, 3)).toEqual([
      'REVOKE ALL ON ALL TABLES IN SCHEMA "public" FROM "scantrail_bridge"',
      'REVOKE ALL ON ALL SEQUENCES IN SCHEMA "public" FROM "scantrail_bridge"',
    ]);
    const grants = statements.filter((s) => s.startsWith('GRANT') && !s.startsWith('GRANT USAGE'));
    expect(grants).toEqual([
      'GRANT SELECT ON "public"."migrations" TO "scantrail_bridge"',
      'GRANT SELECT, INSERT, UPDATE ON "public"."bridge_cursors" TO "scantrail_bridge"',
      'GRANT SELECT, INSERT, UPDATE, DELETE ON "public"."bridge_pending_studies" TO "scantrail_bridge"',
      'GRANT SELECT, INSERT ON "public"."bridge_jobs_done" TO "scantrail_bridge"',
      'GRANT SELECT, INSERT, UPDATE, DELETE ON "public"."bridge_held" TO "scantrail_bridge"',
      'GRANT SELECT, INSERT ON "public"."bridge_known_studies" TO "scantrail_bridge"',
      'GRANT SELECT, INSERT, UPDATE, DELETE ON "public"."bridge_destinations" TO "scantrail_bridge"',
      'GRANT SELECT, INSERT ON "public"."bridge_unrecorded_sends" TO "scantrail_bridge"',
      // Their count is moved by the owner's triggers: the bridge only reads it.
      'GRANT SELECT ON "public"."bridge_unrecorded_counts" TO "scantrail_bridge"',
    ]);
  });

  it("should grant the bridge's role only the tables that exist when its first migration runs", () => {
    const grants = bridgeGrantStatements(
      'scantrail_bridge',
      'public',
      new Set(['migrations', 'bridge_cursors', 'bridge_held']),
    ).filter((s) => s.startsWith('GRANT') && !s.startsWith('GRANT USAGE'));
    expect(grants).toEqual([
      'GRANT SELECT ON "public"."migrations" TO "scantrail_bridge"',
      'GRANT SELECT, INSERT, UPDATE ON "public"."bridge_cursors" TO "scantrail_bridge"',
      'GRANT SELECT, INSERT, UPDATE, DELETE ON "public"."bridge_held" TO "scantrail_bridge"',
    ]);
  });
});
