"""Coupons over the single table: definitions, code pools, usage counters, the coupons a customer holds,
and redemptions, one module each (records and errors shared by them).

Items (keys in ``keys.py``):
- definition (``COUPONS`` partition): the spec, ``redeemed`` (the exact use counter of a limited coupon),
  and its pool's counters: ``codes_total`` (imported), ``codes_issued`` (the position of the next code to
  hand out), ``codes_held`` (codes in the ``issued`` state) and ``codes_voided``, each moved in the
  transaction that moves a code; the pool's redeemed codes are its uses;
- usage shards: an unlimited coupon counts its uses on one of ``COUPON_USAGE_SHARDS`` items picked at
  random, so a flash sale on a fixed code never serialises on one item; a limited coupon counts on its
  definition, under the condition ``redeemed < usage_limit``, which is what keeps it exact. Changing a
  coupon from unlimited to limited moves the shards' uses onto the definition and closes the shards in
  one transaction conditioned on the counts read, so no use is lost or counted twice meanwhile;
- code registry: one item per code (fixed or pooled), keyed by the code in upper case: codes are
  unique per application and match case-insensitively. A pool code's item holds its state
  (available, issued, redeemed, voided) and holder;
- pool pages: each import transaction writes one page listing its codes in sequence order; the next
  code to hand out is the ``codes_issued``-th, found with one query;
- customer coupon items, in the customer's partition: uses and grants of one coupon (the per-customer
  limit is checked there), and one item per code held.
"""
