"""Every key format of the single table, in one place.

Tenant data lives under partition keys that start with ``APP#<app_id>#``: a key built here for one
application can never address another application's items. Only the credentials item is global,
because the authorizer must find the application from an API key before it knows the tenant.
"""

from __future__ import annotations

import hashlib
import zlib

PK = "PK"
SK = "SK"
TTL_ATTRIBUTE = "expires_at"


def api_key(api_key_value: str) -> dict[str, str]:
    return {PK: f"APIKEY#{api_key_value}", SK: "APIKEY"}


def application(app_id: str) -> dict[str, str]:
    return {PK: f"APP#{app_id}", SK: "APP"}


def tenant_prefix(app_id: str) -> str:
    return f"APP#{app_id}#"


def customer_partition(app_id: str, source_id: str) -> str:
    return f"{tenant_prefix(app_id)}CUST#{source_id}"


def customer(app_id: str, source_id: str) -> dict[str, str]:
    return {PK: customer_partition(app_id, source_id), SK: "PROFILE"}


# Every profile also carries keys on the sparse Customers GSI (only profiles have them): partition
# ``APP#<app_id>#CUSTOMERS#<shard>``, sort key its source_id. CUSTOMER_SHARDS partitions by a stable hash,
# so a burst of sign-ups never writes one index partition past its 1,000 writes a second; a page of the
# customer list reads every shard and merges them by source_id (shared/storage/customers.py ``page``).
CUSTOMERS_INDEX = "Customers"
CUSTOMERS_PK = "CustomersPK"
CUSTOMERS_SK = "CustomersSK"
CUSTOMER_SHARDS = 4


def customers_shard_partition(app_id: str, shard: int) -> str:
    return f"{tenant_prefix(app_id)}CUSTOMERS#{shard}"


def customers_entry(app_id: str, source_id: str) -> dict[str, str]:
    shard = zlib.crc32(source_id.encode()) % CUSTOMER_SHARDS
    return {CUSTOMERS_PK: customers_shard_partition(app_id, shard), CUSTOMERS_SK: source_id}


# An erased customer's profile leaves the listed shards for a partition no page reads, under its
# pseudonym: writers that may create a profile set the index keys only where absent, so a later event
# never lists the erased customer again (shared/storage/erasure.py).
def erased_customers_entry(app_id: str, pseudonym: str) -> dict[str, str]:
    return {CUSTOMERS_PK: f"{tenant_prefix(app_id)}CUSTOMERS#ERASED", CUSTOMERS_SK: pseudonym}


def last_erasure(app_id: str) -> dict[str, str]:
    """When the application last erased a customer: exports made before it no longer give their file."""
    return {PK: f"{tenant_prefix(app_id)}ERASURES", SK: "LAST"}


# --- referral codes ---
# One item per referral code, claimed with attribute_not_exists in the transaction that creates its
# customer: a code is unique per application and finding its owner is one key read.
def referral_code(app_id: str, code: str) -> dict[str, str]:
    return {PK: f"{tenant_prefix(app_id)}REFCODE#{code}", SK: "REFCODE"}


# Campaigns of one application share a partition: a container caching them reads them all in one query.
def campaigns_partition(app_id: str) -> str:
    return f"{tenant_prefix(app_id)}CAMPAIGNS"


def campaign(app_id: str, campaign_id: str) -> dict[str, str]:
    return {PK: campaigns_partition(app_id), SK: campaign_id}


# A counter every change of the application's campaigns moves, in the change's transaction: containers
# caching the campaigns read this one small item to know whether theirs are still current. Its sort key
# is outside the campaigns' ``camp_`` range, so lists never meet it.
def campaigns_version(app_id: str) -> dict[str, str]:
    return {PK: campaigns_partition(app_id), SK: "VERSION"}


# Per event name: the event definition (its stable even_ id) and a copy of every rule with an action
# on that event, so that ingestion finds the rules an event touches in one query.
def event_partition(app_id: str, event_name: str) -> str:
    return f"{tenant_prefix(app_id)}EVENT#{event_name}"


