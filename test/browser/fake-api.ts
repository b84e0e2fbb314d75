import { randomBytes } from 'node:crypto';
import { Hono } from 'hono';
import type { LeadRequest, OptinRequest, PublicConfig } from '../../widget/api/types.js';

/**
 * The public API as widget/api/types.ts describes it, in memory, for browser suites that
 * test the widget itself (rendering, validation, retries, isolation, CSP, a11y) without
 * depending on the relay's implementation. The journey suites run against the real relay.
 */
export function fakePublicApi(config: PublicConfig = demoConfig(), key = 'pk_test') {
  const leads: (LeadRequest & { id: number })[] = [];
  const optins: (OptinRequest & { token: string })[] = [];
  const bySubmission = new Map<string, number>();
  let configRequests = 0;
  const envelope = (result: unknown) => ({ status: 'ok', result });
  const error = (common: string, fields: Record<string, string[]> = {}) => ({
    status: 'error',
    errors: { common, ...fields },
  });

  const app = new Hono()
    .get('/public/v1/config', (c) => {
      configRequests += 1;
      if (c.req.query('key') !== key) return c.json(error('Unknown key.'), 401);
      c.header('ETag', '"v1"');
      return c.json(envelope(config));
    })
    .post('/public/v1/leads', async (c) => {
      const lead = (await c.req.json()) as LeadRequest;
      if (lead.key !== key) return c.json(error('Unknown key.'), 401);
      const form = config.forms.find((f) => f.name === lead.form);
      if (!form)
        return c.json(error('Check the highlighted fields.', { form: ['No such form.'] }), 400);
      const known = bySubmission.get(lead.submission_id);
      if (known) return c.json(envelope({ lead_id: known, bot_user_id: known }), 202);
      const fields: Record<string, string[]> = {};
      for (const f of form.fields) {
        const v = lead.fields[f.name];
        if (f.required && (v === undefined || v === '' || v === false))
          fields[`fields.${f.name}`] = ['This field is required.'];
        else if (
          f.type === 'email' &&
          typeof v === 'string' &&
          v &&
          !/^[^@\s]+@[^@\s]+\.\w+$/.test(v)
        )
          fields[`fields.${f.name}`] = ['Enter a valid email address.'];
      }
      if (form.consent && !lead.consent) fields.consent = ['Consent is required.'];
      if (Object.keys(fields).length)
        return c.json(error('Check the highlighted fields.', fields), 400);
      const id = leads.length + 1;
      leads.push({ ...lead, id });
      bySubmission.set(lead.submission_id, id);
      return c.json(envelope({ lead_id: id, bot_user_id: id }), 202);
    })
    .post('/public/v1/optins', async (c) => {
      const body = (await c.req.json()) as OptinRequest;
      if (body.key !== key) return c.json(error('Unknown key.'), 401);
      const token = randomBytes(16).toString('base64url').slice(0, 22);
      optins.push({ ...body, token });
      const origin = new URL(c.req.url).origin;
      const links = config.bots
        .filter((b) => !body.bot_id || b.id === body.bot_id)
        .map((b) => ({
          bot_id: b.id,
          bot_type: b.bot_type,
          name: b.name,
          url: `${origin}/inbox/?bot=${b.id}&start=${token}`,
        }));
      return c.json(
        envelope({ token, expires_at: new Date(Date.now() + 600_000).toISOString(), links }),
        201,
      );
    })
    .get('/inbox/', (c) => c.html('<!doctype html><title>Inbox</title><p>Inbox</p>'));

  return {
    fetch: (req: Request) => app.fetch(req),
    leads,
    optins,
    configRequests: () => configRequests,
  };
}
export type FakeApi = ReturnType<typeof fakePublicApi>;

/** A shop with a callback form (name, email, phone, message, consent) and two opt-in bots. */
export function demoConfig(): PublicConfig {
  return {
    shop: { name: 'Demo Shop' },
    forms: [
      {
        name: 'callback',
        fields: [
          {
            name: 'name',
            label: { en: 'Name', ru: 'Имя' },
            type: 'text',
            required: true,
            max_length: 200,
          },
          {
            name: 'email',
            label: { en: 'Email', ru: 'Email' },
            type: 'email',
            required: true,
            max_length: 254,
          },
          {
            name: 'phone',
            label: { en: 'Phone', ru: 'Телефон' },
            type: 'tel',
            required: false,
            max_length: 32,
          },
          {
            name: 'topic',
            label: { en: 'Topic', ru: 'Тема' },
            type: 'select',
            required: false,
            max_length: null,
            options: [
              { value: 'order', label: { en: 'An order', ru: 'Заказ' } },
              { value: 'other', label: { en: 'Something else', ru: 'Другое' } },
            ],
          },
          {
            name: 'message',
            label: { en: 'Message', ru: 'Сообщение' },
            type: 'textarea',
            required: false,
            max_length: 2000,
          },
        ],
        consent: { text: 'I agree to be contacted about my request.', version: '2024-01' },
        min_fill_ms: 0,
      },
      {
        name: 'newsletter',
        fields: [
          { name: 'email', label: { en: 'Email' }, type: 'email', required: true, max_length: 254 },
        ],
        consent: null,
        min_fill_ms: 0,
      },
    ],
    bots: [
      {
        id: 1,
        bot_type: 'telegram',
        name: 'Demo bot',
        nickname: 'demo_shop_bot',
        url: 'https://t.me/demo_shop_bot',
      },
      { id: 2, bot_type: 'sandbox', name: 'Sandbox', nickname: null, url: '/inbox/?bot=2' },
    ],
    texts: {},
    theme: {},
  };
}
