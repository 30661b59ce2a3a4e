"""API shapes of the index status."""

from pydantic import BaseModel, ConfigDict, Field


class IndexMeta(BaseModel):
    """What the served index generation records about itself; empty before the first build."""

    # Facts a later builder adds still reach operators.
    model_config = ConfigDict(extra="allow")

    model: str | None = Field(default=None, description="The embedding model's name")
    builder_version: str | None = Field(default=None, description="Version of the CV text builder")
    dimension: int | None = Field(default=None, description="Embedding dimension")
    count: int | None = Field(default=None, description="Vectors served")
    kind: str | None = Field(default=None, description="FAISS index kind, `flat` or `ivf`")
    exact_max: int | None = None
    nlist: int | None = None
    nprobe: int | None = None
    trained_size: int | None = None
    faiss_version: str | None = None
    build_time: str | None = Field(default=None, description="When the base generation was built")
    delta_segments: int | None = Field(default=None, description="Delta segments layered on top")
    delta_rows: int | None = None


class IndexStatus(BaseModel):
    """What the served index holds compared with the CV bank."""

    cvs: int
    searchable_cvs: int
    embedded_cvs: int
    pending_cvs: int
    index_size: int
    meta: IndexMeta
