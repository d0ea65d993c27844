import { spawn } from 'node:child_process';

export interface OrphanWatchdog {
  /** Shows in the shell's command line (`ps`), so tests and people can find it. */
  name: string;
  /** The process whose death means nobody will stop the child any more. */
  parentPid: number;
  childPid: number;
  /** Signal the child's process group (-pid) instead of the child alone. */
  group?: boolean;
  /** The child's own clean stop (PostgreSQL: INT, a fast shutdown; Kafka, Orthanc: TERM). */
  stop: 'TERM' | 'INT';
  /** Seconds the clean stop may take before `last`. */
  graceS: number;
  /** When the clean stop lingers (PostgreSQL: QUIT, an immediate shutdown; others: KILL). */
  last: 'KILL' | 'QUIT';
}

/**
 * A tiny detached shell that stops a server this process started when this process dies
 * without running its handlers (SIGKILL, a crash, an OOM kill): it looks once a second
 * whether both are alive; when the parent is gone first it sends the clean stop (after a
 * CONT, in case the child was stopped), waits up to graceS seconds, then sends `last`. It
 * ends by itself when the child ends. Without it a killed `npm start` leaves the broker,
 * the database or Orthanc running on the data folder.
 */
export function startOrphanWatchdog(options: OrphanWatchdog): void {
  const script = [
    'while kill -0 "$1" 2>/dev/null && kill -0 "$2" 2>/dev/null; do sleep 1; done',
    'if kill -0 "$2" 2>/dev/null; then',
    '  kill -CONT "$3" 2>/dev/null; kill -"$4" "$3" 2>/dev/null',
    '  i=0; while [ "$i" -lt "$5" ]; do kill -0 "$2" 2>/dev/null || exit 0; sleep 1; i=$((i+1)); done',
    '  kill -"$6" "$3" 2>/dev/null',
    'fi',
  ].join('\n');
  const target = options.group ? `-${options.childPid}` : String(options.childPid);
  const watchdog = spawn(
    'sh',
    [
      '-c',
      script,
      options.name,
      String(options.parentPid),
      String(options.childPid),
      target,
      options.stop,
      String(options.graceS),
      options.last,
    ],
    { detached: true, stdio: 'ignore' },
  );
  watchdog.on('error', () => undefined); // no sh: the parent's own exit handler is all there is
  watchdog.unref();
}
