import { describe, expect, it } from 'vitest';
import { FormInput } from '../../../relay/forms/schemas.js';
import { validateLeadFields } from '../../../relay/forms/validate-fields.js';

const form = FormInput.parse({
  name: 'callback',
  fields: [
    { name: 'name', label: { en: 'Name' }, type: 'text', required: true, max_length: 10 },
    { name: 'email', label: { en: 'Email' }, type: 'email' },
    { name: 'phone', label: { en: 'Phone' }, type: 'tel' },
    { name: 'topic', label: { en: 'Topic' }, type: 'select', options: ['delivery', 'returns'] },
    { name: 'note', label: { en: 'Note' }, type: 'textarea' },
    { name: 'agree', label: { en: 'I agree' }, type: 'checkbox', required: true },
    { name: 'news', label: { en: 'News' }, type: 'checkbox' },
  ],
});

describe('lead field validation', () => {
  it('returns trimmed values, E.164 phones and checkbox booleans, leaving out empty optionals', () => {
    const r = validateLeadFields(form, {
      name: '  Ann ',
      email: 'ann@example.com',
      phone: '+7 (912) 345-67-89',
      topic: 'returns',
      note: '',
      agree: true,
    });
    expect(r).toEqual({
      ok: true,
      values: {
        name: 'Ann',
        email: 'ann@example.com',
        phone: '+79123456789',
        topic: 'returns',
        agree: true,
        news: false,
      },
    });
  });

  it('reads numbers without "+" as numbers of the default country', () => {
    const local = { name: 'Ann', agree: true, phone: '8 912 345-67-89' };
    expect(validateLeadFields(form, local, { defaultCountry: 'RU' })).toMatchObject({
      ok: true,
      values: { phone: '+79123456789' },
    });
    expect(
      validateLeadFields(form, { ...local, phone: '(202) 555-0143' }, { defaultCountry: 'US' }),
    ).toMatchObject({ values: { phone: '+12025550143' } });
    expect(validateLeadFields(form, local)).toEqual({
      ok: false,
      errors: { 'fields.phone': ['Enter a valid phone number.'] },
    });
  });

  it('names every invalid field as fields.<name>', () => {
    const r = validateLeadFields(form, {
      name: 'A name that is too long',
      email: 'not-an-email',
      phone: 'call me',
      topic: 'refund',
      agree: false,
      news: 'maybe',
      extra: 'x',
    });
    expect(r).toEqual({
      ok: false,
      errors: {
        'fields.extra': ['This form has no such field.'],
        'fields.name': ['Ensure this field has no more than 10 characters.'],
        'fields.email': ['Enter a valid email.'],
        'fields.phone': ['Enter a valid phone number.'],
        'fields.topic': ['Select one of the available choices.'],
        'fields.agree': ['This field is required.'],
        'fields.news': ['Expected true or false.'],
      },
    });
  });

  it('requires required fields, treating blank text and an unticked box as missing', () => {
    expect(validateLeadFields(form, { name: '   ' })).toEqual({
      ok: false,
      errors: {
        'fields.name': ['This field is required.'],
        'fields.agree': ['This field is required.'],
      },
    });
  });

  it('accepts what an HTML form posts: "on" for a ticked box, numbers as text', () => {
    const r = validateLeadFields(
      form,
      { name: 12345, agree: 'on', news: 'off', phone: 12025550143 },
      {
        defaultCountry: 'US',
      },
    );
    expect(r).toEqual({
      ok: true,
      values: { name: '12345', agree: true, news: false, phone: '+12025550143' },
    });
    expect(validateLeadFields(form, { name: { x: 1 }, agree: true })).toEqual({
      ok: false,
      errors: { 'fields.name': ['Expected a string.'] },
    });
  });
});
