import { Args, Float, Int, Parent, Query, ResolveField, Resolver } from '@nestjs/graphql';
import type { Viewer } from '@scantrail/access';
import type { FindingsFreshness } from '@scantrail/queries';
import { CurrentViewer } from '../graphql/graphql-context';
import { FIELD_COST } from '../graphql/query-cost';
import { LedgerEntryType, LedgerStateType } from './ledger.types';
import { LedgerQueryService, type LedgerEntryView, type LedgerState } from './ledger-query.service';
import { AnyRole } from '../auth/resolver-access';

/**
 * Hashes, proofs and checkpoints for every role; entries as LedgerQueryService allows; and
 * how fresh the findings are (they are evaluated behind the ledger), like the tree size.
 */
@Resolver(() => LedgerStateType)
export class LedgerResolver {
  /** One read per `ledger` answer, whichever of its findings fields are asked. */
  private readonly freshness = new WeakMap<LedgerState, Promise<FindingsFreshness>>();

  constructor(private readonly ledgerQueries: LedgerQueryService) {}

  private freshnessOf(state: LedgerState): Promise<FindingsFreshness> {
    let read = this.freshness.get(state);
    if (read === undefined) {
      read = this.ledgerQueries.findingsFreshness();
      this.freshness.set(state, read);
    }
    return read;
  }

  @AnyRole()
  @ResolveField(() => Int, {
    nullable: true,
    complexity: FIELD_COST.databaseRead,
    description:
      'The ledger sequence up to which findings are complete: every entry at or below it is reflected in findings and accounting. Null before the first entry is evaluated.',
  })
  async findingsCompleteThrough(@Parent() state: LedgerState): Promise<number | null> {
    return (await this.freshnessOf(state)).completeThrough;
  }

  @AnyRole()
  @ResolveField(() => Int, {
    complexity: FIELD_COST.databaseRead,
    description:
      'Ledger entries recorded (up to the newest, which may be past treeSize) whose effect on findings is not stored yet; 0 when findings are up to date.',
  })
  async findingsLag(@Parent() state: LedgerState): Promise<number> {
    return (await this.freshnessOf(state)).lagEntries;
  }

  @AnyRole()
  @ResolveField(() => Float, {
    complexity: FIELD_COST.databaseRead,
    description:
      'Seconds since the oldest entry not yet reflected in findings was recorded; 0 when findings are up to date.',
  })
  async findingsLagSeconds(@Parent() state: LedgerState): Promise<number> {
    return (await this.freshnessOf(state)).lagSeconds;
  }

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
