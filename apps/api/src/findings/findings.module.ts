import { Module } from '@nestjs/common';
import { FindingsResolver } from './findings.resolver';

/** Consent and agreement findings (FindingsReadService is shared: the loaders use it too). */
@Module({ providers: [FindingsResolver] })
export class FindingsModule {}
