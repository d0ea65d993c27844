import { Module } from '@nestjs/common';
import { AccessLogService } from '@scantrail/access';
import type { DataSource } from 'typeorm';
import type { Logger } from 'pino';
import { DATA_SOURCE, LOGGER } from '../api-tokens';
import { AccessLogQueryService } from './access-log-query.service';
import { AccessLogResolver } from './access-log.resolver';

/** Who read what: the access log, for the roles that hold it. */
@Module({
  providers: [
    {
      // On the primary: the log is written there and must be read back complete.
      provide: AccessLogQueryService,
      inject: [DATA_SOURCE, AccessLogService, LOGGER],
      useFactory: (ds: DataSource, accessLog: AccessLogService, logger: Logger) =>
        new AccessLogQueryService(ds, accessLog, logger),
    },
    AccessLogResolver,
  ],
})
export class AccessLogModule {}
