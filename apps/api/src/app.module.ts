import {
  Module,
  type DynamicModule,
  type MiddlewareConsumer,
  type NestModule,
} from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { GraphQLModule } from '@nestjs/graphql';
import { TerminusModule } from '@nestjs/terminus';
import type { ApolloDriverConfig } from '@nestjs/apollo';
import type { Settings } from '@scantrail/config';
import type { Logger } from 'pino';
import { AccessLogResolver } from './access-log/access-log.resolver';
import { DisclosureAccountingResolver } from './accounting/disclosure-accounting.resolver';
import { ApiCoreModule } from './api-core.module';
import { DashboardModule } from './dashboard/dashboard.module';
import { ReportModule } from './report/report.module';
import { LOGGER, SETTINGS, type ApiDependencies } from './api-tokens';
import { BearerAuthMiddleware } from './auth/bearer-auth.middleware';
import { TokenRateLimitMiddleware } from './auth/token-rate-limit.middleware';
import { FindingsResolver } from './findings/findings.resolver';
import { ApolloExpressDriver } from './graphql/apollo-express.driver';
import { GraphqlExceptionFilter } from './graphql/graphql-exception.filter';
import { graphqlOptions } from './graphql/graphql-options';
import { RequestLoadersFactory } from './graphql/request-loaders';
import {
  DatabaseHealthIndicator,
  KafkaHealthIndicator,
} from './health/dependency-health.indicators';
import { HealthController } from './health/health.controller';
import { LedgerResolver } from './ledger/ledger.resolver';
import { MetricsController } from './metrics/metrics.controller';
import { TlogTilesController } from './ledger/tlog-tiles.controller';
import {
  BreachImpactResolver,
  DeletionObligationResolver,
  DeletionRequestResolver,
} from './patient-rights/patient-rights.resolver';
import { QuarantineResolver } from './quarantine/quarantine.resolver';
import { BridgeStateResolver } from './bridge/bridge-state.resolver';
import { DisclosureResolver } from './study/disclosure.resolver';
import { StudyResolver } from './study/study.resolver';
import { TraceResolver } from './trace/trace.resolver';
import { VendorResolver } from './vendor/vendor.resolver';
import { ResolverAccessGuard } from './auth/resolver-access';

@Module({})
export class AppModule implements NestModule {
  static forRoot(deps: ApiDependencies): DynamicModule {
    return {
      module: AppModule,
      imports: [
        ApiCoreModule.forRoot(deps),
        DashboardModule,
        ReportModule,
        TerminusModule.forRoot({ logger: false }),
        GraphQLModule.forRootAsync<ApolloDriverConfig>({
          driver: ApolloExpressDriver,
          inject: [RequestLoadersFactory, LOGGER, SETTINGS],
          useFactory: (loaders: RequestLoadersFactory, logger: Logger, settings: Settings) =>
            graphqlOptions(loaders, logger, settings),
        }),
      ],
      controllers: [HealthController, MetricsController, TlogTilesController],
      providers: [
        { provide: APP_FILTER, useClass: GraphqlExceptionFilter },
        { provide: APP_GUARD, useClass: ResolverAccessGuard },
        DatabaseHealthIndicator,
        KafkaHealthIndicator,
        StudyResolver,
        DisclosureResolver,
        TraceResolver,
        DisclosureAccountingResolver,
        VendorResolver,
        FindingsResolver,
        LedgerResolver,
        QuarantineResolver,
        BridgeStateResolver,
        AccessLogResolver,
        DeletionRequestResolver,
        DeletionObligationResolver,
        BreachImpactResolver,
      ],
    };
  }

  configure(consumer: MiddlewareConsumer): void {
    // The request gate (transport/http-hardening.ts) times, authenticates and limits these
    // routes before the body is read; these pass what it verified and hold the routes to
    // the same rules should it ever not cover one. /health and /metrics stay public.
    consumer.apply(BearerAuthMiddleware, TokenRateLimitMiddleware).forRoutes('graphql');
    consumer.apply(BearerAuthMiddleware, TokenRateLimitMiddleware).forRoutes('tlog/*path');
  }
}