EVENT_DEFINITION_SK = "DEFINITION"
RULE_SK_PREFIX = "RULE#"


def event_definition(app_id: str, event_name: str) -> dict[str, str]:
    return {PK: event_partition(app_id, event_name), SK: EVENT_DEFINITION_SK}


def rule_entry(app_id: str, event_name: str, campaign_id: str, rule_id: str) -> dict[str, str]:
    return {PK: event_partition(app_id, event_name), SK: f"{RULE_SK_PREFIX}{campaign_id}#{rule_id}"}


# Powertools' idempotency records, each under a partition key of its own: its scope (Powertools'
# ``idempotency#<function>``) and its key (the hash of [app_id, Idempotency-Key]). Powertools' layout
# keeps every record of a function under the scope alone: one partition, whose 1,000 write units a
# second capped a function's keyed writes at ~333 events (3 units each; bench/heat.py measured it).
IDEMPOTENCY_SK = "IDEMPOTENCY"


def idempotency_record(scope: str, idempotency_key: str) -> dict[str, str]:
    return {PK: f"{scope}#{idempotency_key}", SK: IDEMPOTENCY_SK}


# In the customer's partition, sorted so that PROFILE and every PROGRESS# item are one key range
# ("PROFILE" < "PROGRESS#..." < "PROGRESS$"), apart from the ledger (TXN#) and the markers.
PROFILE_SK = "PROFILE"
PROGRESS_SK_PREFIX = "PROGRESS#"
PROGRESS_RANGE_END = "PROGRESS$"
TRANSACTION_SK_PREFIX = "TXN#"


def progress(app_id: str, source_id: str, campaign_id: str, rule_id: str) -> dict[str, str]:
    return {PK: customer_partition(app_id, source_id), SK: f"{PROGRESS_SK_PREFIX}{campaign_id}#{rule_id}"}


def rule_applied(app_id: str, source_id: str, delivery_id: str, campaign_id: str, rule_id: str) -> dict[str, str]:
    """Marks one event delivery (its Idempotency-Key, or the request's own id) as applied to one rule,
    written in the same transaction as that rule's progress; ids never hold ``#``, so the key is unique."""
    return {PK: customer_partition(app_id, source_id), SK: f"DELIVERY#{delivery_id}#{campaign_id}#{rule_id}"}


REFEREE_SK_PREFIX = "REFEREE#"
REFERRAL_SK_PREFIX = "REFERRED#"


def referral(app_id: str, referrer_source_id: str, referee_source_id: str) -> dict[str, str]:
    """A customer the referrer referred, written with the referee's ``referred_by``: an erasure of the
    referrer finds its referees here to cut their links."""
    return {PK: customer_partition(app_id, referrer_source_id), SK: f"{REFERRAL_SK_PREFIX}{referee_source_id}"}


def referee(app_id: str, referrer_source_id: str, rule_id: str, action_index: int, referee_id: str) -> dict[str, str]:
    """A referred customer counted once for one action of one referrer rule."""
    return {
        PK: customer_partition(app_id, referrer_source_id),
        SK: f"{REFEREE_SK_PREFIX}{rule_id}#{action_index}#{referee_id}",
    }


def ledger_entry(app_id: str, source_id: str, position_ms: int, sequence: int) -> dict[str, str]:
    """Strictly increasing per customer: ``position_ms`` never goes back (the time of the customer's last
    entry when the clock is behind it) and ``sequence`` counts the customer's entries, both taken from
    the profile in the entry's transaction. Entries written before the sequence existed
    (``TXN#<ms>#txn_<id>``) share the prefix and sort by their time among these."""
    return {
        PK: customer_partition(app_id, source_id),
        SK: f"{TRANSACTION_SK_PREFIX}{position_ms:013d}#{sequence:010d}",
    }


