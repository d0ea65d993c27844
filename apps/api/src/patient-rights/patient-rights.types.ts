import { Field, Int, ObjectType, registerEnumType } from '@nestjs/graphql';
import type { VendorView } from '@scantrail/queries';
import { connectionType } from '../graphql/connection.types';
import { DateTimeScalar } from '../graphql/date-time.scalar';
import { FIELD_COST } from '../graphql/query-cost';
import { VendorType } from '../vendor/vendor.types';

/** CONTRACT v1.1 section 3.1. */
export enum DeletionStatus {
  OPEN = 'OPEN',
  OVERDUE = 'OVERDUE',
  FULFILLED = 'FULFILLED',
  EXEMPT = 'EXEMPT',
}
registerEnumType(DeletionStatus, { name: 'DeletionStatus' });

/** The order of deletionRequests (an extension of CONTRACT v1.1: the default is the contract's). */
export enum DeletionRequestOrder {
  REQUESTED_AT = 'REQUESTED_AT',
  DUE_DATE = 'DUE_DATE',
}
registerEnumType(DeletionRequestOrder, {
  name: 'DeletionRequestOrder',
  description: 'How deletionRequests orders its list.',
  valuesMap: {
    REQUESTED_AT: { description: 'Every request, oldest first (the default).' },
    DUE_DATE: {
      description:
        "Only the open and overdue requests (as of asOf, over the vendor named or the token's own), by due date (most overdue, then soonest due, first), ties by request id in code-point order; cursors of its own.",
    },
  },
});

@ObjectType('DeletionObligation', {
  description: 'One holder of one study in scope at the time of the request.',
})
export class DeletionObligationType {
  @Field(() => VendorType)
  vendor!: VendorView;

  @Field()
  studyInstanceUid!: string;

  @Field(() => DateTimeScalar, { description: 'Start of the holding the request found.' })
  receivedAt!: Date;

  @Field(() => DeletionStatus)
  status!: string;

  @Field(() => DateTimeScalar, { nullable: true, description: 'Set exactly when FULFILLED.' })
  attestedAt!: Date | null;

  @Field(() => String, { nullable: true })
  attestationEventId!: string | null;
}

@ObjectType('DeletionRequest', {
  description: "A patient's request that every holder of their studies delete them.",
})
export class DeletionRequestType {
  @Field()
  requestId!: string;

  @Field(() => DateTimeScalar)
  requestedAt!: Date;

  @Field(() => DateTimeScalar)
  dueBy!: Date;

  @Field(() => String, { nullable: true, description: 'Null for a vendor.' })
  patientPseudonym!: string | null;

  @Field(() => String, { nullable: true })
  legalGround!: string | null;

  @Field(() => DeletionStatus)
  status!: string;

  @Field(() => [DeletionObligationType], { description: 'By vendor id, then study uid.' })
  obligations!: DeletionObligationType[];

  @Field(() => Int)
  ledgerSequence!: number;
}

export const DeletionRequestConnection = connectionType('DeletionRequest', DeletionRequestType);

@ObjectType('VendorDeletionObligations', {
  description:
    "One vendor's deletion obligations by status, over every request made by asOf (not capped by any page).",
})
export class VendorDeletionObligationsType {
  @Field(() => VendorType)
  vendor!: VendorView;

  @Field(() => Int)
  overdue!: number;

  @Field(() => Int)
  open!: number;

  @Field(() => Int)
  fulfilled!: number;

  @Field(() => Int)
  exempt!: number;
}

@ObjectType('BreachAffected', { description: 'A study the breached vendor held in the window.' })
export class BreachAffectedType {
  @Field()
  studyInstanceUid!: string;

  @Field(() => String, { nullable: true, description: 'Null for a vendor.' })
  patientPseudonym!: string | null;

  @Field(() => DateTimeScalar)
  receivedAt!: Date;

  @Field()
  deidentified!: boolean;

  @Field()
  notificationRequired!: boolean;
}

export const BreachAffectedConnection = connectionType('BreachAffected', BreachAffectedType);

@ObjectType('BreachImpact', {
  description:
    'What a breach of a vendor affects and the notices it calls for (45 CFR 164.404-408).',
})
export class BreachImpactType {
  @Field()
  breachId!: string;

  @Field(() => DateTimeScalar)
  discoveredAt!: Date;

  @Field(() => DateTimeScalar, { nullable: true })
  exposureFrom!: Date | null;

  @Field(() => DateTimeScalar)
  exposureTo!: Date;

  @Field(() => Int)
  studiesAffected!: number;

  @Field(() => Int)
  patientsAffected!: number;

  @Field(() => Int)
  patientsToNotify!: number;

  @Field(() => DateTimeScalar)
  individualNoticeDeadline!: Date;

  @Field(() => DateTimeScalar)
  hhsNoticeDeadline!: Date;

  @Field()
  mediaNoticeMayBeRequired!: boolean;

  @Field(() => Int)
  ledgerSequence!: number;
}

/**
 * Each breach on a page is evaluated when its node is asked (the holdings of its vendor,
 * up to 100,000 rows): half a database read each, so that one page of 500 with every field
 * fits the cost limit and a second alias of it does not.
 */
export const BreachImpactConnection = connectionType('BreachImpact', BreachImpactType, {
  nodeCost: FIELD_COST.databaseRead / 2,
});
