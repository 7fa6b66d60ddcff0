"""Import a design file (`design.yml`) from a database's catalogue or a SQLModel module.

`python -m design_import SOURCE -o design.yml` from a clone, or through uvx:
`uvx --from git+https://github.com/<owner>/copier-fastapi-spec copier-fastapi-spec-import SOURCE`.
SOURCE is a database URL (`sqlite:///app.db`, `postgresql+psycopg://...`), whose catalogue alone is
read, or a SQLModel module (`models.py`), run in a separate process. docs/import.md says the rest.

Modules: `checks` (CHECK conditions read as rules), `columns` (one column as a field), `catalogue`
(tables to resources, and what could not be mapped, with the reason), `merge` (into an existing design file), `module_source`
(a SQLModel module's tables, built by a child process), `cli` (the command).
"""
