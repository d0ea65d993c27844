import { Module } from '@nestjs/common';
import { VendorResolver } from './vendor.resolver';

/** Vendors and their figures (VendorReadService is shared: the loaders use it too). */
@Module({ providers: [VendorResolver] })
export class VendorModule {}