# Open AWT windows are indexed by due time on the DueWindows GSI, spread over shards so that a burst
# of windows ending in the same minute never lands on one index partition.
DUE_INDEX = "DueWindows"
DUE_PK = "DuePK"
DUE_SK = "DueSK"
DUE_SHARDS = 32


def due_shard_partition(shard: int) -> str:
    return f"DUE#{shard:02d}"


def due_entry(end_time: int, item_key: dict[str, str]) -> dict[str, str]:
    shard = zlib.crc32(f"{item_key[PK]}|{item_key[SK]}".encode()) % DUE_SHARDS
    return {DUE_PK: due_shard_partition(shard), DUE_SK: f"{end_time:012d}#{item_key[PK]}|{item_key[SK]}"}


# A customer whose points will activate or expire is on the same index, in its own shards, by the day
# that happens (the profile carries the entry and every points write moves it): the scheduled points
# job reads only customers with something due.
POINTS_DUE_SHARDS = 16


def points_due_shard_partition(shard: int) -> str:
    return f"POINTSDUE#{shard:02d}"


def points_due_entry(due_at: int, profile_key: dict[str, str]) -> dict[str, str]:
    shard = zlib.crc32(f"{profile_key[PK]}|{profile_key[SK]}".encode()) % POINTS_DUE_SHARDS
    return {DUE_PK: points_due_shard_partition(shard), DUE_SK: f"{due_at:012d}#{profile_key[PK]}"}


# A ledger entry found by its txn_id, in its customer's partition (the ledger's own keys are ordered by
# time): a credit a reversal may take back (and what was reversed of it), or an adjustment or reversal
# whose request may be retried. One key read finds it.
TRANSACTION_RECORD_SK_PREFIX = "TXNID#"


def transaction_record(app_id: str, source_id: str, txn_id: str) -> dict[str, str]:
    return {PK: customer_partition(app_id, source_id), SK: f"{TRANSACTION_RECORD_SK_PREFIX}{txn_id}"}


# The application's points policy sits beside the application item.
def points_policy(app_id: str) -> dict[str, str]:
    return {PK: application(app_id)[PK], SK: "SETTINGS#POINTS"}


# --- imports ---
# An import job (imp_) has a partition of its own: the job item with its counters, a marker per chunk of
# rows counted (so a chunk delivered twice is counted once, and a resumed import skips what is done) and
# a row per rejected line, in line order (the report pages through them).
IMPORT_JOB_SK = "JOB"
IMPORT_CHUNK_SK_PREFIX = "CHUNK#"
IMPORT_REJECTED_SK_PREFIX = "REJECTED#"


def import_partition(app_id: str, import_id: str) -> str:
    return f"{tenant_prefix(app_id)}IMPORT#{import_id}"


def import_job(app_id: str, import_id: str) -> dict[str, str]:
    return {PK: import_partition(app_id, import_id), SK: IMPORT_JOB_SK}


def import_chunk(app_id: str, import_id: str, chunk: int) -> dict[str, str]:
    return {PK: import_partition(app_id, import_id), SK: f"{IMPORT_CHUNK_SK_PREFIX}{chunk:09d}"}


def import_rejected(app_id: str, import_id: str, line: int) -> dict[str, str]:
    return {PK: import_partition(app_id, import_id), SK: f"{IMPORT_REJECTED_SK_PREFIX}{line:012d}"}


# A deployed import's file in the imports bucket: the object's key names its application and job, so the
# worker reading it acts for that application only (and only on a job that application created).
IMPORT_OBJECT_PREFIX = "imports/"


def import_object(app_id: str, import_id: str, file_format: str) -> str:
    return f"{IMPORT_OBJECT_PREFIX}{app_id}/{import_id}.{file_format}"


