import { expect } from 'vitest';
import type { Page } from '../browser/harness.js';
import type { ConsoleShop } from './shop.js';

/**
 * Driving the scenario editor as a person does: the palette, cards, outlets and the step
 * panel through the pointer, and what the relay has through the API.
 */

/** The editor of a new, empty flow of the shop's sandbox bot, made through the list page. */
export async function newFlow(page: Page, shop: ConsoleShop, name: string) {
  await page.goto(`${shop.relay.url}/console/#/shops/${shop.shopId}/scenarios`);
  const form = page.getByRole('form', { name: 'New scenario' });
  await form.getByLabel('Name').fill(name);
  await form.getByRole('button', { name: 'Create and open' }).click();
  await page.getByRole('heading', { level: 1, name: 'Scenario editor' }).waitFor();
  await saved(page);
  const flowId = Number(/scenarios\/(\d+)/.exec(page.url())![1]);
  return flowId;
}

/** Waits until the save state says "Saved" (failing with what it says instead). */
export async function saved(page: Page, timeout = 15_000) {
  try {
    await page.locator('tpc-flow-editor p.state.saved').waitFor({ timeout });
  } catch {
    throw new Error(`not saved: ${await saveState(page)}`);
  }
}

/** The save state's sentence. */
export const saveState = (page: Page) => page.locator('tpc-flow-editor p.state').textContent();

/** A card of the canvas, by a text on it. */
export const card = (page: Page, text: string) =>
  page.locator('tpc-flow-canvas .card').filter({ hasText: text });

export const canvasViewport = (page: Page) => page.locator('tpc-flow-canvas .viewport');

/** Drags a step type from the palette onto the canvas, at (x, y) from the canvas's corner. */
export async function dropStep(page: Page, type: string, x: number, y: number) {
  await canvasViewport(page).scrollIntoViewIfNeeded();
  const from = (await page
    .locator('tpc-flow-canvas .palette')
    .getByRole('button', { name: type, exact: true })
    .boundingBox())!;
  const vp = (await canvasViewport(page).boundingBox())!;
  await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
  await page.mouse.down();
  await page.mouse.move(vp.x + x, vp.y + y, { steps: 10 });
  await page.mouse.up();
}

/** Drags from a button's or way on's outlet (its accessible name) onto the card showing `to`. */
export async function connect(page: Page, outlet: string, to: string) {
  await canvasViewport(page).scrollIntoViewIfNeeded();
  const from = (await page
    .getByRole('button', { name: `Connect “${outlet}” to a step` })
    .boundingBox())!;
  const target = (await card(page, to).locator('.head').boundingBox())!;
  await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
  await page.mouse.down();
  await page.mouse.move(target.x + target.width / 2, target.y + target.height / 2, { steps: 10 });
  await page.mouse.up();
}

/** Presses a card (pointer down and up without moving): it opens in the side panel. */
export async function pick(page: Page, text: string) {
  await canvasViewport(page).scrollIntoViewIfNeeded();
  const box = (await card(page, text).locator('.head').boundingBox())!;
  await page.mouse.click(box.x + box.width / 2, box.y + box.height / 2);
  await page.locator('tpc-flow-editor #panel-h').waitFor();
}

/** The side panel's step form. */
export const panel = (page: Page) => page.locator('tpc-flow-editor .side tpc-step-form');

/** The flow's steps as the relay has them. */
export async function relaySteps(shop: ConsoleShop, flowId: number) {
  const r = await shop.relay.api.get(
    `/api/bot/steps/?shop_id=${shop.shopId}&flow_id=${flowId}&limit=100`,
    { token: shop.owner.token },
  );
  expect(r.status).toBe(200);
  return r.body.result.results as any[];
}

export async function relayFlow(shop: ConsoleShop, flowId: number) {
  const r = await shop.relay.api.get(`/api/bot/flows/${flowId}/?shop_id=${shop.shopId}`, {
    token: shop.owner.token,
  });
  expect(r.status).toBe(200);
  return r.body.result;
}

/** The graph a flow is, whatever its ids: each step's type, text and links by text. */
export async function graphOf(shop: ConsoleShop, flowId: number) {
  const steps = await relaySteps(shop, flowId);
  const flow = await relayFlow(shop, flowId);
  const text = new Map(steps.map((s) => [s.id, s.payload.text || s.type]));
  return {
    first: text.get(flow.first_step_id) ?? null,
    steps: steps.map((s) => ({
      type: s.type,
      text: s.payload.text,
      variable: s.variable,
      validate: s.validate,
      form: s.form,
      next: text.get(s.next_step_id) ?? null,
      buttons: s.menu_items.map((i: any) => [i.title, text.get(i.next_step_id) ?? i.url]),
    })),
  };
}

/** The "request a call back" flow as the relay keeps it, whatever ids it got. */
export const CALLBACK = (formId: number) => ({
  first: 'Hi! Shall we call you back?',
  steps: [
    {
      type: 'message',
      text: 'Hi! Shall we call you back?',
      variable: null,
      validate: null,
      form: null,
      next: null,
      buttons: [
        ['Call me back', 'Your phone number?'],
        ['Our prices', 'https://shop.example/prices'],
      ],
    },
    {
      type: 'question',
      text: 'Your phone number?',
      variable: 'phone',
      validate: 'phone',
      form: null,
      next: 'Thanks! We will call you.',
      buttons: [],
    },
    {
      type: 'lead',
      text: 'Thanks! We will call you.',
      variable: null,
      validate: null,
      form: formId,
      next: null,
      buttons: [],
    },
  ],
});
