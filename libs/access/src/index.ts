// @scantrail/access: who is asking (bearer tokens, roles, vendor scope) and the record of
// who looked at which patient.
export {
  ROLES,
  effectiveRoles,
  isRole,
  permissionsOf,
  type Permission,
  type Role,
} from './roles/roles';
export { AccessDeniedError, AuthenticationError } from './auth/access-errors';
export { Viewer } from './auth/viewer';
export { KEPT_TOKENS, TokenVerifier } from './auth/token-verifier';
export {
  mintToken,
  verifyBearerToken,
  verifyToken,
  type MintTokenOptions,
  type TokenPolicy,
} from './auth/bearer-token';
export {
  AccessLogService,
  MAX_RECORDS_A_GROUP,
  SETTLE_WAIT_MS,
  type AccessLogEntry,
  type AccessLogPage,
  type AccessLogPosition,
  type AccessRecord,
  type RunStatement,
} from './access-log/access-log.service';
