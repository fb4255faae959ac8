"""The points aggregate: ``lots`` (the arithmetic of a customer's points), ``placement`` (postings placed
as ledger entries over the lots: what every write of points decides) and ``ledger`` (the use cases: the
points policy, the ledger's reads, adjustments, reversals and the scheduled job)."""
