import type { Client } from './relay.js';

/** A step as a test describes it: API fields, plus where it leads by key instead of by id. */
export type StepSpec = {
  key: string;
  type: 'message' | 'question' | 'lead' | 'delay' | 'condition' | 'action';
  text?: string;
  next?: string;
  variable?: string;
  validate?: 'text' | 'number' | 'phone' | 'email';
  error_text?: string;
  form?: number;
  delay_seconds?: number;
  condition?: { variable: string; equals: string; then?: string; else?: string };
  action?: Record<string, unknown>;
  buttons?: { title: string; to?: string; url?: string }[];
};

export type BuiltFlow = {
  flowId: number;
  steps: Record<string, number>;
  /** Menu item ids by `<step key>/<title>`. */
  items: Record<string, number>;
};

const must = (r: { status: number; body: any }, status: number, what: string) => {
  if (r.status !== status) throw new Error(`${what}: ${r.status} ${JSON.stringify(r.body)}`);
  return r.body.result;
};

/**
 * Builds a flow through the management API as a shop's backend would: the flow, its steps
 * (then their links, once every step has an id), their buttons, and the first step (the first
 * spec). With `welcome`, the bot runs it on /start.
 */
export async function buildFlow(
  api: Client,
  auth: { token: string; shopId: number; botId: number },
  specs: StepSpec[],
  { name = 'Test flow', welcome = false }: { name?: string; welcome?: boolean } = {},
): Promise<BuiltFlow> {
  const opts = { token: auth.token };
  const q = `?shop_id=${auth.shopId}`;
  const flow = must(
    await api.post(`/api/bot/flows/${q}`, { bot_id: auth.botId, name }, opts),
    201,
    'flow',
  );
  const steps: Record<string, number> = {};
  for (const s of specs) {
    const body: Record<string, unknown> = {
      flow_id: flow.id,
      type: s.type,
      name: s.key,
      payload: { text: s.text ?? '' },
    };
    for (const k of [
      'variable',
      'validate',
      'error_text',
      'form',
      'delay_seconds',
      'action',
    ] as const)
      if (s[k] !== undefined) body[k] = s[k];
    if (s.condition)
      body.condition = { variable: s.condition.variable, equals: s.condition.equals };
    steps[s.key] = must(await api.post(`/api/bot/steps/${q}`, body, opts), 201, `step ${s.key}`).id;
  }
  const items: Record<string, number> = {};
  for (const s of specs) {
    for (const b of s.buttons ?? []) {
      const body = b.url ? { url: b.url } : { next_step_id: steps[b.to!] };
      const item = must(
        await api.post(
          `/api/bot/menu_items/${q}`,
          { step_id: steps[s.key], title: b.title, ...body },
          opts,
        ),
        201,
        `button ${b.title}`,
      );
      items[`${s.key}/${b.title}`] = item.id;
    }
    const links: Record<string, unknown> = {};
    if (s.next) links.next_step_id = steps[s.next];
    if (s.condition)
      links.condition = {
        variable: s.condition.variable,
        equals: s.condition.equals,
        then_step_id: s.condition.then ? steps[s.condition.then] : null,
        else_step_id: s.condition.else ? steps[s.condition.else] : null,
      };
    if (Object.keys(links).length)
      must(
        await api.patch(`/api/bot/steps/${steps[s.key]}/${q}`, links, opts),
        200,
        `links of ${s.key}`,
      );
  }
  must(
    await api.patch(`/api/bot/flows/${flow.id}/${q}`, { first_step_id: steps[specs[0].key] }, opts),
    200,
    'first step',
  );
  if (welcome)
    must(
      await api.patch(`/api/bot/bots/${auth.botId}/${q}`, { welcome_flow_id: flow.id }, opts),
      200,
      'welcome flow',
    );
  return { flowId: flow.id, steps, items };
}

/**
 * A greeting with two step buttons and a URL button; the first leads through a second
 * message to a third, the second straight to the third: a scenario pressed through in a
 * messenger's own buttons (`first` names the first button).
 */
export const menuFlow = (first = 'Delivery times'): StepSpec[] => [
  {
    key: 'greet',
    type: 'message',
    text: 'Hello! How can we help?',
    buttons: [
      { title: first, to: 'delivery' },
      { title: 'Sizes', to: 'sizes' },
      { title: 'Our prices', url: 'https://sofa.example/prices' },
    ],
  },
  { key: 'delivery', type: 'message', text: 'We deliver in 3 days.', next: 'sizes' },
  { key: 'sizes', type: 'message', text: 'Our sofas are 2 or 3 metres long.' },
];
