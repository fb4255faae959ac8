"""Coupons in the dashboard: a pool coupon created through the form, 1,000 codes imported from a CSV file
with progress, the pool's counts, and a second import of the same file adding nothing."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from tests.browser.test_dashboard import field, go_to, sign_in
from tests.e2e.runner import LocalRunner

pytestmark = pytest.mark.xdist_group("browser")


def test_a_pool_of_1000_codes_is_imported_from_a_csv_file(page: Page, runner: LocalRunner, tmp_path: Path) -> None:
    # Given a pool coupon created through the form
    name = f"Pool {uuid.uuid4().hex[:6]}"
    sign_in(page, runner)
    go_to(page, "Coupons")
    field(page, "name").fill(name)
    field(page, "discount.value").fill("10")
    page.get_by_role("button", name="Create coupon").click()
    expect(page.get_by_role("status").first).to_contain_text(f"Coupon {name} created")
    # and a CSV file of 1,000 codes with a header line and a repeated code
    prefix = uuid.uuid4().hex[:6].upper()
    codes = [f"{prefix}-{n:04d}" for n in range(1000)]
    csv = tmp_path / "codes.csv"
    csv.write_text("code,note\n" + "\n".join(f"{c},batch 1" for c in codes) + f"\n{codes[0].lower()},again\n")
    # When it is imported
    page.get_by_label("Import codes from a CSV or text file").set_input_files(str(csv))
    # Then the progress reaches the end, and the pool counts them
    status = page.get_by_test_id("import-status")
    expect(status).to_have_text("Sent 1,000 of 1,000 codes: 1,000 added, 0 already in the pool. Done.", timeout=60_000)
    expect(page.get_by_role("progressbar", name="Import progress")).to_have_attribute("value", "1000")
    expect(page.get_by_test_id("pool-counts")).to_have_text(
        "1,000 codes: 0 issued, 0 redeemed, 0 voided, 1,000 available"
    )
    # When the same file is imported again, nothing is added
    page.get_by_label("Import codes from a CSV or text file").set_input_files(str(csv))
    expect(status).to_have_text("Sent 1,000 of 1,000 codes: 0 added, 1,000 already in the pool. Done.", timeout=60_000)
