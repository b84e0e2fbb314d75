import type { Outbound, OutboundRequest } from '../http/outbound.js';

/** What a messenger's API answered: the HTTP status, the body, and the body as JSON. */
export type ApiAnswer = {
  status: number;
  text: string;
  /** undefined when the body is not JSON (a proxy's error page). */
  json: any;
};

/**
 * One request to a messenger's API, an operator-set destination (relay/http/outbound.ts).
 * Network errors and timeouts throw with their code only: Node's messages may carry the URL,
 * and a URL (Telegram's) or a request a token. `parse` reads the body (Viber's numbers need
 * care); a body it cannot read is `json: undefined`.
 */
export async function messengerRequest(
  outbound: Outbound,
  url: string,
  req: OutboundRequest,
  parse: (text: string) => unknown = JSON.parse,
): Promise<ApiAnswer> {
  let res;
  try {
    res = await outbound.toOperator(url, req);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    throw new Error(`${e.code ?? e.name}`);
  }
  const text = res.body.toString('utf8');
  let json: unknown;
  try {
    json = parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, text, json };
}

/** An answer that is not the API's own, as a sentence: its status and the start of its body. */
export const httpProblem = ({ status, text }: ApiAnswer) =>
  `HTTP ${status}${text ? `: ${text.slice(0, 200)}` : ''}`;