def import_of_object(object_key: str) -> tuple[str, str] | None:
    """(app_id, import_id) of an imports bucket's key; None for a key no import gave."""
    app_id, _, name = object_key.removeprefix(IMPORT_OBJECT_PREFIX).partition("/")
    import_id = name.rsplit(".", 1)[0]
    if not object_key.startswith(IMPORT_OBJECT_PREFIX) or not app_id or "/" in name or not import_id:
        return None
    return app_id, import_id


# --- rewards catalog ---
# Rewards of one application share a partition: a member's eligibility reads the whole catalog in one
# query. A redemption lives in its customer's partition; its red_ id starts with its creation time
# (ids.new_sortable_id), so the partition lists a customer's redemptions newest first by key alone.
REWARD_ID_PREFIX = "rew_"
REDEMPTION_SK_PREFIX = "REDEMPTION#"


def rewards_partition(app_id: str) -> str:
    return f"{tenant_prefix(app_id)}REWARDS"


def reward(app_id: str, reward_id: str) -> dict[str, str]:
    return {PK: rewards_partition(app_id), SK: reward_id}


def redemption(app_id: str, source_id: str, redemption_id: str) -> dict[str, str]:
    return {PK: customer_partition(app_id, source_id), SK: f"{REDEMPTION_SK_PREFIX}{redemption_id}"}


def redemption_request(app_id: str, source_id: str, request_key: str) -> dict[str, str]:
    """Marks a redeem request (its Idempotency-Key, hashed) as applied, written in the same transaction as
    the redemption: the client's retry after a lost response finds the redemption it made."""
    digest = hashlib.sha256(request_key.encode()).hexdigest()[:32]
    return {PK: customer_partition(app_id, source_id), SK: f"REDEEM_REQUEST#{digest}"}


# --- daily statistics (the dashboard's Overview) ---
# Counters per application, day and shard. The stream consumer adds each announced change to one of
# STATS_SHARDS counters of its day (chosen by the event id), each under a partition key of its own: a
# partition takes 1,000 writes a second, and every counted change is a transaction (2 write units), so
# one partition would cap an application at 500 counted changes a second (bench/heat.py measured it);
# shards spread that over as many partitions. GET /stats reads a range of days from every shard. A
# marker per counted event (in the same transaction, expiring after the stream's retention) keeps a
# redelivered stream record from counting twice; markers are sharded alike.
STATS_SHARDS = 16


def stats_shard_partition(app_id: str, shard: int) -> str:
    return f"{tenant_prefix(app_id)}STATS#{shard:02d}"


def stats_counter(app_id: str, day: str, shard: int) -> dict[str, str]:
    return {PK: stats_shard_partition(app_id, shard), SK: f"DAY#{day}"}


def stats_day_range(first_day: str, last_day: str) -> tuple[str, str]:
    """Sort key bounds of the days from ``first_day`` to ``last_day`` inclusive, in a shard."""
    return f"DAY#{first_day}", f"DAY#{last_day}"


def stats_shard(event_id: str) -> int:
    return zlib.crc32(event_id.encode()) % STATS_SHARDS


def stats_counted(app_id: str, event_id: str) -> dict[str, str]:
    return {PK: f"{tenant_prefix(app_id)}STATS#COUNTED#{stats_shard(event_id)}", SK: event_id}


# --- coupons ---
# Definitions of one application share a partition (listing reads it in pages); each code, fixed or
# pooled, owns a registry item keyed by the code itself, which makes codes unique per application and
# spreads the codes of a 100,000-code pool over as many partitions. Import pages (seq -> code) let the
# engine hand out "the next unissued code" with one query. Redemptions are keyed by (coupon, order), so
# the same order redeemed again meets its own record, and are listed per coupon through a sparse index
# (below: its entries are spread over shards).
# A coupon's uses are counted on its allowance shards (below), never on its definition; per-customer
# counts and the coupons a customer holds live in the customer's partition.
CUSTOMER_COUPON_SK_PREFIX = "COUPON#"


def coupons_partition(app_id: str) -> str:
    return f"{tenant_prefix(app_id)}COUPONS"


