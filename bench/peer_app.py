"""The peer for bench/serving.py: the app a FastAPI developer writes by hand with the same stack.

SQLModel's tutorial style, the code a user would write instead of rendering ours: a session
dependency through `Annotated`, `session.get`, `select(...).offset().limit()` with a count, a
`Public` response model, `model_dump(exclude_unset=True)` for PATCH, and a bearer token checked with
PyJWT before the user is loaded. `PEER_ASYNC=1` serves the same routes from `async def` over an
`AsyncSession` (aiosqlite). Only the table and the token's secret come from the environment.
"""

import os
from collections.abc import AsyncIterator, Iterator
from typing import Annotated

import jwt
from fastapi import Depends, FastAPI, HTTPException, Query, status
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlmodel import Field, Session, SQLModel, create_engine, func, select

DATABASE = os.environ["PEER_DATABASE"]
SECRET_KEY = os.environ["PEER_SECRET_KEY"]
ASYNC = os.environ.get("PEER_ASYNC") == "1"


class AuthorBase(SQLModel):
    name: str = Field(max_length=120)


class Author(AuthorBase, table=True):
    id: int | None = Field(default=None, primary_key=True)


class AuthorCreate(AuthorBase):
    pass


class AuthorUpdate(SQLModel):
    name: str | None = Field(default=None, max_length=120)


class AuthorPublic(AuthorBase):
    id: int


class AuthorsPublic(SQLModel):
    items: list[AuthorPublic]
    total: int
    offset: int
    limit: int


class User(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    email: str = Field(unique=True, max_length=254)
    is_active: bool = True


class UserPublic(SQLModel):
    id: int
    email: str
    is_active: bool


oauth2_scheme = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token")
TokenDep = Annotated[str, Depends(oauth2_scheme)]


def user_id_of(token: str) -> int:
    try:
        payload = jwt.decode(token, SECRET_KEY, algorithms=["HS256"])
        return int(payload["sub"])
    except (jwt.InvalidTokenError, KeyError, ValueError) as exc:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "Could not validate credentials") from exc


app = FastAPI()

if ASYNC:
    async_engine = create_async_engine(f"sqlite+aiosqlite:///{DATABASE}")

    async def get_async_session() -> AsyncIterator[AsyncSession]:
        async with AsyncSession(async_engine) as session:
            yield session

    AsyncSessionDep = Annotated[AsyncSession, Depends(get_async_session)]

    async def get_current_user(session: AsyncSessionDep, token: TokenDep) -> User:
        user = await session.get(User, user_id_of(token))
        if user is None or not user.is_active:
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, "Could not validate credentials")
        return user

    AsyncCurrentUser = Annotated[User, Depends(get_current_user)]

    @app.get("/api/v1/authors/{author_id}", response_model=AuthorPublic)
    async def read_author(session: AsyncSessionDep, author_id: int) -> Author:
        author = await session.get(Author, author_id)
        if author is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "Author not found")
        return author

    @app.get("/api/v1/authors", response_model=AuthorsPublic)
    async def list_authors(
        session: AsyncSessionDep, offset: int = 0, limit: Annotated[int, Query(le=100)] = 20
    ) -> AuthorsPublic:
        total = (await session.execute(select(func.count()).select_from(Author))).scalar_one()
        query = select(Author).order_by(Author.id).offset(offset).limit(limit)
        rows = (await session.execute(query)).scalars().all()
        items = [AuthorPublic.model_validate(row) for row in rows]
        return AuthorsPublic(items=items, total=total, offset=offset, limit=limit)

    @app.post("/api/v1/authors", response_model=AuthorPublic, status_code=201)
    async def create_author(
        session: AsyncSessionDep, user: AsyncCurrentUser, author_in: AuthorCreate
    ) -> Author:
        author = Author.model_validate(author_in)
        session.add(author)
        await session.commit()
        await session.refresh(author)
        return author

    @app.patch("/api/v1/authors/{author_id}", response_model=AuthorPublic)
    async def update_author(
        session: AsyncSessionDep, user: AsyncCurrentUser, author_id: int, author_in: AuthorUpdate
    ) -> Author:
        author = await session.get(Author, author_id)
        if author is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "Author not found")
        author.sqlmodel_update(author_in.model_dump(exclude_unset=True))
        session.add(author)
        await session.commit()
        await session.refresh(author)
        return author

    @app.get("/api/v1/users/me", response_model=UserPublic)
    async def read_me(user: AsyncCurrentUser) -> User:
        return user

else:
    engine = create_engine(f"sqlite:///{DATABASE}", connect_args={"check_same_thread": False})

    def get_session() -> Iterator[Session]:
        with Session(engine) as session:
            yield session

    SessionDep = Annotated[Session, Depends(get_session)]

    def get_user(session: SessionDep, token: TokenDep) -> User:
        user = session.get(User, user_id_of(token))
        if user is None or not user.is_active:
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, "Could not validate credentials")
        return user

    CurrentUser = Annotated[User, Depends(get_user)]

    @app.get("/api/v1/authors/{author_id}", response_model=AuthorPublic)
    def read_author_sync(session: SessionDep, author_id: int) -> Author:
        author = session.get(Author, author_id)
        if author is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "Author not found")
        return author

    @app.get("/api/v1/authors", response_model=AuthorsPublic)
    def list_authors_sync(
        session: SessionDep, offset: int = 0, limit: Annotated[int, Query(le=100)] = 20
    ) -> AuthorsPublic:
        total = session.exec(select(func.count()).select_from(Author)).one()
        rows = session.exec(select(Author).order_by(Author.id).offset(offset).limit(limit)).all()
        items = [AuthorPublic.model_validate(row) for row in rows]
        return AuthorsPublic(items=items, total=total, offset=offset, limit=limit)

    @app.post("/api/v1/authors", response_model=AuthorPublic, status_code=201)
    def create_author_sync(
        session: SessionDep, user: CurrentUser, author_in: AuthorCreate
    ) -> Author:
        author = Author.model_validate(author_in)
        session.add(author)
        session.commit()
        session.refresh(author)
        return author

    @app.patch("/api/v1/authors/{author_id}", response_model=AuthorPublic)
    def update_author_sync(
        session: SessionDep, user: CurrentUser, author_id: int, author_in: AuthorUpdate
    ) -> Author:
        author = session.get(Author, author_id)
        if author is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, "Author not found")
        author.sqlmodel_update(author_in.model_dump(exclude_unset=True))
        session.add(author)
        session.commit()
        session.refresh(author)
        return author

    @app.get("/api/v1/users/me", response_model=UserPublic)
    def read_me_sync(user: CurrentUser) -> User:
        return user
