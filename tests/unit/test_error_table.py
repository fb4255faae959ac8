"""shared/api/errors.py's ERROR_TABLE: every DomainError kind defined in shared/ answers by a row of its own
or of a base other than the catch-all, and every row names a kind that exists."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import shared
from shared.api.errors import ERROR_TABLE, answering_kind, kind_name
from shared.errors import DomainError
from tests.support.api import BAD_REQUEST_KEYS, KEY_OF_STATUS

CATCH_ALL = kind_name(DomainError)


def _every_domain_error() -> set[type[DomainError]]:
    for module in pkgutil.walk_packages(shared.__path__, f"{shared.__name__}."):
        importlib.import_module(module.name)
    found: set[type[DomainError]] = set()
    pending = [DomainError]
    while pending:
        for kind in pending.pop().__subclasses__():
            if kind not in found:
                found.add(kind)
                pending.append(kind)
    return found


KINDS = _every_domain_error()


def test_every_domain_error_has_an_answer_of_its_own_kind() -> None:
    assert len(KINDS) > 20, "the walk found the domain errors"
    unmapped = sorted(kind_name(kind) for kind in KINDS if answering_kind(kind) == CATCH_ALL)
    assert not unmapped, f"add a row to ERROR_TABLE (shared/api/errors.py) for {unmapped}"


def test_every_row_names_a_domain_error_that_exists() -> None:
    known = {kind_name(kind) for kind in KINDS | {DomainError}}
    gone = sorted(set(ERROR_TABLE) - known)
    assert not gone, f"ERROR_TABLE has rows for kinds that do not exist (renamed or moved?): {gone}"


@pytest.mark.parametrize("name", list(ERROR_TABLE))
def test_each_status_answers_with_its_own_key(name: str) -> None:
    answer = ERROR_TABLE[name]
    assert answer.key in (BAD_REQUEST_KEYS if answer.status == 400 else (KEY_OF_STATUS[answer.status],)), name


def test_a_kind_answers_as_its_nearest_base_with_a_row() -> None:
    from shared.errors import CustomerNotFound, NotFound

    assert answering_kind(CustomerNotFound) == kind_name(NotFound)
    assert answering_kind(NotFound) == kind_name(NotFound)
