/** The demo shop's products: what the home page shows and `POST /demo/api/order` sells. */
export type Product = {
  sku: string;
  name: string;
  blurb: string;
  price: number;
  /** The illustration's colour scheme: a class of demo/shop/shop.css. */
  art: 'dark' | 'light' | 'mug';
};

export const CURRENCY = 'EUR';

export const PRODUCTS: readonly Product[] = [
  {
    sku: 'ROAST-250',
    name: 'Morning Roast, 250 g',
    blurb: 'Dark chocolate and hazelnut. Made for espresso and the moka pot.',
    price: 14.5,
    art: 'dark',
  },
  {
    sku: 'ETHIOPIA-250',
    name: 'Ethiopia Guji, 250 g',
    blurb: 'Jasmine, bergamot and apricot. Bright and clean as a filter coffee.',
    price: 17,
    art: 'light',
  },
  {
    sku: 'MUG-300',
    name: 'Stoneware Mug, 300 ml',
    blurb: 'Thrown and glazed by hand in Porto. Keeps a flat white warm.',
    price: 22,
    art: 'mug',
  },
];

export const productBySku = (sku: string): Product | undefined =>
  PRODUCTS.find((p) => p.sku === sku);

/** The statuses the manager panel offers, in the order an order goes through them. */
export const ORDER_STATUSES = ['new', 'paid', 'shipped', 'delivered', 'cancelled'] as const;

export const formatMoney = (amount: number, currency = CURRENCY) =>
  new Intl.NumberFormat('en', { style: 'currency', currency }).format(amount);
