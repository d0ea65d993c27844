import { Writable } from 'node:stream';

/** Every line a logger writes, kept for the grep (a pino destination). */
export class CapturedLog extends Writable {
  text = '';
  override _write(chunk: Buffer, _encoding: BufferEncoding, done: () => void): void {
    this.text += chunk.toString('utf8');
    done();
  }
}