def coupon(app_id: str, coupon_id: str) -> dict[str, str]:
    return {PK: coupons_partition(app_id), SK: coupon_id}


def coupon_code(app_id: str, normalized_code: str) -> dict[str, str]:
    return {PK: f"{tenant_prefix(app_id)}CODE#{normalized_code}", SK: "CODE"}


def coupon_pool_partition(app_id: str, coupon_id: str) -> str:
    return f"{tenant_prefix(app_id)}POOL#{coupon_id}"


POOL_PAGE_SK_PREFIX = "PAGE#"


def coupon_pool_page(app_id: str, coupon_id: str, first_seq: int) -> dict[str, str]:
    return {PK: coupon_pool_partition(app_id, coupon_id), SK: f"{POOL_PAGE_SK_PREFIX}{first_seq:012d}"}


def coupon_pool_page_bound(seq: int) -> str:
    """The sort key the page holding ``seq`` is the last one at or below."""
    return f"{POOL_PAGE_SK_PREFIX}{seq:012d}"


def customer_coupon(app_id: str, source_id: str, coupon_id: str) -> dict[str, str]:
    """The customer's uses of (and grant of) one coupon: the per-customer limit is checked here."""
    return {PK: customer_partition(app_id, source_id), SK: f"{CUSTOMER_COUPON_SK_PREFIX}{coupon_id}"}


def customer_coupon_code(app_id: str, source_id: str, coupon_id: str, normalized_code: str) -> dict[str, str]:
    """A pool code (or a coupon's own code) held by the customer, listed with their coupons."""
    return {
        PK: customer_partition(app_id, source_id),
        SK: f"{CUSTOMER_COUPON_SK_PREFIX}{coupon_id}#CODE#{normalized_code}",
    }


def coupon_redemption(app_id: str, coupon_id: str, order_id: str) -> dict[str, str]:
    return {PK: f"{tenant_prefix(app_id)}REDEMPTION#{coupon_id}#{order_id}", SK: "REDEMPTION"}


# A coupon's redemptions by time, on the sparse CouponRedemptionShards index: each entry under one of
# COUPON_REDEMPTION_SHARDS partitions of the coupon (by a hash of its order), sort key ``<ms>#<order_id>``
# (unique per coupon: the order is). Every redemption adds an entry, and one index partition takes 1,000
# write units a second: on one partition a coupon's redemptions were capped at 1,000 a second (500 while
# entries projected the whole record, 2 units each; they now hold the keys alone, 1 unit).
# The listing merges the shards newest first (shared/storage/pagination.py ``newest_first_across``).
COUPON_REDEMPTIONS_INDEX = "CouponRedemptionShards"
COUPON_REDEMPTIONS_PK = "RedemptionsPK"
COUPON_REDEMPTIONS_SK = "RedemptionsSK"
COUPON_REDEMPTION_SHARDS = 8


def coupon_redemptions_entry(app_id: str, coupon_id: str, created_ms: int, order_id: str) -> dict[str, str]:
    shard = zlib.crc32(order_id.encode()) % COUPON_REDEMPTION_SHARDS
    return {
        COUPON_REDEMPTIONS_PK: f"{_coupon_redemptions_unsharded(app_id, coupon_id)}#{shard}",
        COUPON_REDEMPTIONS_SK: f"{created_ms:013d}#{order_id}",
    }


def _coupon_redemptions_unsharded(app_id: str, coupon_id: str) -> str:
    return f"{tenant_prefix(app_id)}REDEMPTIONS#{coupon_id}"


def coupon_redemptions_partitions(app_id: str, coupon_id: str) -> list[str]:
    """Every index partition of the coupon's redemptions: its shards, and the one partition redemptions
    made before the shards have (a deployed table keeps them there: README, Hot partitions)."""
    shards = [
        f"{_coupon_redemptions_unsharded(app_id, coupon_id)}#{shard}" for shard in range(COUPON_REDEMPTION_SHARDS)
    ]
    return [*shards, _coupon_redemptions_unsharded(app_id, coupon_id)]


