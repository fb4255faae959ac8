"""A customer's data (GET /customers/{source_id}/export) and its erasure (POST /customers/{source_id}/erase)."""

from typing import Any, Literal

from pydantic import Field

from shared.api.schemas.common import ResponseModel
from shared.api.schemas.customers import CustomerResponse
from shared.domain.erasure import CustomerExport, Erasure, Section


class ExportSectionResponse(ResponseModel):
    items: list[dict[str, Any]] = Field(description="The stored items, as the engine holds them, oldest first")
    next_cursor: str | None = Field(description="Send with `section` for the next page; null: nothing more")


class CustomerExportResponse(ResponseModel):
    object: Literal["customer_export"] = "customer_export"
    profile: CustomerResponse
    sections: dict[Section, ExportSectionResponse]

    @classmethod
    def from_export(cls, export: CustomerExport) -> "CustomerExportResponse":
        return cls(
            profile=CustomerResponse.from_record(export.profile, export.tier),
            sections={
                name: ExportSectionResponse(items=section.items, next_cursor=section.next_cursor)
                for name, section in export.sections.items()
            },
        )


class ErasureResponse(ResponseModel):
    object: Literal["customer_erasure"] = "customer_erasure"
    id: str = Field(description="The engine's customer id (cust_…), kept")
    pseudonym: str = Field(description="What the engine names the customer by from now on (anon_…)")
    erased_at: str = Field(description="When the first erasure happened: the same on every repeat")

    @classmethod
    def from_erasure(cls, erasure: Erasure) -> "ErasureResponse":
        return cls(id=erasure.customer_id, pseudonym=erasure.pseudonym, erased_at=erasure.erased_at)
