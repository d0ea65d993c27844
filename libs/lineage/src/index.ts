export * from './projection/lineage-projection';
export * from './findings/findings-refresh';
export * from './read';
export * from './report';
export * from './patient-rights';
