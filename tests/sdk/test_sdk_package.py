"""The SDK as an integrator installs it: `npm pack` builds the tarball (dist/ compiled by `prepack`),
and a program outside the repository installs that tarball and compiles with `tsc --strict`: the
program that walks every resource (drive.mts, with types.mts), every `ts` example of
docs/integrators.md, and walk.mts, which then reads every resource the router serves (not a hand list)
from a live server, following `next` page by page — all importing `@backoffice/sdk`, not the source."""
import json
import re
import shutil
import subprocess
import tarfile

import pytest

from apps.core.api.resources import api_resources
from tests.conftest import make_token
from tests.quality.routes import build_record
from tests.sdk.test_typescript_sdk import HERE, ROOT, SDK, TSC, pytestmark  # noqa: F401  (the same skip rule)

NPM = shutil.which("npm") or "npm"
SOURCE_IMPORT = "../../clients/typescript/src/index.js"
GUIDE = ROOT / "docs" / "integrators.md"
PROGRAMS = ("drive.mts", "types.mts", "readme_example.mts", "walk.mts")
SEEDED = 3  # rows per resource: more than one page of two


def guide_examples() -> list[str]:
    return re.findall(r"```ts\n(.*?)```", GUIDE.read_text(), flags=re.S)


@pytest.fixture(scope="module")
def integrator(tmp_path_factory):
    """A project outside the repository with the packed SDK installed and its programs compiled."""
    tmp_path = tmp_path_factory.mktemp("integrator")
    packed = subprocess.run([NPM, "pack", "--json", "--pack-destination", str(tmp_path)], cwd=SDK,
                            capture_output=True, text=True, timeout=300)
    assert packed.returncode == 0, packed.stderr[-3000:]
    tarball = tmp_path / json.loads(packed.stdout[packed.stdout.index("["):])[0]["filename"]
    app = tmp_path / "integrator"
    app.mkdir()
    (app / "package.json").write_text(json.dumps({"name": "integrator", "private": True, "type": "module"}))
    installed = subprocess.run([NPM, "install", "--offline", "--no-audit", "--no-fund", str(tarball)], cwd=app,
                               capture_output=True, text=True, timeout=300)
    assert installed.returncode == 0, installed.stderr[-3000:]
    for name in PROGRAMS:
        (app / name).write_text((HERE / name).read_text().replace(SOURCE_IMPORT, "@backoffice/sdk"))
    for number, example in enumerate(guide_examples(), 1):
        (app / f"guide_{number}.mts").write_text(example)
    (app / "tsconfig.json").write_text(json.dumps({"compilerOptions": {
        "target": "ES2022", "module": "NodeNext", "moduleResolution": "NodeNext", "lib": ["ES2022", "DOM"],
        "strict": True, "outDir": "out", "types": ["node"], "typeRoots": [str(SDK / "node_modules" / "@types")]},
        "include": ["*.mts"]}))
    compiled = subprocess.run([str(TSC), "-p", str(app / "tsconfig.json")], cwd=app, capture_output=True, text=True,
                              timeout=300)
    assert compiled.returncode == 0, compiled.stdout[-4000:] + compiled.stderr[-2000:]
    return tarball, app


def test_the_packed_sdk_installs_and_compiles_strictly_outside_the_repository(integrator):
    tarball, app = integrator
    with tarfile.open(tarball) as archive:
        names = set(archive.getnames())
    assert {"package/dist/index.js", "package/dist/index.d.ts", "package/README.md", "package/package.json"} <= names
    assert not any(name.startswith("package/src/") or "node_modules" in name for name in names)
    assert len(guide_examples()) >= 7  # sign-in, pagination and one per domain
    assert (app / "out" / "walk.mjs").exists() and (app / "out" / "guide_1.mjs").exists()


def test_the_guide_has_an_example_for_every_domain():
    examples = "\n".join(guide_examples())
    for domain in sorted({resource.sdk.partition(".")[0] for resource in api_resources()}):
        assert f"client.{domain}." in examples or f").{domain}." in examples, domain


def test_an_outside_program_walks_every_resource_the_router_serves(integrator, live_server, transactional_db):
    _tarball, app = integrator
    resources = [{"sdk": resource.sdk, "ids": [build_record(resource.model, tenant="acme").pk for _ in range(SEEDED)]}
                 for resource in api_resources()]
    env = {"PATH": shutil.os.environ["PATH"], "SDK_BASE_URL": live_server.url.replace("://localhost:", "://127.0.0.1:"),
           "SDK_ADMIN_TOKEN": make_token(tenant="acme", sub="per_walker", roles=("admin",), ttl=900),
           "SDK_RESOURCES": json.dumps(resources)}
    result = subprocess.run(["node", str(app / "out" / "walk.mjs")], env=env, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    walked = json.loads(result.stdout.strip().splitlines()[-1])
    assert set(walked) == {resource["sdk"] for resource in resources}
    for resource in resources:
        seen = walked[resource["sdk"]]
        assert sorted(seen["listed"]) == sorted(resource["ids"]), resource["sdk"]
        assert seen["read"] == resource["ids"], resource["sdk"]
        assert seen["pages"] >= 2, resource["sdk"]  # followed `next`
