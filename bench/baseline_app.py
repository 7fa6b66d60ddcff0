"""The floor for bench/serving.py: a minimal hand-written FastAPI + sqlite3 app serving one table."""

import os
import sqlite3
import threading

from fastapi import FastAPI, HTTPException
from pydantic import BaseModel

DATABASE = os.environ["BASELINE_DATABASE"]
_local = threading.local()


def connection() -> sqlite3.Connection:
    if not hasattr(_local, "db"):
        _local.db = sqlite3.connect(DATABASE, check_same_thread=False)
        _local.db.execute("PRAGMA journal_mode=WAL")
        _local.db.execute("PRAGMA busy_timeout=5000")
    return _local.db


class AuthorIn(BaseModel):
    name: str


app = FastAPI()


@app.get("/api/v1/authors/{author_id}")
def read_author(author_id: int) -> dict[str, object]:
    row = connection().execute("SELECT id, name FROM author WHERE id = ?", (author_id,)).fetchone()
    if row is None:
        raise HTTPException(404)
    return {"id": row[0], "name": row[1]}


@app.get("/api/v1/authors")
def list_authors(offset: int = 0, limit: int = 20) -> dict[str, object]:
    db = connection()
    rows = db.execute(
        "SELECT id, name FROM author ORDER BY id LIMIT ? OFFSET ?", (limit, offset)
    ).fetchall()
    total = db.execute("SELECT count(*) FROM author").fetchone()[0]
    items = [{"id": r[0], "name": r[1]} for r in rows]
    return {"items": items, "total": total, "offset": offset, "limit": limit}


@app.post("/api/v1/authors", status_code=201)
def create_author(author: AuthorIn) -> dict[str, object]:
    db = connection()
    cursor = db.execute("INSERT INTO author (name) VALUES (?)", (author.name,))
    db.commit()
    return {"id": cursor.lastrowid, "name": author.name}
