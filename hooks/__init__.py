"""The design model of copier-fastapi-spec: answers in, a validated design of facts out.

Copier loads this package through `extension.py`; nothing here is copied into a project.
The modules, by concern:

- `naming`: names, plurals, slugs and enum member names derived from the design's words;
- `literals`: values written into Python, TOML and Markdown, escaped for each;
- `fields`: one field and the facts it implies (Python, JSON and SQL types, test values);
- `parsing`: the field language (`str(200)?`, `enum(a, b) = a`, `ref author`) parsed into fields;
- `permissions`: who may do what, the scopes a route demands and the status each role gets;
- `resources`: one resource, with its fields, rules and endpoint table;
- `endpoints`: the rows of the endpoint table, for resources and for the auth and user routes;
- `design`: the whole design and the facts derived from it (dependencies, tables, ER diagram);
- `validate`: raw answers to a `Design`, or `DesignError` listing every problem (and the
  problems of one answer, for the questionnaire);
- `evolution`: what an update removes, and the checksum that tells a hand-edited answers file;
- `contract`: the API contract a client depends on (docs/api-contract.json);
- `tree`: the rendered file tree, read from `template/` itself, with a note per file;
- `dependencies`: the rendered project's requirements, read from `requirements-project.txt`.
"""
