import { Module } from '@nestjs/common';
import { DisclosureResolver } from './disclosure.resolver';
import { StudyResolver } from './study.resolver';

/** Studies and their disclosures (read through the request's loaders). */
@Module({ providers: [StudyResolver, DisclosureResolver] })
export class StudyModule {}
