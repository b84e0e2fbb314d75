import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRelay, type Relay } from '../../helpers/relay.js';

type Example = { status: string; errors: Record<string, unknown> };
type ErrorAnswer = { path: string; method: string; status: number; example?: Example };

/** Every JSON 4xx/5xx answer the document describes, with the example it shows for it. */
function errorAnswers(doc: any): ErrorAnswer[] {
  const out: ErrorAnswer[] = [];
  for (const [path, item] of Object.entries<any>(doc.paths))
    for (const [method, op] of Object.entries<any>(item))
      for (const [code, response] of Object.entries<any>(op.responses ?? {}))
        // JSON ones: the plain form post answers people with HTML pages.
        if (Number(code) >= 400 && response.content?.['application/json'])
          out.push({
            path,
            method,
            status: Number(code),
            example: response.content?.['application/json']?.example,
          });
  return out;
}

describe('the OpenAPI document', () => {
  let relay: Relay;
  let doc: any;
  beforeAll(async () => {
    relay = await startRelay();
    doc = (await relay.api.get('/api/openapi.json')).body;
  });
  afterAll(() => relay.close());

  it('gives every error answer an example of its own status', async () => {
    const answers = errorAnswers(doc);
    expect(answers.length).toBeGreaterThan(50);
    const byStatus = new Map<number, Set<string>>();
    for (const a of answers) {
      const where = `${a.method} ${a.path} ${a.status}`;
      expect(a.example, where).toMatchObject({
        status: 'error',
        errors: { common: expect.any(String) },
      });
      // Only a 400 names fields; every other status is one sentence.
      if (a.status !== 400) expect(Object.keys(a.example!.errors), where).toEqual(['common']);
      const common = a.example!.errors.common as string;
      if (!byStatus.has(a.status)) byStatus.set(a.status, new Set());
      byStatus.get(a.status)!.add(common);
    }
    // No status borrows another one's sentence (the 401, 404 and 429 showed the 400's).
    const statuses = [...byStatus.keys()];
    for (const s of statuses)
      for (const t of statuses)
        if (s !== t)
          for (const sentence of byStatus.get(s)!)
            expect(byStatus.get(t)!.has(sentence), `${s} and ${t}: ${sentence}`).toBe(false);
    expect(statuses).toEqual(expect.arrayContaining([400, 401, 404, 429]));
  });

  it('shows as 401, 404 and 429 examples what the relay really answers', async () => {
    const example = (path: string, method: string, status: number) =>
      doc.paths[path][method].responses[status].content['application/json'].example;

    const noToken = await relay.api.get('/api/shop/shops/');
    expect(noToken.status).toBe(401);
    expect(example('/api/shop/shops/', 'get', 401)).toEqual(noToken.body);

    const user = await relay.stores.users.create('docs@example.test', 'docs password 1');
    const token = await relay.stores.users.issueToken(user.id);
    const missing = await relay.api.get('/api/shop/shops/999999/', { token });
    expect(missing.status).toBe(404);
    expect(example('/api/shop/shops/{id}/', 'get', 404).errors.common).toMatch(/not found\.$/);

    const login = doc.paths['/api/auth/login/'].post.responses[429];
    expect(login.headers).toHaveProperty('Retry-After');
    expect(login.content['application/json'].example.errors.common).toMatch(/Too many/);
  });

  it('names no host in its server URL, whatever host it was read through', async () => {
    const r = await relay.api.get('/api/openapi.json', { headers: { host: 'docs.example.test' } });
    expect(r.status).toBe(200);
    expect(r.body.servers).toEqual([{ url: '/' }]);
  });

  it('documents the messengers’ settings and credentials, the alert channel types and receipts', () => {
    const schemas = doc.components.schemas;
    expect(Object.keys(schemas.WhatsAppSettings.properties)).toEqual(
      expect.arrayContaining(['phone_number', 'phone_number_id', 'waba_id', 'messages_per_second']),
    );
    expect(schemas.WhatsAppSettings.required).toEqual(['phone_number_id']);
    expect(Object.keys(schemas.WhatsAppCredentials.properties)).toEqual([
      'app_secret',
      'verify_token',
    ]);
    expect(schemas.WhatsAppTemplate.required).toEqual(['name', 'language']);
    for (const name of ['BotInput', 'BotPatch'])
      expect(Object.keys(schemas[name].properties)).toEqual(
        expect.arrayContaining(['settings', 'credentials']),
      );
    // Credentials are written, never read.
    expect(schemas.Bot.properties.credentials).toBeUndefined();
    expect(schemas.BotConnected.allOf[0]).toEqual({ $ref: '#/components/schemas/Bot' });
    expect(Object.keys(schemas.BotConnected.allOf[1].properties)).toEqual([
      'webhook_url',
      'verify_token',
    ]);
    expect(Object.keys(schemas.Bot.properties)).toContain('settings');
    const create = doc.paths['/api/bot/bots/'].post.responses['201'].content['application/json'];
    expect(JSON.stringify(create.schema)).toContain('BotConnected');
    expect(schemas.NotificationChannelInput.properties.type.enum).toEqual([
      'telegram',
      'whatsapp',
      'webhook',
      'email',
    ]);
    expect(Object.keys(schemas.NotificationChannelInput.properties)).toEqual(
      expect.arrayContaining(['phone', 'to', 'whatsapp_template']),
    );
    expect(schemas.Delivery.properties.status.enum).toEqual(
      expect.arrayContaining(['delivered', 'read']),
    );
  });
});
