"""The design model of copier-fastapi-spec: answers in, a validated design of facts out.

Nothing here is copied into a project. Copier loads `extension.py` (copier.yml's
`_jinja_extensions`), which imports this package and hands Copier the two classes of
`copier_bridge`: `DesignContext` puts the validated `design` in every template's context, and
`DesignFilters` registers the filters and globals the templates use. Start reading there.

The modules form floors, each reading only the floors below it (tests/test_hooks.py fails on an
import circle, TYPE_CHECKING imports included, and on a class over 200 lines):

- words and values: `naming` (names, plurals, slugs, enum members), `literals` (values written
  into Python, TOML and Markdown, escaped for each; the rendered line length), `sql_keywords`,
  `limits`, `column_types` (each kind in JSON, SQL, the migration, the ER diagram; the decimal
  precision), `kinds` (the field kinds and what each implies; `MAX_SAFE_INTEGER`), `suggestions`
  (did you mean: the name nearest a misspelt type, role, permission word or resource);
- one field: `fields` (`FieldSpec`), with its views `columns` (as a column) and `access` (who may
  name or set it); `samples` (the values the generated tests send); `model_fields` (its
  `Field(...)` keywords); `parsing` (the field language parsed into fields); `links`;
- one resource: `resources` (`Resource`: names and fields), with its views `model_module`,
  `resource_access` (`permissions` for the rule words), `resource_endpoints` (`endpoints` for the
  rows), `parameters` (its list's query) and `generated_tests`;
- the whole design: `design` (`Design`), with its views `migration`, `spec_sections` and
  `design_tests`; `dependencies` (the rendered requirements);
- around it: `references` and `validate` (raw answers to a `Design`, or `DesignError` listing
  every problem), `evolution` (what an update removes), `contract` (docs/api-contract.json),
  `tree` (the rendered file tree), and Copier's side: `questionnaire` (the starting designs, roles
  as a line, problems listed and wrapped, YAML slips by line and column), `copier_bridge`,
  `copier_patches` (the patches of Copier's internals and its prompt's, each checked against the
  installed Copier).
"""
