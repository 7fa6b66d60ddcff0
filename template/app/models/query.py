"""The query string every list endpoint takes: where its page starts and how long it is."""

from pydantic import BaseModel, ConfigDict, Field

from app.models.types import MAX_SAFE_INTEGER


class PageQuery(BaseModel):
    """A parameter the list does not know is refused (422), so a misspelt filter never goes unseen."""

    model_config = ConfigDict(extra="forbid")

    offset: int = Field(default=0, ge=0, le=MAX_SAFE_INTEGER)
    limit: int = Field(default=20, ge=1, le=100)
