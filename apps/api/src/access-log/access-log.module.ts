import { Module } from '@nestjs/common';
import { AccessLogService } from '@scantrail/access';
import type { DataSource } from 'typeorm';
import { DATA_SOURCE } from '../api-tokens';
import { AccessLogQueryService } from './access-log-query.service';
import { AccessLogResolver } from './access-log.resolver';

/** Who read what: the access log, for the roles that hold it. */
@Module({
  providers: [
    {
      // On the primary: the log is written there and must be read back complete.
      provide: AccessLogQueryService,
      inject: [DATA_SOURCE, AccessLogService],
      useFactory: (ds: DataSource, accessLog: AccessLogService) =>
        new AccessLogQueryService(ds, accessLog),
    },
    AccessLogResolver,
  ],
})
export class AccessLogModule {}
