// Jest runs the global setup outside its module system, so the @scantrail/* aliases of
// tsconfig.json are registered here by hand.
import 'tsconfig-paths/register';
import { startServices } from './global-setup';

/** The medium tier: one real PostgreSQL for the run, no Kafka. */
export default async function mediumSetup(): Promise<void> {
  await startServices({ kafka: false });
}
