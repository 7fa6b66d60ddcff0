"""Swagger UI and ReDoc of a rendered app, and the spec's ER diagrams, in headless Chromium.

The app serves the docs' JavaScript and CSS itself (fastapi-offline), so the pages must render every
resource's tag and every operation from the app's own schema, with no network beyond loopback. The
ER diagrams are drawn by Mermaid (tests/mermaid.py), the library GitHub draws them with. Each test
saves a screenshot in tests/artifacts/. `.ci/run` installs Debian's chromium and sets REQUIRE_BROWSER=1, so in CI a missing
browser fails instead of skipping.
"""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import DESIGNS
from tests.helpers import ROOT
from tests.mermaid import mermaid_js
from tests.test_http import model_of, serve

ARTIFACTS = ROOT / "tests" / "artifacts"
CASES = [
    pytest.param("default", False, "jwt", id="default-sync-jwt"),
    pytest.param("shop-orders", True, "none", id="shop-orders-async-none"),
]


# Headless Chromium that reaches nothing beyond loopback: no updates, sync or background fetches.
HEADLESS_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",  # containers often give /dev/shm only 64 MB
)


def headless(
    chromium: str, profile: Path, *args: str, budget_ms: int = 15_000
) -> subprocess.CompletedProcess[str]:
    """One Chromium run with a fresh profile and nothing that reaches beyond loopback."""
    return subprocess.run(
        [
            chromium,
            *HEADLESS_FLAGS,
            f"--user-data-dir={profile}",
            f"--virtual-time-budget={budget_ms}",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=budget_ms // 1000 + 120,
    )


@pytest.mark.parametrize(("design", "async_db", "auth"), CASES)
def test_swagger_ui_and_redoc_show_every_operation(
    rendered: Callable[..., Path],
    chromium: str,
    tmp_path: Path,
    design: str,
    async_db: bool,
    auth: str,
) -> None:
    project = rendered(design, async_db=async_db, auth=auth)
    model = model_of(design, async_db, auth)
    with serve(project, tmp_path, async_db) as client:
        schema = client.get("/openapi.json").json()
        swagger = headless(
            chromium, tmp_path / "profile-swagger", "--dump-dom", f"{client.base_url}/docs"
        )
        redoc = headless(
            chromium, tmp_path / "profile-redoc", "--dump-dom", f"{client.base_url}/redoc"
        )
        ARTIFACTS.mkdir(exist_ok=True)
        screenshot = ARTIFACTS / f"swagger-ui-{design}-{'async' if async_db else 'sync'}-{auth}.png"
        screenshot.unlink(missing_ok=True)
        shot = headless(
            chromium,
            tmp_path / "profile-shot",
            "--window-size=1280,2400",
            f"--screenshot={screenshot}",
            f"{client.base_url}/docs",
        )
    assert swagger.returncode == 0, swagger.stderr[-4000:]
    assert redoc.returncode == 0, redoc.stderr[-4000:]

    tags = [r.tag for r in model.resources] + (["auth", "users"] if model.jwt else []) + ["health"]
    operations = [
        (op["tags"][0], op["operationId"])
        for path_item in schema["paths"].values()
        for op in path_item.values()
    ]
    assert {tag for tag, _ in operations} == set(tags)
    dom = swagger.stdout
    assert f"<title>{model.project_name} - Swagger UI</title>" in dom
    missing_tags = [tag for tag in tags if f'id="operations-tag-{tag}"' not in dom]
    assert not missing_tags, f"Swagger UI shows no section for {missing_tags}"
    missing_ops = [op for tag, op in operations if f'id="operations-{tag}-{op}"' not in dom]
    assert not missing_ops, f"Swagger UI shows no block for {missing_ops}"
    missing_redoc = [tag for tag in tags if f'id="tag/{tag}"' not in redoc.stdout]
    assert not missing_redoc, f"ReDoc shows no section for {missing_redoc}"

    assert shot.returncode == 0, shot.stderr[-4000:]
    assert screenshot.read_bytes().startswith(b"\x89PNG"), f"{screenshot} is not a PNG"
    assert screenshot.stat().st_size > 20_000, f"{screenshot} looks blank"


# Every design and both auth settings (async_db does not change the diagram), and the designs with
# the longest and oddest names.
ER_VARIANTS = [
    (design, auth) for design in [*DESIGNS, "free-text", "long-names"] for auth in ("jwt", "none")
]
MERMAID_PAGE = """<!doctype html>
<meta charset="utf-8">
<body>
<pre id="results" hidden></pre>
<div id="drawings"></div>
<script src="{script}"></script>
<script>
(async () => {{
  const diagrams = {diagrams};
  const results = {{}};
  mermaid.initialize({{startOnLoad: false}});
  for (const [name, text] of Object.entries(diagrams)) {{
    try {{
      await mermaid.parse(text);
      const {{svg}} = await mermaid.render("diagram-" + Object.keys(results).length, text);
      const drawing = document.createElement("div");
      drawing.innerHTML = svg;
      document.getElementById("drawings").append(drawing);
      results[name] = {{error: null, text: drawing.textContent}};
    }} catch (error) {{
      results[name] = {{error: String(error.message || error), text: ""}};
    }}
    document.getElementById("results").textContent = JSON.stringify(results);
  }}
}})();
</script>
"""


@pytest.fixture(scope="module")
def mermaid(chromium: str) -> Path:
    try:
        return mermaid_js()
    except OSError as error:
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail(f"REQUIRE_BROWSER is set but Mermaid could not be fetched: {error}")
        pytest.skip(f"Mermaid could not be fetched from the npm registry: {error}")


def draw(chromium: str, mermaid: Path, diagrams: dict[str, str], tmp_path: Path, *args: str) -> str:
    """The page that draws `diagrams` with Mermaid, run in Chromium with `args`: its DOM."""
    page = tmp_path / f"diagrams-{len(list(tmp_path.iterdir()))}.html"
    page.write_text(MERMAID_PAGE.format(script=mermaid.as_uri(), diagrams=json.dumps(diagrams)))
    # Drawing a dozen diagrams takes a while on a loaded machine: a generous budget.
    profile = tmp_path / f"profile-{page.stem}"
    run = headless(chromium, profile, *args, page.as_uri(), budget_ms=120_000)
    assert run.returncode == 0, run.stderr[-4000:]
    return run.stdout


def test_every_er_diagram_parses_and_draws_every_table(
    rendered: Callable[..., Path], chromium: str, mermaid: Path, tmp_path: Path
) -> None:
    """Mermaid parses each variant's diagram (a syntax error fails with its message) and the
    drawing names every table of section 5."""
    diagrams: dict[str, str] = {}
    tables: dict[str, list[str]] = {}
    for design, auth in ER_VARIANTS:
        spec = (rendered(design, auth=auth) / "docs" / "api-design-spec.md").read_text()
        block = re.search(r"^```mermaid\n(.*?)^```", spec, re.M | re.S)
        assert block, f"{design}-{auth}: the spec has no mermaid block"
        diagrams[f"{design}-{auth}"] = block[1]
        tables[f"{design}-{auth}"] = re.findall(r"^### (\w+) \(table `", spec, re.M) + (
            ["User"] if auth == "jwt" else []
        )
    dom = draw(chromium, mermaid, diagrams, tmp_path, "--dump-dom")
    found = re.search(r'<pre id="results"[^>]*>(.+?)</pre>', dom, re.S)
    assert found, f"Mermaid did not finish: {dom[-2000:]}"
    results = json.loads(html.unescape(found[1]))
    assert results.keys() == diagrams.keys(), f"Mermaid stopped after {list(results)}"
    for name, diagram in diagrams.items():
        assert results[name]["error"] is None, f"{name}: {results[name]['error']}\n{diagram}"
        missing = [table for table in tables[name] if table not in results[name]["text"]]
        assert not missing, f"{name}: the drawing lacks {missing}"

    ARTIFACTS.mkdir(exist_ok=True)
    screenshot = ARTIFACTS / "er-diagram-default-jwt.png"
    screenshot.unlink(missing_ok=True)
    default = {"default-jwt": diagrams["default-jwt"]}
    draw(
        chromium, mermaid, default, tmp_path, "--window-size=1000,900", f"--screenshot={screenshot}"
    )
    assert screenshot.read_bytes().startswith(b"\x89PNG"), f"{screenshot} is not a PNG"
    assert screenshot.stat().st_size > 10_000, f"{screenshot} looks blank"
