"""Heroes and teams, written the way SQLModel's tutorial writes them (not by this template): what
tests/test_import.py imports as a third-party SQLModel module."""

from sqlmodel import Field, Relationship, SQLModel, UniqueConstraint


class HeroTeamLink(SQLModel, table=True):
    team_id: int | None = Field(default=None, foreign_key="team.id", primary_key=True)
    hero_id: int | None = Field(default=None, foreign_key="hero.id", primary_key=True)


class Team(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True, unique=True, max_length=60)
    headquarters: str = Field(min_length=2)

    heroes: list["Hero"] = Relationship(back_populates="teams", link_model=HeroTeamLink)


class Hero(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("name", "secret_name"),)

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True)
    secret_name: str
    age: int | None = Field(default=None, index=True, ge=0, lt=1000)
    mentor_id: int | None = Field(default=None, foreign_key="team.id")

    teams: list[Team] = Relationship(back_populates="heroes", link_model=HeroTeamLink)
