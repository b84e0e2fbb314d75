import type { Deps } from '../deps.js';
import { crudRoutes } from '../http/crud.js';
import { conflict } from '../http/errors.js';
import { CustomField, CustomFieldInput, CustomFieldPatch } from './schemas.js';

/** Declared user variables: names are unique per shop (409 with a field error otherwise). */
export function customFieldRoutes({ stores }: Deps) {
  const fields = stores.customFields;
  const unique = async (shopId: number, name: string, id?: number) => {
    const other = await fields.findByName(shopId, name);
    if (other && other.id !== id)
      throw conflict('A variable with this name already exists.', {
        name: ['A variable with this name already exists.'],
      });
  };

  return crudRoutes({
    path: '/custom_fields',
    noun: 'Custom field',
    tag: 'custom fields',
    item: CustomField,
    input: CustomFieldInput,
    patch: CustomFieldPatch,
    conflict: 'The shop already has a variable with this name.',
    summaries: {
      list: "List a shop's user variables",
      create: 'Declare a user variable',
      read: 'Read a user variable',
      update: 'Rename, retype or describe a user variable',
      remove: 'Delete a user variable’s declaration (values stay on bot users)',
    },
    store: {
      list: (shopId, _filter, page) => fields.list(shopId, page),
      async create(shopId, input) {
        await unique(shopId, input.name);
        return fields.create({ ...input, shop_id: shopId });
      },
      get: (id) => fields.get(id),
      async update(id, { shop_id: _shop, ...patch }) {
        const field = await fields.get(id);
        if (field && patch.name !== undefined) await unique(field.shop_id, patch.name, id);
        return fields.update(id, patch);
      },
      delete: (id) => fields.delete(id),
    },
  });
}
