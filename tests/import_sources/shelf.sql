-- A bookshop's shelf, written in plain SQL (not by this template): what tests/test_import.py
-- imports as a third-party database, on SQLite and on PostgreSQL.
CREATE TABLE author (
    id INTEGER PRIMARY KEY,
    name VARCHAR(100) NOT NULL UNIQUE,
    born DATE,
    CHECK (length(name) >= 2)
);
CREATE TABLE genre (
    id INTEGER PRIMARY KEY,
    label VARCHAR(40) NOT NULL,
    code VARCHAR(8) NOT NULL,
    UNIQUE (label, code)
);
CREATE TABLE book (
    id INTEGER PRIMARY KEY,
    author_id INTEGER NOT NULL REFERENCES author (id),
    title VARCHAR(200) NOT NULL,
    pages INTEGER CHECK (pages BETWEEN 1 AND 5000),
    price NUMERIC(12, 2) NOT NULL DEFAULT 0 CHECK (price >= 0),
    format VARCHAR(9) NOT NULL DEFAULT 'paperback' CHECK (format IN ('paperback', 'hardcover', 'ebook')),
    in_print BOOLEAN NOT NULL DEFAULT TRUE,
    tags JSON,
    CHECK (title <> upper(title)),
    UNIQUE (author_id, title)
);
CREATE TABLE book_genres (
    book_id INTEGER NOT NULL REFERENCES book (id) ON DELETE CASCADE,
    genre_id INTEGER NOT NULL REFERENCES genre (id) ON DELETE CASCADE,
    PRIMARY KEY (book_id, genre_id)
);
