import {
  BadRequestException,
  ForbiddenException,
  InternalServerErrorException,
  ServiceUnavailableException,
} from '@nestjs/common';
import { AccessDeniedError } from '@scantrail/access';
import { InvalidArgumentError } from '@scantrail/queries';
import {
  CheckpointPendingError,
  LetterQueueFullError,
  LetterRenderError,
} from '@scantrail/reports';
import type { Response } from 'express';

/**
 * Our coded errors as HTTP errors; anything else stays a 500 (logged by the filter). Too many
 * letters at once is a 503 to be asked again after `Retry-After`; a letter whose render thread
 * failed is a 500 saying so (the pool logged why).
 */
export function asHttpError(error: unknown, res: Response): unknown {
  if (error instanceof InvalidArgumentError) return new BadRequestException(error.message);
  if (error instanceof AccessDeniedError) return new ForbiddenException(error.message);
  if (error instanceof CheckpointPendingError) {
    return new ServiceUnavailableException(error.message);
  }
  if (error instanceof LetterQueueFullError) {
    res.set('Retry-After', '1');
    return new ServiceUnavailableException(error.message);
  }
  if (error instanceof LetterRenderError) return new InternalServerErrorException(error.message);
  return error;
}
