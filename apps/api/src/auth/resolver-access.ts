import { Injectable, SetMetadata, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { GqlExecutionContext } from '@nestjs/graphql';
import type { Permission } from '@scantrail/access';
import type { GraphQLResolveInfo } from 'graphql';
import type { GraphqlContext } from '../graphql/graphql-context';

/** Metadata key of the access rule every GraphQL resolver method declares. */
export const ACCESS_RULE = 'scantrail:access-rule';

/** Who may ask for a field: every role, or only roles that hold one permission. */
export interface AccessRule {
  permission?: Permission;
}

/**
 * Every role may ask (CONTRACT section 3). The read service limits a vendor's answer to
 * its own vendor: that scoping stays inside the services, as a second wall.
 */
export const AnyRole = (): MethodDecorator => SetMetadata(ACCESS_RULE, {} satisfies AccessRule);

/** Only roles holding `permission` may ask; the others get FORBIDDEN before anything is read. */
export const Requires = (permission: Permission): MethodDecorator =>
  SetMetadata(ACCESS_RULE, { permission } satisfies AccessRule);

/**
 * Runs before every GraphQL root field and field resolver (fieldResolverEnhancers
 * 'guards'): a resolver without a declared rule is refused (deny by default), so a new
 * field cannot go out unguarded; `resolver-access.spec.ts` finds such a field before it
 * ships. HTTP routes have their own middleware and pass through.
 */
@Injectable()
export class ResolverAccessGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    if (context.getType<'graphql' | 'http'>() !== 'graphql') return true;
    const rule = this.reflector.get<AccessRule | undefined>(ACCESS_RULE, context.getHandler());
    if (rule === undefined) {
      throw new Error(
        `${context.getClass().name}.${context.getHandler().name} declares no access rule`,
      );
    }
    if (rule.permission !== undefined) {
      const gql = GqlExecutionContext.create(context);
      gql
        .getContext<GraphqlContext>()
        .viewer.require(rule.permission, gql.getInfo<GraphQLResolveInfo>().fieldName);
    }
    return true;
  }
}