# --- allowances (shared/storage/allowance.py) ---
# What every redemption counts (a coupon's uses and limit, a reward's redeemed and stock) lives on
# ALLOWANCE_SHARDS items of the owner (a coupon or reward id: their prefixes keep them apart), each on a
# partition of its own: at two write units per transactional take, one owner serves 8 x 1,000 / 2 =
# 4,000 takes a second, twice the 2,000 a flash sale of one coupon is sized for.
ALLOWANCE_SHARDS = 8


def allowance_shard(app_id: str, owner_id: str, shard: int) -> dict[str, str]:
    return {PK: f"{tenant_prefix(app_id)}ALLOWANCE#{owner_id}#{shard}", SK: "ALLOWANCE"}


# --- domain events and webhooks ---
# An application's webhooks share one partition with their counter, whose version every change moves:
# containers cache them all (one query) and check that small item every few seconds.
# Each webhook's delivery log is spread over WEBHOOK_DELIVERY_SHARDS partitions by a hash of the delivery
# id (so a retry finds a delivery by its id alone), each sorted by time-ordered delivery ids: a delivery
# is written three times (created, its attempt claimed, its result), and one partition's 1,000 write units
# a second capped one webhook at 333 domain events a second. The log is listed by merging the shards.
WEBHOOK_SK_PREFIX = "WEBHOOK#"
WEBHOOK_DELIVERY_SK_PREFIX = "DLV#"
WEBHOOK_DELIVERY_SHARDS = 16


def webhooks_partition(app_id: str) -> str:
    return f"{tenant_prefix(app_id)}WEBHOOKS"


def webhook(app_id: str, webhook_id: str) -> dict[str, str]:
    return {PK: webhooks_partition(app_id), SK: f"{WEBHOOK_SK_PREFIX}{webhook_id}"}


def webhooks_counter(app_id: str) -> dict[str, str]:
    """The application's webhook count (capped) and the version of its webhooks; sorts before them."""
    return {PK: webhooks_partition(app_id), SK: "COUNT"}


def _webhook_deliveries_shard(app_id: str, webhook_id: str, shard: int) -> str:
    return f"{tenant_prefix(app_id)}WEBHOOK#{webhook_id}#{shard:02d}"


def webhook_deliveries_partitions(app_id: str, webhook_id: str) -> list[str]:
    return [_webhook_deliveries_shard(app_id, webhook_id, shard) for shard in range(WEBHOOK_DELIVERY_SHARDS)]


def webhook_delivery(app_id: str, webhook_id: str, delivery_id: str) -> dict[str, str]:
    shard = zlib.crc32(delivery_id.encode()) % WEBHOOK_DELIVERY_SHARDS
    return {
        PK: _webhook_deliveries_shard(app_id, webhook_id, shard),
        SK: f"{WEBHOOK_DELIVERY_SK_PREFIX}{delivery_id}",
    }


def app_id_of(partition_key: str) -> str | None:
    """The application a tenant item belongs to (``APP#<app_id>#...``), for the stream's publisher."""
    if not partition_key.startswith("APP#"):
        return None
    app_id, separator, _ = partition_key[len("APP#") :].partition("#")
    return app_id if separator else None


def customer_of(partition_key: str) -> tuple[str, str] | None:
    """``(app_id, source_id)`` of a customer partition, for the points job reading the points-due index."""
    app_id = app_id_of(partition_key)
    prefix = f"{tenant_prefix(app_id)}CUST#" if app_id else None
    if prefix is None or not partition_key.startswith(prefix):
        return None
    return app_id, partition_key[len(prefix) :]  # type: ignore[return-value]


