import { describe, expect, it } from 'vitest';
import { createSendGuard } from '../../../relay/channels/send-guard.js';

describe('send guard', () => {
  it('holds a send until it fits every sliding window, margin included', async () => {
    const guard = createSendGuard({ marginMs: 20 });
    const rules = [{ key: 'bot', max: 2, windowMs: 200 }];
    const times: number[] = [];
    // Read before the first send: the guard's own clock reading comes at or after it.
    const start = Date.now();
    for (let i = 0; i < 3; i++) {
      await guard.take(rules);
      times.push(Date.now());
    }
    expect(times[1] - times[0]).toBeLessThan(50);
    expect(times[2] - start).toBeGreaterThanOrEqual(220);
  });

  it('applies a rule’s own margin and gives up when the signal aborts', async () => {
    const guard = createSendGuard({ marginMs: 0 });
    const chat = [{ key: 'chat', max: 1, windowMs: 100, marginMs: 150 }];
    await guard.take(chat);
    const started = Date.now();
    await guard.take(chat);
    expect(Date.now() - started).toBeGreaterThanOrEqual(245);
    await expect(guard.take(chat, AbortSignal.timeout(20))).rejects.toThrow();
  });

  it('counts a send until its answer came back, and from then on', async () => {
    const guard = createSendGuard({ marginMs: 10 });
    const rules = [{ key: 'chat', max: 1, windowMs: 200 }];
    const first = await guard.take(rules);
    // The request takes 150 ms: it may have reached the messenger just before its answer,
    // so the window runs from then, not from when it left.
    await new Promise((r) => setTimeout(r, 150));
    first();
    const answered = Date.now();
    await guard.take(rules);
    expect(Date.now() - answered).toBeGreaterThanOrEqual(200);
  });
});
