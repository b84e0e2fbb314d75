import { describe, expect, it } from 'vitest';
import { DEFAULT_ERRORS, readAnswer } from '../../../relay/scenario/runtime/answers.js';

const accepted = (kind: Parameters<typeof readAnswer>[0], reply: string) => {
  const answer = readAnswer(kind, reply);
  expect(answer.ok, `${kind}: ${JSON.stringify(reply)}`).toBe(true);
  return answer.ok ? answer.value : undefined;
};
const expectRefused = (kind: Parameters<typeof readAnswer>[0], reply: string) =>
  expect(readAnswer(kind, reply), `${kind}: ${JSON.stringify(reply)}`).toEqual({
    ok: false,
    error: DEFAULT_ERRORS[kind],
  });

describe('answers to a question', () => {
  it('keeps a text answer trimmed, and refuses an empty or overlong one', () => {
    expect(accepted('text', '  Next Tuesday  ')).toBe('Next Tuesday');
    expect(accepted('text', 'x'.repeat(4000))).toHaveLength(4000);
    expectRefused('text', '');
    expectRefused('text', '   \n ');
    expect(readAnswer('text', 'x'.repeat(4001))).toEqual({
      ok: false,
      error: 'Please send a shorter answer (at most 4,000 characters).',
    });
  });

  it('reads a number, with a decimal point or comma, a sign and spaces between digits', () => {
    expect(accepted('number', '12')).toBe(12);
    expect(accepted('number', ' 3.5 ')).toBe(3.5);
    expect(accepted('number', '3,5')).toBe(3.5);
    expect(accepted('number', '-7')).toBe(-7);
    expect(accepted('number', '+0,25')).toBe(0.25);
    expect(accepted('number', '1 200')).toBe(1200);
    expect(accepted('number', '1\u00a0200,5')).toBe(1200.5);
  });

  it('refuses what is not just a number', () => {
    for (const reply of ['12abc', 'abc', '', '1.2.3', '1,2,3', '12.', '.5', '1e5', '0x10', '--1'])
      expectRefused('number', reply);
  });

  it('reads a phone of 7 to 15 digits with +, spaces, parentheses and dashes', () => {
    expect(accepted('phone', '+44 20 7946 0958')).toBe('+442079460958');
    expect(accepted('phone', '+7 (912) 345-67-89')).toBe('+79123456789');
    expect(accepted('phone', '8 912 345.67.89')).toBe('89123456789');
    expect(accepted('phone', '1234567')).toBe('1234567');
    expect(accepted('phone', '+123456789012345')).toBe('+123456789012345');
  });

  it('refuses a phone with letters, or too few or too many digits', () => {
    for (const reply of [
      'call me maybe',
      '+44 20 7946 095x',
      'tel: 1234567',
      '123456',
      '+1 (23) 45',
      '1234567890123456',
      '',
      '+',
    ])
      expectRefused('phone', reply);
  });

  it('reads an email address in lower case, and refuses what is not one', () => {
    expect(accepted('email', ' Anna@Example.COM ')).toBe('anna@example.com');
    expect(accepted('email', 'a.b+tag@shop.example')).toBe('a.b+tag@shop.example');
    for (const reply of ['anna', 'anna@', '@example.com', 'anna@example', 'a b@example.com', ''])
      expectRefused('email', reply);
    expectRefused('email', `${'a'.repeat(250)}@example.com`);
  });

  it('has a default error text for every kind', () => {
    for (const kind of ['text', 'number', 'phone', 'email'] as const)
      expect(DEFAULT_ERRORS[kind]).toMatch(/\S/);
  });
});
