import type { Viewer } from '@scantrail/access';
import type { Request } from 'express';

// The viewer the bearer middleware verified, per request, without widening Express types.
const viewers = new WeakMap<Request, Viewer>();

export function attachViewer(req: Request, viewer: Viewer): void {
  viewers.set(req, viewer);
}

export function hasViewer(req: Request): boolean {
  return viewers.has(req);
}

/** The request's viewer; only missing if the middleware did not run (a wiring bug). */
export function viewerOf(req: Request): Viewer {
  const viewer = viewers.get(req);
  if (viewer === undefined) throw new Error('no verified viewer on this request');
  return viewer;
}
