import { expect, it } from 'vitest';
import { OPERATORS } from '../../src/core/targeting.js';
import { OPERATORS as DASHBOARD_OPERATORS } from '../src/logic/conditions.js';

// The dashboard imports nothing of the server (it is a client of the public API), so it lists the
// operators itself, in the order a person looks for them; this keeps the two lists from drifting.
it("offers exactly the service's targeting operators in the dashboard", () => {
  expect([...DASHBOARD_OPERATORS].sort()).toEqual([...OPERATORS].sort());
});
