import { SettledSends } from './settled-sends';

/** A send the test finishes by hand, recording what each send carried. */
function manualSend() {
  const sent: string[][] = [];
  const pending: { resolve: () => void; reject: (e: Error) => void }[] = [];
  const send = (items: string[]): Promise<void> => {
    sent.push(items);
    return new Promise<void>((resolve, reject) => pending.push({ resolve, reject }));
  };
  return { send, sent, pending };
}

const tick = () => new Promise((r) => setImmediate(r));

describe('SettledSends', () => {
  it('should send the first settled items at once, without waiting for the others', async () => {
    const { send, sent } = manualSend();
    const sends = new SettledSends(send);
    sends.add(['a1', 'a2']);
    await tick();
    expect(sent).toEqual([['a1', 'a2']]);
  });

  it('should send together everything settled while a send is in flight, in order', async () => {
    const { send, sent, pending } = manualSend();
    const sends = new SettledSends(send);
    sends.add(['a']);
    await tick();
    sends.add(['b']);
    sends.add([]);
    sends.add(['c1', 'c2']);
    expect(sent).toEqual([['a']]);
    pending[0].resolve();
    await tick();
    expect(sent).toEqual([['a'], ['b', 'c1', 'c2']]);
    pending[1].resolve();
    await sends.done();
    expect(sent).toHaveLength(2);
  });

  it('should resolve done only once every send is acknowledged', async () => {
    const { send, pending } = manualSend();
    const sends = new SettledSends(send);
    sends.add(['a']);
    let finished = false;
    const done = sends.done().then(() => (finished = true));
    await tick();
    expect(finished).toBe(false);
    pending[0].resolve();
    await done;
    expect(finished).toBe(true);
  });

  it('should resolve done once what was added before it is acknowledged, not what comes later', async () => {
    const { send, sent, pending } = manualSend();
    const sends = new SettledSends(send);
    sends.add(['a']);
    let finished = false;
    const done = sends.done().then(() => (finished = true));
    await tick();
    sends.add(['b']);
    pending[0].resolve();
    await done;
    expect(finished).toBe(true);
    expect(sent).toEqual([['a'], ['b']]);
    expect(pending).toHaveLength(2); // 'b' still in flight
  });

  it('should resolve done at once when nothing was added', async () => {
    const sends = new SettledSends<string>(() => Promise.reject(new Error('never called')));
    await expect(sends.done()).resolves.toBeUndefined();
  });

  it('should reject done when a send throws before returning a promise', async () => {
    const sent: string[][] = [];
    const sends = new SettledSends<string>((items) => {
      sent.push(items);
      if (items[0] === 'a') throw new Error('refused at once');
      return Promise.resolve();
    });
    sends.add(['a']);
    await expect(sends.done()).rejects.toThrow('refused at once');
    expect(sent).toEqual([['a']]);
  });

  it('should reject done with the send error and send nothing more after a failed send', async () => {
    const { send, sent, pending } = manualSend();
    const sends = new SettledSends(send);
    sends.add(['a']);
    await tick();
    sends.add(['b']);
    pending[0].reject(new Error('broker down'));
    await tick();
    sends.add(['c']);
    await expect(sends.done()).rejects.toThrow('broker down');
    expect(sent).toEqual([['a']]);
  });

  it('should not leave a rejection unhandled when done is never awaited', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const sends = new SettledSends<string>(() => Promise.reject(new Error('broker down')));
      sends.add(['a']);
      await tick();
      await tick();
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});

describe('SettledSends with a batch', () => {
  it('should gather what settles within waitMs into one send', async () => {
    const { send, sent } = manualSend();
    const sends = new SettledSends(send, { waitMs: 30, items: 100 });
    sends.add(['a']);
    await tick();
    sends.add(['b']);
    expect(sent).toEqual([]);
    await new Promise((r) => setTimeout(r, 60));
    expect(sent).toEqual([['a', 'b']]);
  });

  it('should send at once when the batch is full, without waiting out waitMs', async () => {
    const { send, sent } = manualSend();
    const sends = new SettledSends(send, { waitMs: 60_000, items: 3 });
    sends.add(['a', 'b']);
    expect(sent).toEqual([]);
    sends.add(['c']);
    await tick();
    expect(sent).toEqual([['a', 'b', 'c']]);
  });

  it('should let fewer than a batch wait out waitMs after a send, not follow it at once', async () => {
    const { send, sent, pending } = manualSend();
    const sends = new SettledSends(send, { waitMs: 30, items: 100 });
    sends.add(['a']);
    await new Promise((r) => setTimeout(r, 40));
    expect(sent).toEqual([['a']]);
    sends.add(['b']);
    pending[0].resolve();
    await tick();
    expect(sent).toEqual([['a']]);
    await new Promise((r) => setTimeout(r, 40));
    expect(sent).toEqual([['a'], ['b']]);
  });

  it('should send what waits at once when done is asked', async () => {
    const { send, sent, pending } = manualSend();
    const sends = new SettledSends(send, { waitMs: 60_000, items: 100 });
    sends.add(['a']);
    const done = sends.done();
    await tick();
    expect(sent).toEqual([['a']]);
    pending[0].resolve();
    await done;
  });
});
