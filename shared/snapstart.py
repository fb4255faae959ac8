"""Lambda SnapStart (template parameter ``SnapStart``): a function's init runs once per published version,
and every new execution environment is restored from a snapshot of it.

What that asks of the code, and where it stands:

- Uniqueness: every id and token is drawn from ``secrets`` (``os.urandom``) when a request needs it,
  never at init, so restored environments cannot repeat each other's ids. The one value drawn at init,
  the dummy hash ``shared.auth`` compares against for unknown keys, needs no uniqueness.
- ``random``: botocore draws its retry jitter from it; restored environments would share one seed and
  retry in lockstep, so it is reseeded after every restore.
- Clients: the DynamoDB client built at init has opened no connection and holds no credentials of its
  own (under SnapStart, Lambda serves credentials through the container endpoint, which botocore
  refreshes), so it is kept: that is most of what the snapshot saves.

The hooks come from the runtime's ``snapshot_restore_py`` module, which exists only in Lambda; nothing is
imported unless the environment is initialising for a snapshot.
"""

from __future__ import annotations

import os
import random

SNAPSTART_INIT = "snap-start"


def _reseed_after_restore() -> None:
    random.seed()


def register_hooks() -> bool:
    """Register the restore hook when this init is a SnapStart snapshot's; whether it was."""
    if os.environ.get("AWS_LAMBDA_INITIALIZATION_TYPE") != SNAPSTART_INIT:
        return False
    from snapshot_restore_py import register_after_restore  # type: ignore[import-not-found]  # Lambda only

    register_after_restore(_reseed_after_restore)
    return True
