import type { Schemas } from '../api/client.js';
import { currentLocale } from '../i18n/i18n.js';

type Document = Schemas['FlowDocument'];
type DocStep = Document['steps'][number];
type Text = { en: string; ru: string };

export type TemplateId = 'callback' | 'order' | 'qualify';

/**
 * Flows to start from, as flow documents (the format of export and import), imported into
 * the chosen bot with POST /api/bot/flows/import/. Their texts are content, not the
 * console's chrome, so both languages live here, in the editor's chunk; the template is
 * written in the reader's language. `form`: the shop's form a lead step fills (templates
 * without a lead step ignore it).
 */
const TEMPLATES: Record<
  TemplateId,
  { name: Text; needsForm: boolean; steps: (s: Say) => DocStep[] }
> = {
  callback: {
    name: { en: 'Request a call back', ru: 'Заказ обратного звонка' },
    needsForm: true,
    steps: (s) => [
      step(
        's1',
        'message',
        0,
        0,
        s({
          en: 'Hi {{name}}! Shall we call you back?',
          ru: 'Здравствуйте, {{name}}! Перезвонить вам?',
        }),
        {
          buttons: [
            { title: s({ en: 'Call me back', ru: 'Перезвоните мне' }), next_step: 's2', url: null },
            { title: s({ en: 'Not now', ru: 'Не сейчас' }), next_step: 's4', url: null },
          ],
        },
      ),
      step('s2', 'question', 320, 0, s({ en: 'Your phone number?', ru: 'Ваш номер телефона?' }), {
        variable: 'phone',
        validate: 'phone',
        error_text: s({
          en: 'Please send a phone number, e.g. +44 20 7946 0958.',
          ru: 'Пришлите номер телефона, например +7 912 345-67-89.',
        }),
        next_step: 's3',
      }),
      step(
        's3',
        'lead',
        640,
        0,
        s({ en: 'Thank you! We will call you soon.', ru: 'Спасибо! Скоро перезвоним.' }),
        {
          form: 0,
        },
      ),
      step(
        's4',
        'message',
        320,
        240,
        s({
          en: 'No problem: write to us here any time.',
          ru: 'Хорошо, пишите нам сюда в любое время.',
        }),
      ),
    ],
  },
  order: {
    name: { en: 'Order status questions', ru: 'Вопросы о заказе' },
    needsForm: false,
    steps: (s) => [
      step(
        's1',
        'message',
        0,
        0,
        s({
          en: 'What would you like to know about your order?',
          ru: 'Что вы хотите узнать о заказе?',
        }),
        {
          buttons: [
            {
              title: s({ en: 'Where is my order?', ru: 'Где мой заказ?' }),
              next_step: 's2',
              url: null,
            },
            {
              title: s({ en: 'Change the delivery', ru: 'Изменить доставку' }),
              next_step: 's4',
              url: null,
            },
            {
              title: s({ en: 'Talk to a person', ru: 'Связаться с менеджером' }),
              next_step: 's5',
              url: null,
            },
          ],
        },
      ),
      step(
        's2',
        'question',
        320,
        -120,
        s({ en: 'Your order number?', ru: 'Номер вашего заказа?' }),
        {
          variable: 'order_number',
          validate: 'text',
          next_step: 's3',
        },
      ),
      step(
        's3',
        'message',
        640,
        -120,
        s({
          en: 'Thanks! We are checking order {{order_number}} and will answer here shortly.',
          ru: 'Спасибо! Проверяем заказ {{order_number}} и скоро ответим здесь.',
        }),
      ),
      step(
        's4',
        'message',
        320,
        120,
        s({
          en: 'Send the new address or time in one message: a manager will confirm it.',
          ru: 'Пришлите новый адрес или время одним сообщением: менеджер подтвердит.',
        }),
      ),
      step(
        's5',
        'message',
        320,
        320,
        s({
          en: 'A manager will answer you here shortly.',
          ru: 'Менеджер скоро ответит вам здесь.',
        }),
      ),
    ],
  },
  qualify: {
    name: { en: 'Lead qualification', ru: 'Квалификация заявки' },
    needsForm: true,
    steps: (s) => [
      step(
        's1',
        'message',
        0,
        0,
        s({ en: 'What budget do you have in mind?', ru: 'На какой бюджет вы рассчитываете?' }),
        {
          buttons: [
            { title: s({ en: 'Up to €1,000', ru: 'До 100 000 ₽' }), next_step: 's2', url: null },
            {
              title: s({ en: 'More than €1,000', ru: 'Больше 100 000 ₽' }),
              next_step: 's3',
              url: null,
            },
          ],
        },
      ),
      step('s2', 'action', 320, -100, '', {
        action: { set_var: { name: 'budget', value: 'small' }, add_tag: null, remove_tag: null },
        next_step: 's4',
      }),
      step('s3', 'action', 320, 100, '', {
        action: { set_var: { name: 'budget', value: 'big' }, add_tag: null, remove_tag: null },
        next_step: 's4',
      }),
      step('s4', 'condition', 640, 0, '', {
        name: s({ en: 'Big budget?', ru: 'Большой бюджет?' }),
        condition: { variable: 'budget', equals: 'big', then_step: 's5', else_step: 's7' },
      }),
      step(
        's5',
        'question',
        960,
        -100,
        s({
          en: 'A specialist will call you. Your phone number?',
          ru: 'Вам позвонит специалист. Ваш номер телефона?',
        }),
        { variable: 'phone', validate: 'phone', next_step: 's6' },
      ),
      step(
        's6',
        'lead',
        1280,
        -100,
        s({ en: 'Thank you! Expect our call today.', ru: 'Спасибо! Ждите звонка сегодня.' }),
        {
          form: 0,
        },
      ),
      step(
        's7',
        'message',
        960,
        140,
        s({
          en: 'Our ready-made offers fit your budget well.',
          ru: 'Для вашего бюджета хорошо подойдут готовые предложения.',
        }),
        {
          buttons: [
            {
              title: s({ en: 'See the offers', ru: 'Смотреть предложения' }),
              next_step: null,
              url: 'https://example.com/offers',
            },
          ],
        },
      ),
    ],
  },
};

type Say = (text: Text) => string;

function step(
  key: string,
  type: DocStep['type'],
  x: number,
  y: number,
  text: string,
  more: Partial<DocStep> = {},
): DocStep {
  return { key, type, name: '', payload: { text }, ui: { x, y }, ...more };
}

export const TEMPLATE_IDS = Object.keys(TEMPLATES) as TemplateId[];

export const templateName = (id: TemplateId) => TEMPLATES[id].name[currentLocale()];
export const needsForm = (id: TemplateId) => TEMPLATES[id].needsForm;

/** The template as a document, in the reader's language, its lead steps filling `form`. */
export function templateDocument(id: TemplateId, form: number | null, name?: string): Document {
  const tpl = TEMPLATES[id];
  const say: Say = (text) => text[currentLocale()];
  return {
    format: 'touchpoint.flow',
    version: 1,
    name: name || say(tpl.name),
    first_step: 's1',
    steps: tpl.steps(say).map((s) => (s.type === 'lead' ? { ...s, form } : s)),
  };
}
