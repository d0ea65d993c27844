import { Inject, Injectable, type OnApplicationBootstrap } from '@nestjs/common';
import { PatientRightsReadService } from '@scantrail/queries';
import type { Logger } from 'pino';
import { LOGGER } from '../api-tokens';

/**
 * Says at start-up when deletion requests wait for their first evaluation into kept
 * obligations (a ledger recorded before migration 1764103000000, listed by 1764104000000 in
 * rm_deletion_unkept): the answers stay right, but the filtered deletion lists and
 * `deletionObligationsByVendor` evaluate every request when asked until
 * `cli keep-obligations` runs once. Never stops the start: a failed check is logged.
 */
@Injectable()
export class KeptObligationsNotice implements OnApplicationBootstrap {
  constructor(
    private readonly rights: PatientRightsReadService,
    @Inject(LOGGER) private readonly logger: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    try {
      const waiting = await this.rights.requestsNeverKept();
      if (waiting > 0) {
        this.logger.warn(
          { requests: waiting },
          `${waiting} deletion requests have no kept obligations yet (recorded before this version): ` +
            'the filtered deletion lists and deletionObligationsByVendor evaluate every request when asked, ' +
            'slowly; run `npm run cli -- keep-obligations` once to keep them',
        );
      }
    } catch (error) {
      this.logger.warn(
        { err: error },
        'could not check whether deletion requests wait for their kept obligations',
      );
    }
  }
}
