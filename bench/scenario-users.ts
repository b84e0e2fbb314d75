/**
 * The simulated Telegram people of bench/scenario.ts. Each one talks to its bot through the
 * fake Bot API as a person would: /start, then after each bot message a pause to read and
 * think, then the reply that message asks for — the button press (callback_query with the
 * button's callback_data), a name, a phone number (some first type something that is not
 * one). Every bot message is checked against the text the flow should send; the time from
 * the person's action to the bot's next message being accepted by the fake is recorded, on
 * the machine's clock (Date.now in this process and in the fake's).
 */
import { updates, type FakeUser } from '../test/fakes/telegram-updates.js';
import { TEXTS, type BenchBot } from './scenario-flow.js';
import type { SeenMessage as FakeMessage } from './scenario-telegram.js';
import type { TelegramSide, WebhookStats } from './scenario-webhooks.js';

export type PeopleOptions = {
  people: number;
  /** A pause before each reply, uniform in [min, max] ms: reading the message and typing. */
  thinkMs: [number, number];
  /** People start one after another, evenly over this time (0: all at once). */
  rampMs: number;
  /** Every n-th person first answers the phone question wrongly (0: nobody). */
  wrongEvery: number;
  /** Give up on whoever has not finished by then. */
  timeoutMs: number;
};

/** One reply, the bot message it should bring, and the flow steps it makes the relay run. */
type Move = {
  what: string;
  steps: number;
  act: (last: FakeMessage | undefined) => Record<string, unknown>;
  expect: (m: FakeMessage) => boolean;
};

type Person = { bot: BenchBot; moves: Move[]; next: number; actedAt: number; failed?: string };

export type PeopleRun = {
  started: number;
  ended: number;
  finished: number;
  /** Why people did not finish: `<what they waited for>` or an unexpected message. */
  problems: string[];
  /** Steps the flow ran for the replies that brought their message (the relay's count should match). */
  steps: number;
  /** Person acted → bot's next message accepted by the fake, ms, sorted. */
  replyMs: number[];
  /** The same by the message awaited (`the welcome`, …), sorted. */
  replyMsBy: Record<string, number[]>;
  /** Webhook deliveries (the relay answers once the update is committed); `ms` sorted. */
  webhooks: WebhookStats;
  /** Bot messages that came after the person had finished, or that no one expected. */
  extraMessages: number;
};

const buttonData = (m: FakeMessage, title: string): string | undefined =>
  m.reply_markup?.inline_keyboard?.flat().find((b: { text: string }) => b.text === title)
    ?.callback_data;

function movesOf(tg: FakeUser, index: number, wrong: boolean): Move[] {
  const name = `Person ${index}`;
  const phone = `+44 20 7946 ${String(index).padStart(4, '0')}`;
  const stored = `+${phone.replace(/\D/g, '')}`; // as the phone question stores it
  return [
    {
      what: 'the welcome',
      steps: 1,
      act: () => updates.start(tg),
      expect: (m) =>
        m.plain === TEXTS.greet(`${tg.first_name} ${tg.last_name}`) &&
        !!buttonData(m, TEXTS.button),
    },
    {
      what: 'the name question',
      steps: 1,
      act: (last) => updates.press(tg, last!.message_id, buttonData(last!, TEXTS.button)!),
      expect: (m) => m.plain === TEXTS.askName,
    },
    {
      what: 'the phone question',
      steps: 1,
      act: () => updates.text(tg, name),
      expect: (m) => m.plain === TEXTS.askPhone,
    },
    ...(wrong
      ? [
          {
            what: 'the wrong-phone error',
            steps: 0,
            act: () => updates.text(tg, 'tomorrow after five'),
            expect: (m: FakeMessage) => m.plain === TEXTS.badPhone,
          },
        ]
      : []),
    {
      what: 'the thank-you',
      steps: 2, // the action, then the lead
      act: () => updates.text(tg, phone),
      expect: (m) => m.plain === TEXTS.thanks(name, stored),
    },
  ];
}

const between = ([min, max]: [number, number]) => min + Math.random() * (max - min);

/** Runs every person through the flow; resolves when all finished, failed or timed out. */
export async function runPeople(
  telegram: TelegramSide,
  bots: BenchBot[],
  opts: PeopleOptions,
): Promise<PeopleRun> {
  const byChat = new Map<string, Person>();
  const people: Person[] = [];
  for (let i = 0; i < opts.people; i++) {
    const tg: FakeUser = {
      id: 600_000_000 + i,
      first_name: 'Ann',
      last_name: `Lee-${i}`,
      username: `bench_person_${i}`,
      language_code: 'en',
    };
    const wrong = opts.wrongEvery > 0 && i % opts.wrongEvery === 0;
    const person: Person = {
      bot: bots[i % bots.length],
      moves: movesOf(tg, i, wrong),
      next: 0,
      actedAt: 0,
    };
    people.push(person);
    byChat.set(`${person.bot.token}|${tg.id}`, person);
  }

  const run: PeopleRun = {
    started: Date.now(),
    ended: 0,
    finished: 0,
    problems: [],
    steps: 0,
    replyMs: [],
    replyMsBy: {},
    webhooks: telegram.stats,
    extraMessages: 0,
  };
  let settled = 0;
  let done!: () => void;
  const allSettled = new Promise<void>((resolve) => (done = resolve));
  const settle = (p: Person, problem?: string) => {
    if (problem) {
      p.failed = problem;
      run.problems.push(problem);
    } else run.finished += 1;
    run.ended = Date.now();
    if (++settled === people.length) done();
  };

  const act = (p: Person, last: FakeMessage | undefined) => {
    p.actedAt = Date.now();
    const move = p.moves[p.next];
    void telegram.deliver(p.bot.token, move.act(last)).then((delivered) => {
      if (!delivered && !p.failed)
        settle(p, `Telegram gave up delivering the reply for ${move.what}`);
    });
  };

  const receive = (m: FakeMessage) => {
    const p = byChat.get(`${m.token}|${m.chat_id}`);
    if (!p || p.failed || p.next >= p.moves.length) {
      run.extraMessages += 1;
      return;
    }
    const move = p.moves[p.next];
    if (!move.expect(m)) return settle(p, `expected ${move.what}, got "${m.plain}"`);
    run.replyMs.push(m.at - p.actedAt);
    (run.replyMsBy[move.what] ??= []).push(m.at - p.actedAt);
    run.steps += move.steps;
    p.next += 1;
    if (p.next === p.moves.length) return settle(p);
    setTimeout(() => act(p, m), between(opts.thinkMs));
  };

  telegram.onMessage(receive);
  people.forEach((p, i) => setTimeout(() => act(p, undefined), (i * opts.rampMs) / people.length));

  const timeout = setTimeout(() => {
    for (const p of people)
      if (!p.failed && p.next < p.moves.length)
        settle(p, `timed out waiting for ${p.moves[p.next].what}`);
  }, opts.timeoutMs);
  await allSettled;
  clearTimeout(timeout);
  // Anything the relay sends after the last thank-you is a message too many.
  await new Promise((r) => setTimeout(r, 1_500));
  for (const list of [run.replyMs, ...Object.values(run.replyMsBy)]) list.sort((a, b) => a - b);
  run.webhooks.ms.sort((a, b) => a - b);
  return run;
}
