"""API shapes of the index status."""

from pydantic import BaseModel


class IndexStatus(BaseModel):
    """What the served index holds compared with the CV bank."""

    cvs: int
    searchable_cvs: int
    embedded_cvs: int
    pending_cvs: int
    index_size: int
    meta: dict[str, object]
