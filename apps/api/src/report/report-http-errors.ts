import {
  BadRequestException,
  ForbiddenException,
  ServiceUnavailableException,
} from '@nestjs/common';
import { AccessDeniedError } from '@scantrail/access';
import { InvalidArgumentError } from '@scantrail/queries';
import { CheckpointPendingError } from '@scantrail/reports';

/** Our coded errors as HTTP errors; anything else stays a 500 (logged by the filter). */
export function asHttpError(error: unknown): unknown {
  if (error instanceof InvalidArgumentError) return new BadRequestException(error.message);
  if (error instanceof AccessDeniedError) return new ForbiddenException(error.message);
  if (error instanceof CheckpointPendingError) {
    return new ServiceUnavailableException(error.message);
  }
  return error;
}
