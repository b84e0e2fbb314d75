/** The part of autocannon@8's API the benchmarks use (the package ships no types). */
declare module 'autocannon' {
  namespace autocannon {
    type Request = {
      method?: string;
      path?: string;
      headers?: Record<string, string>;
      body?: string;
      /** Called before each request is sent; returns the request to send. */
      setupRequest?: (req: Request, context: Record<string, unknown>) => Request;
      /** Called with each response. */
      onResponse?: (
        status: number,
        body: string,
        context: Record<string, unknown>,
        headers: Record<string, string>,
      ) => void;
    };
    type Options = {
      /** Several URLs: the connections are spread over them, round-robin. */
      url: string | string[];
      connections?: number;
      duration?: number;
      amount?: number;
      requests?: Request[];
    };
    type Stats = { average: number; p50: number; p99: number; max: number; total: number };
    type Result = {
      requests: Stats;
      latency: Stats & { p50: number; p99: number };
      '2xx': number;
      non2xx: number;
      errors: number;
      timeouts: number;
      duration: number;
    };
  }
  namespace autocannon {
    /** The running instance; `response` fires for every answer, with its latency in ms. */
    type Instance = {
      on(
        event: 'response',
        fn: (client: unknown, status: number, bytes: number, responseTimeMs: number) => void,
      ): Instance;
      stop(): void;
    };
  }
  function autocannon(
    opts: autocannon.Options,
    cb: (err: Error | null, result: autocannon.Result) => void,
  ): autocannon.Instance;
  export default autocannon;
}