# --- earning rules and orders (shared/storage/earning.py, shared/storage/orders.py) ---
# An application's earning rules share one partition with their counter: an order reads them all in one
# query (their number is capped). A rule's budget counter is a partition of its own (every order the rule
# grants on writes it); a customer's cap counters sit in the customer's partition, one per rule and
# period, beside the profile an order's points write conditions on anyway. An order is a partition of
# its own: its returns are written on it, so concurrent returns of one order serialize on its version.
EARNING_RULE_SK_PREFIX = "EARNRULE#"


def earning_rules_partition(app_id: str) -> str:
    return f"{tenant_prefix(app_id)}EARNRULES"


def earning_rule(app_id: str, rule_id: str) -> dict[str, str]:
    return {PK: earning_rules_partition(app_id), SK: f"{EARNING_RULE_SK_PREFIX}{rule_id}"}


def earning_rules_counter(app_id: str) -> dict[str, str]:
    return {PK: earning_rules_partition(app_id), SK: "COUNT"}


def earning_budget(app_id: str, rule_id: str) -> dict[str, str]:
    return {PK: f"{tenant_prefix(app_id)}EARNBUDGET#{rule_id}", SK: "BUDGET"}


def earning_cap(app_id: str, source_id: str, rule_id: str, period: str) -> dict[str, str]:
    return {PK: customer_partition(app_id, source_id), SK: f"EARNCAP#{rule_id}#{period}"}


def earning_applied(app_id: str, source_id: str, delivery_id: str) -> dict[str, str]:
    """Marks one event delivery as credited by the earning rules, written in the same transaction as the credits."""
    return {PK: customer_partition(app_id, source_id), SK: f"EARNED#{delivery_id}"}


def order(app_id: str, order_id: str) -> dict[str, str]:
    return {PK: f"{tenant_prefix(app_id)}ORDER#{order_id}", SK: "ORDER"}


# --- the audit log (shared/storage/audit.py) ---
# An entry per management change, in a partition of the changed object (``AUDIT#<type>#<id>``): an object's
# history is one query, and a burst of changes to different objects (adjustments of many customers) writes
# as many partitions. Entries are sorted by their ``aud_`` id, which starts with its time. Every entry is
# also on the sparse AuditLog index, under one of AUDIT_SHARDS partitions of the application (by a hash of
# its id), for the application's whole log newest first: one index partition takes 1,000 write units a
# second (an entry is one: the index holds its keys and the two fields the log is filtered by), so 16 take
# 16,000 changes a second. The listing merges the shards (``pagination.newest_first_across``).
AUDIT_SK_PREFIX = "aud_"
AUDIT_INDEX = "AuditLog"
AUDIT_PK = "AuditPK"
AUDIT_SK = "AuditSK"
AUDIT_SHARDS = 16

# Every key attribute of the table and its indexes (template.yaml's AttributeDefinitions; a test holds them
# equal): what an item carries for the table, never an object's own data.
TABLE_KEY_ATTRIBUTES = frozenset(
    {
        PK,
        SK,
        CUSTOMERS_PK,
        CUSTOMERS_SK,
        DUE_PK,
        DUE_SK,
        COUPON_REDEMPTIONS_PK,
        COUPON_REDEMPTIONS_SK,
        AUDIT_PK,
        AUDIT_SK,
    }
)


def audit_object_partition(app_id: str, object_type: str, object_id: str) -> str:
    return f"{tenant_prefix(app_id)}AUDIT#{object_type}#{object_id}"


def audit_entry(app_id: str, object_type: str, object_id: str, audit_id: str) -> dict[str, str]:
    return {PK: audit_object_partition(app_id, object_type, object_id), SK: audit_id}


def _audit_log_shard(app_id: str, shard: int) -> str:
    return f"{tenant_prefix(app_id)}AUDITLOG#{shard:02d}"


def audit_log_entry(app_id: str, audit_id: str) -> dict[str, str]:
    shard = zlib.crc32(audit_id.encode()) % AUDIT_SHARDS
    return {AUDIT_PK: _audit_log_shard(app_id, shard), AUDIT_SK: audit_id}


