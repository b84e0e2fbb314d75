/** One server-sent event as the stream framed it (https://html.spec.whatwg.org/#event-stream-interpretation). */
export type SseEvent = { id?: string; event: string; data: string; json: any };

/**
 * A reader of a relay's event stream over real HTTP: fetch with the bearer header and a
 * streamed body, as the console reads it. `next(type)` waits for the next event of a type
 * (default: any but `ready`); `events` keeps every event seen; `closed` resolves when the
 * relay ends the stream.
 */
export async function openStream(
  url: string,
  {
    token,
    lastEventId,
    headers = {},
  }: { token?: string; lastEventId?: string; headers?: Record<string, string> } = {},
) {
  const controller = new AbortController();
  const res = await fetch(url, {
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(lastEventId ? { 'last-event-id': lastEventId } : {}),
      ...headers,
    },
    signal: controller.signal,
  });
  const events: SseEvent[] = [];
  const comments: string[] = [];
  const waiters: { want: (e: SseEvent) => boolean; resolve: (e: SseEvent) => void }[] = [];
  let ended = false;
  let resolveClosed!: () => void;
  const closed = new Promise<void>((r) => (resolveClosed = r));

  const dispatch = (block: string) => {
    const e: SseEvent = { event: 'message', data: '', json: undefined };
    const data: string[] = [];
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) comments.push(line);
      const m = /^([a-z]+): ?(.*)$/i.exec(line);
      if (!m) continue;
      if (m[1] === 'data') data.push(m[2]);
      else if (m[1] === 'event') e.event = m[2];
      else if (m[1] === 'id') e.id = m[2];
    }
    if (!data.length) return;
    e.data = data.join('\n');
    try {
      e.json = JSON.parse(e.data);
    } catch {
      /* not JSON */
    }
    events.push(e);
    for (const w of [...waiters])
      if (w.want(e)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(e);
      }
  };

  if (res.ok && res.body) {
    void (async () => {
      const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
      let buffer = '';
      try {
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value.replace(/\r\n?/g, '\n');
          let at: number;
          while ((at = buffer.indexOf('\n\n')) >= 0) {
            dispatch(buffer.slice(0, at));
            buffer = buffer.slice(at + 2);
          }
        }
      } catch {
        /* aborted */
      }
      ended = true;
      resolveClosed();
    })();
  } else resolveClosed();

  let seen = 0;
  return {
    status: res.status,
    headers: res.headers,
    body: res.ok ? undefined : await res.json().catch(() => undefined),
    events,
    comments,
    closed,
    get ended() {
      return ended;
    },
    /**
     * The next event (after the ones `next` already returned) of `type`, waiting up to
     * `timeoutMs`. Types: an event name, or undefined for any event but `ready`.
     */
    next(type?: string, timeoutMs = 10_000): Promise<SseEvent> {
      const want = (e: SseEvent) => (type ? e.event === type : e.event !== 'ready');
      const i = events.findIndex((e, k) => k >= seen && want(e));
      if (i >= 0) {
        seen = i + 1;
        return Promise.resolve(events[i]);
      }
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no ${type ?? 'event'} within ${timeoutMs} ms`)),
          timeoutMs,
        );
        waiters.push({
          want,
          resolve: (e) => {
            clearTimeout(timer);
            seen = events.indexOf(e) + 1;
            resolve(e);
          },
        });
      });
    },
    close: () => controller.abort(),
  };
}
export type Stream = Awaited<ReturnType<typeof openStream>>;
