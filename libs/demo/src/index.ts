// @scantrail/demo: a seeded, plausible stream of events for `npm start`, `cli demo` and the
// benchmarks (with a few deliberately bad messages the ingest must quarantine).
export { DEMO_SPAN_DAYS } from './demo-timeline';
export {
  demoEvents,
  demoStart,
  type DemoMessage,
  type DemoMessageKind,
  type DemoOptions,
} from './demo-stream.generator';
export { SeededRandom } from './seeded-random';
