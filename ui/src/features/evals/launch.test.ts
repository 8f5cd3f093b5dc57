import { describe, expect, it } from 'vitest';
import { taskIds } from './launch';

describe('taskIds', () => {
  it('splits on commas and whitespace, dropping empties and duplicates', () => {
    expect(taskIds(' dyn-modal-accept, shop-cart-total  dyn-modal-accept,,')).toEqual(['dyn-modal-accept', 'shop-cart-total']);
    expect(taskIds('   ')).toEqual([]);
  });
});
