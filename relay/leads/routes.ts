import { createRoute } from '@hono/zod-openapi';
import type { Deps } from '../deps.js';
import { owned, shopFor, ShopQuery } from '../auth/principal.js';
import { defaultCountry } from '../forms/phone.js';
import type { Form } from '../forms/schemas.js';
import { validateLeadFields } from '../forms/validate-fields.js';
import {
  createRouter,
  deleted,
  Deleted,
  errorResponses,
  IdParam,
  jsonBody,
  ok,
  okJson,
  pageJson,
  security,
} from '../http/api.js';
import { badRequest, invalidField, notFound } from '../http/errors.js';
import { PageQuery, toPage } from '../http/pagination.js';
import { Lead, LeadFilter, LeadInput, LeadPatch, type LeadValue } from './schemas.js';
import type { LeadChanges } from './store.js';

const common = { tags: ['leads'], security };

const list = createRoute({
  ...common,
  method: 'get',
  path: '/leads',
  summary: "List a shop's leads, newest first (spam only with `spam=true`)",
  request: { query: PageQuery.extend(ShopQuery.shape).extend(LeadFilter.shape) },
  responses: { 200: pageJson(Lead), ...errorResponses },
});
const create = createRoute({
  ...common,
  method: 'post',
  path: '/leads',
  summary: 'Create a lead (source "api"); with a form, fields are validated against it',
  request: { query: ShopQuery, body: jsonBody(LeadInput) },
  responses: { 201: okJson(Lead, 'Created'), ...errorResponses },
});
const read = createRoute({
  ...common,
  method: 'get',
  path: '/leads/{id}',
  summary: 'Read a lead',
  request: { params: IdParam, query: ShopQuery },
  responses: { 200: okJson(Lead), ...errorResponses },
});
const update = createRoute({
  ...common,
  method: 'patch',
  path: '/leads/{id}',
  summary: 'Update a lead (status, spam flag, fields, form, bot user)',
  request: { params: IdParam, query: ShopQuery, body: jsonBody(LeadPatch) },
  responses: { 200: okJson(Lead), ...errorResponses },
});
const remove = createRoute({
  ...common,
  method: 'delete',
  path: '/leads/{id}',
  summary: 'Delete a lead',
  request: { params: IdParam, query: ShopQuery },
  responses: { 200: okJson(Deleted), ...errorResponses },
});

export function leadRoutes({ stores }: Deps) {
  /** The shop's form named by id or name; another shop's form is "no such form". */
  const formOf = async (shopId: number, ref: number | string): Promise<Form> => {
    const form =
      typeof ref === 'number'
        ? await stores.forms.get(ref)
        : await stores.forms.byName(shopId, ref);
    if (!form || form.shop_id !== shopId) throw invalidField('form', 'No such form in this shop.');
    return form;
  };
  /** The form a patched lead ends up with: the named one, none, or the one it had. */
  const newFormOf = async (lead: Lead, ref: number | string | null | undefined) => {
    if (ref === null) return null;
    if (ref !== undefined) return formOf(lead.shop_id, ref);
    return lead.form === null ? null : ((await stores.forms.get(lead.form)) ?? null);
  };
  const checkBotUser = async (shopId: number, id: number | null | undefined) => {
    if (id != null && !(await stores.leads.hasBotUser(shopId, id)))
      throw invalidField('bot_user_id', 'No such bot user in this shop.');
  };
  /** Validated values when the lead has a form; the free values otherwise. */
  const valuesFor = async (
    shopId: number,
    form: Form | null,
    fields: Record<string, LeadValue>,
  ) => {
    if (!form) return fields;
    const shop = await stores.shops.get(shopId);
    const check = validateLeadFields(form, fields, {
      defaultCountry: defaultCountry(shop?.settings),
    });
    if (!check.ok) throw badRequest('Check the highlighted fields.', check.errors);
    return check.values;
  };

  return createRouter()
    .openapi(list, async (c) => {
      const { shop_id, limit, offset, ...filter } = c.req.valid('query');
      const shopId = shopFor(c.var.principal, shop_id);
      const page = { limit, offset };
      const { count, rows } = await stores.leads.list(shopId, filter, page);
      return c.json(ok(toPage(c.req.url, page, count, rows)), 200);
    })
    .openapi(create, async (c) => {
      const body = c.req.valid('json');
      const shopId = shopFor(c.var.principal, body.shop_id ?? c.req.valid('query').shop_id);
      const form = body.form == null ? null : await formOf(shopId, body.form);
      await checkBotUser(shopId, body.bot_user_id);
      const lead = await stores.leads.create({
        shop_id: shopId,
        form_id: form?.id ?? null,
        fields: await valuesFor(shopId, form, body.fields),
        bot_user_id: body.bot_user_id ?? null,
        status: body.status,
        spam: body.spam,
        source: 'api',
      });
      return c.json(ok(lead), 201);
    })
    .openapi(read, async (c) => {
      const { id } = c.req.valid('param');
      const lead = owned(
        c.var.principal,
        await stores.leads.get(id),
        'Lead',
        c.req.valid('query').shop_id,
      );
      return c.json(ok(lead), 200);
    })
    .openapi(update, async (c) => {
      const { id } = c.req.valid('param');
      const { shop_id, form: formRef, fields, ...rest } = c.req.valid('json');
      const shopId = shop_id ?? c.req.valid('query').shop_id;
      const lead = owned(c.var.principal, await stores.leads.get(id), 'Lead', shopId);
      await checkBotUser(lead.shop_id, rest.bot_user_id);
      const changes: LeadChanges = rest;
      if (formRef !== undefined || fields !== undefined) {
        const form = await newFormOf(lead, formRef);
        changes.form_id = form?.id ?? null;
        changes.fields = await valuesFor(lead.shop_id, form, fields ?? lead.fields);
      }
      const updated = await stores.leads.update(id, changes);
      if (!updated) throw notFound('Lead');
      return c.json(ok(updated), 200);
    })
    .openapi(remove, async (c) => {
      const { id } = c.req.valid('param');
      owned(c.var.principal, await stores.leads.get(id), 'Lead', c.req.valid('query').shop_id);
      await stores.leads.delete(id);
      return c.json(deleted(id), 200);
    });
}
