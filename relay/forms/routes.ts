import type { Deps } from '../deps.js';
import { crudRoutes } from '../http/crud.js';
import { conflict } from '../http/errors.js';
import { Form, FormInput, FormPatch } from './schemas.js';

const nameTaken = () =>
  conflict('A form with this name already exists.', {
    name: ['Another form of this shop has this name.'],
  });

/** Lead forms; a form's `name` is its key for the widget, unique per shop. */
export function formRoutes({ stores }: Deps) {
  const { forms } = stores;
  return crudRoutes({
    path: '/forms',
    noun: 'Form',
    tag: 'forms',
    item: Form,
    input: FormInput,
    patch: FormPatch,
    conflict: 'Another form of the shop has this name.',
    summaries: {
      list: "List a shop's lead forms",
      create: 'Create a lead form; `name` is its key for `<tp-lead-form form="…">`',
      read: 'Read a lead form',
      update: 'Update a lead form (`fields` replaces the list, `consent: null` removes it)',
      remove: 'Delete a lead form (its leads stay, with `form: null`)',
    },
    store: {
      list: (shopId, _filter, page) => forms.list(shopId, page),
      async create(shopId, input) {
        if (await forms.byName(shopId, input.name)) throw nameTaken();
        return forms.create(shopId, input);
      },
      get: (id) => forms.get(id),
      async update(id, patch) {
        const form = await forms.get(id);
        if (
          form &&
          patch.name &&
          patch.name !== form.name &&
          (await forms.byName(form.shop_id, patch.name))
        )
          throw nameTaken();
        return forms.update(id, patch);
      },
      delete: (id) => forms.delete(id),
    },
  });
}
