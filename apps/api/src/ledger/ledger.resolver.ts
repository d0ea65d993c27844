import { Args, Int, Query, Resolver } from '@nestjs/graphql';
import type { Viewer } from '@scantrail/access';
import { CurrentViewer } from '../graphql/graphql-context';
import { FIELD_COST } from '../graphql/query-cost';
import { LedgerEntryType, LedgerStateType } from './ledger.types';
import { LedgerQueryService, type LedgerEntryView, type LedgerState } from './ledger-query.service';
import { AnyRole } from '../auth/resolver-access';

/** Hashes, proofs and checkpoints for every role; entries as LedgerQueryService allows. */
@Resolver()
export class LedgerResolver {
  constructor(private readonly ledgerQueries: LedgerQueryService) {}

  @AnyRole()
  @Query(() => LedgerStateType)
  ledger(): Promise<LedgerState> {
    return this.ledgerQueries.state();
  }

  @AnyRole()
  @Query(() => LedgerEntryType, {
    nullable: true,
    description: 'Null past the end of the log. A vendor reads only entries that name it.',
  })
  ledgerEntry(
    @Args('sequence', { type: () => Int }) sequence: number,
    @CurrentViewer() viewer: Viewer,
  ): Promise<LedgerEntryView | null> {
    return this.ledgerQueries.entry(viewer, sequence);
  }

  @AnyRole()
  @Query(() => [String], { description: 'Base64 hashes, RFC 9162 order.' })
  inclusionProof(
    @Args('sequence', { type: () => Int }) sequence: number,
    @Args('treeSize', { type: () => Int }) treeSize: number,
  ): Promise<string[]> {
    return this.ledgerQueries.inclusionProof(sequence, treeSize);
  }

  @AnyRole()
  @Query(() => [String], {
    description: 'Base64 hashes, RFC 9162 order; [] when fromSize == toSize.',
  })
  consistencyProof(
    @Args('fromSize', { type: () => Int }) fromSize: number,
    @Args('toSize', { type: () => Int }) toSize: number,
  ): Promise<string[]> {
    return this.ledgerQueries.consistencyProof(fromSize, toSize);
  }

  @AnyRole()
  @Query(() => String, {
    description: 'C2SP signed-note verifier key of the checkpoint signer.',
    complexity: FIELD_COST.inMemory,
  })
  verifierKey(): string {
    return this.ledgerQueries.verifierKey;
  }
}