def audit_log_partitions(app_id: str) -> list[str]:
    return [_audit_log_shard(app_id, shard) for shard in range(AUDIT_SHARDS)]


# --- exports (shared/storage/exports.py) ---
# An export job is a partition of its own: its worker rewrites it (claimed, then done) while the API reads it.
def export_job(app_id: str, export_id: str) -> dict[str, str]:
    return {PK: f"{tenant_prefix(app_id)}EXPORT#{export_id}", SK: "EXPORT"}


def erased_customers_partition(app_id: str) -> str:
    return erased_customers_entry(app_id, "")[CUSTOMERS_PK]


def ledger_range(from_ms: int, to_ms: int) -> tuple[str, str]:
    """Sort key bounds of a customer's ledger entries from ``from_ms`` to ``to_ms`` inclusive: ``$`` sorts
    right after the ``#`` that follows an entry's time, so every entry of the last millisecond is inside."""
    return f"{TRANSACTION_SK_PREFIX}{from_ms:013d}", f"{TRANSACTION_SK_PREFIX}{to_ms:013d}$"


def coupon_redemptions_range(from_ms: int, to_ms: int) -> tuple[str, str]:
    """Index sort key bounds (``<ms>#<order_id>``) of a coupon's redemptions from ``from_ms`` to ``to_ms`` inclusive."""
    return f"{from_ms:013d}", f"{to_ms:013d}$"


# --- tiers ---
# The application's tier program sits beside the application item, like the points policy.
def tier_program(app_id: str) -> dict[str, str]:
    return {PK: application(app_id)[PK], SK: "SETTINGS#TIERS"}


# A member whose held tier will drop (or be announced as about to) is on the due index, in its own
# shards, by that time: one small item in the customer's partition, moved by every write that changes
# the tier state, so the scheduled tier job reads only members with something due.
TIER_DUE_SK = "TIERDUE"
TIER_DUE_SHARDS = 8


def tier_due_shard_partition(shard: int) -> str:
    return f"TIERDUE#{shard:02d}"


def tier_due(app_id: str, source_id: str) -> dict[str, str]:
    return {PK: customer_partition(app_id, source_id), SK: TIER_DUE_SK}


def tier_due_entry(due_ms: int, app_id: str, source_id: str) -> dict[str, str]:
    partition = customer_partition(app_id, source_id)
    shard = zlib.crc32(partition.encode()) % TIER_DUE_SHARDS
    return {DUE_PK: tier_due_shard_partition(shard), DUE_SK: f"{due_ms // 1000:012d}#{partition}"}


# The tier distribution: members per held tier, counted in TIER_MEMBER_SHARDS counters per tier (the
# member's shard, by its partition), each shard under a partition key of its own: every write that moves
# a member's tier moves its counters in the same transaction, and one merchant's sale upgrades many members
# a second into the same tier (one partition takes 1,000 writes a second). The dashboard reads every shard.
TIER_MEMBER_SHARDS = 16
TIER_MEMBERS_SK_PREFIX = "TIER#"


def tier_members_partition(app_id: str, shard: int) -> str:
    return f"{tenant_prefix(app_id)}TIERMEMBERS#{shard:02d}"


def tier_members(app_id: str, source_id: str, tier: str) -> dict[str, str]:
    shard = zlib.crc32(customer_partition(app_id, source_id).encode()) % TIER_MEMBER_SHARDS
    return {PK: tier_members_partition(app_id, shard), SK: f"{TIER_MEMBERS_SK_PREFIX}{tier}"}


# A tier change (an upgrade, a downgrade, a drop announced) is an item in the customer's partition, keyed
# by what it is and when, written once: the outbox announces it, and a second run of the tier job, or a
# retried write, finds it there.
def tier_change(app_id: str, source_id: str, at_ms: int, kind: str, tier: str) -> dict[str, str]:
    return {PK: customer_partition(app_id, source_id), SK: f"TIERCHANGE#{at_ms:013d}#{kind}#{tier}"}
