import {
  Module,
  type DynamicModule,
  type MiddlewareConsumer,
  type NestModule,
} from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { GraphQLModule } from '@nestjs/graphql';
import { ApolloDriver, type ApolloDriverConfig } from '@nestjs/apollo';
import type { Settings } from '@scantrail/config';
import type { Logger } from 'pino';
import { AccessLogModule } from './access-log/access-log.module';
import { AccountingModule } from './accounting/accounting.module';
import { ApiCoreModule } from './api-core.module';
import { LOGGER, SETTINGS, type ApiDependencies } from './api-tokens';
import { BearerAuthMiddleware } from './auth/bearer-auth.middleware';
import { ResolverAccessGuard } from './auth/resolver-access';
import { TokenRateLimitMiddleware } from './auth/token-rate-limit.middleware';
import { BridgeStateModule } from './bridge/bridge-state.module';
import { DashboardModule } from './dashboard/dashboard.module';
import { FindingsModule } from './findings/findings.module';
import { DocumentPreflightMiddleware } from './graphql/document-preflight.middleware';
import { GraphqlExceptionFilter } from './graphql/graphql-exception.filter';
import { FindingsAnswerCache } from './graphql/findings-answer-cache';
import { graphqlOptions } from './graphql/graphql-options';
import { RequestLoadersFactory } from './graphql/request-loaders';
import { HealthModule } from './health/health.module';
import { IngestGapsModule } from './ingest-gaps/ingest-gaps.module';
import { LedgerModule } from './ledger/ledger.module';
import { MetricsModule } from './metrics/metrics.module';
import { PatientRightsModule } from './patient-rights/patient-rights.module';
import { QuarantineModule } from './quarantine/quarantine.module';
import { ReportModule } from './report/report.module';
import { StudyModule } from './study/study.module';
import { TraceModule } from './trace/trace.module';
import { VendorModule } from './vendor/vendor.module';

/** One module per feature folder: each declares its resolvers and the services it owns. */
export const FEATURE_MODULES = [
  HealthModule,
  MetricsModule,
  StudyModule,
  TraceModule,
  AccountingModule,
  VendorModule,
  FindingsModule,
  LedgerModule,
  QuarantineModule,
  IngestGapsModule,
  BridgeStateModule,
  AccessLogModule,
  PatientRightsModule,
  DashboardModule,
  ReportModule,
];

/**
 * The API: the shared core, one module per feature folder, and GraphQL over them. Every
 * resolver is behind the global ResolverAccessGuard (auth/resolver-access.ts); the read
 * services scope what a vendor sees as a second wall.
 */
@Module({})
export class AppModule implements NestModule {
  static forRoot(deps: ApiDependencies): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ApiCoreModule.forRoot(deps),
        ...FEATURE_MODULES,
        GraphQLModule.forRootAsync<ApolloDriverConfig>({
          driver: ApolloDriver,
          inject: [RequestLoadersFactory, LOGGER, SETTINGS, FindingsAnswerCache],
          useFactory: (
            loaders: RequestLoadersFactory,
            logger: Logger,
            settings: Settings,
            answers: FindingsAnswerCache,
          ) => graphqlOptions(loaders, logger, settings, answers),
        }),
      ],
      providers: [
        { provide: APP_FILTER, useClass: GraphqlExceptionFilter },
        { provide: APP_GUARD, useClass: ResolverAccessGuard },
      ],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    // The request gate (transport/http-hardening.ts) times, authenticates and limits these
    // routes before the body is read; these pass what it verified and hold the routes to
    // the same rules should it ever not cover one. /health and /metrics stay public. A
    // GraphQL document over the alias, root-field or token limits stops before Apollo.
    consumer
      .apply(BearerAuthMiddleware, TokenRateLimitMiddleware, DocumentPreflightMiddleware)
      .forRoutes('graphql');
    consumer.apply(BearerAuthMiddleware, TokenRateLimitMiddleware).forRoutes('tlog/*path');
  }
}
