"""HTTP shapes of imports, distributions and exports."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict


class ImportOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    pool_id: int
    actor_id: int
    file_name: str
    rows: int
    imported: int
    duplicates: int
    invalid: int
    possible_duplicates: int
    created_at: datetime
    already_imported: bool = False
    report_url: str
