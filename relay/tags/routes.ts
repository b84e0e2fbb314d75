import type { Deps } from '../deps.js';
import { crudRoutes } from '../http/crud.js';
import { conflict } from '../http/errors.js';
import { Tag, TagInput, TagPatch } from './schemas.js';

/** A shop's tags: names are unique per shop (409 with a field error otherwise). */
export function tagRoutes({ stores }: Deps) {
  const { tags } = stores;
  const unique = async (shopId: number, name: string, id?: number) => {
    const other = await tags.findByName(shopId, name);
    if (other && other.id !== id)
      throw conflict('A tag with this name already exists.', {
        name: ['A tag with this name already exists.'],
      });
  };

  return crudRoutes({
    path: '/tags',
    noun: 'Tag',
    tag: 'tags',
    item: Tag,
    input: TagInput,
    patch: TagPatch,
    conflict: 'The shop already has a tag with this name.',
    summaries: {
      list: "List a shop's tags",
      create: 'Create a tag',
      read: 'Read a tag',
      update: 'Rename a tag',
      remove: 'Delete a tag and take it off every bot user',
    },
    store: {
      list: (shopId, _filter, page) => tags.list(shopId, page),
      async create(shopId, { name }) {
        await unique(shopId, name);
        return tags.create({ shop_id: shopId, name });
      },
      get: (id) => tags.get(id),
      async update(id, { name }) {
        const tag = await tags.get(id);
        if (!tag || name === undefined || name === tag.name) return tag;
        await unique(tag.shop_id, name, id);
        return (await tags.rename(id, name)) ?? tag;
      },
      delete: (id) => tags.delete(id),
    },
  });
}
