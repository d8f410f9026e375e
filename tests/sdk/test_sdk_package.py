"""The SDK as an integrator installs it: `npm pack` builds the tarball (dist/ compiled by `prepack`),
and a program outside the repository installs that tarball and compiles with `tsc --strict`: the
README's example and the program that walks every resource (drive.mts, with types.mts), importing
`@backoffice/sdk` instead of the source."""
import json
import shutil
import subprocess
import tarfile

from tests.sdk.test_typescript_sdk import HERE, SDK, TSC, pytestmark  # noqa: F401  (the same skip rule)

NPM = shutil.which("npm") or "npm"
SOURCE_IMPORT = "../../clients/typescript/src/index.js"


def test_the_packed_sdk_installs_and_compiles_strictly_outside_the_repository(tmp_path):
    packed = subprocess.run([NPM, "pack", "--json", "--pack-destination", str(tmp_path)], cwd=SDK,
                            capture_output=True, text=True, timeout=300)
    assert packed.returncode == 0, packed.stderr[-3000:]
    tarball = tmp_path / json.loads(packed.stdout[packed.stdout.index("["):])[0]["filename"]
    with tarfile.open(tarball) as archive:
        names = set(archive.getnames())
    assert {"package/dist/index.js", "package/dist/index.d.ts", "package/README.md", "package/package.json"} <= names
    assert not any(name.startswith("package/src/") or "node_modules" in name for name in names)

    app = tmp_path / "integrator"
    app.mkdir()
    (app / "package.json").write_text(json.dumps({"name": "integrator", "private": True, "type": "module"}))
    installed = subprocess.run([NPM, "install", "--offline", "--no-audit", "--no-fund", str(tarball)], cwd=app,
                               capture_output=True, text=True, timeout=300)
    assert installed.returncode == 0, installed.stderr[-3000:]
    for name in ("drive.mts", "types.mts", "readme_example.mts"):
        (app / name).write_text((HERE / name).read_text().replace(SOURCE_IMPORT, "@backoffice/sdk"))
    (app / "tsconfig.json").write_text(json.dumps({"compilerOptions": {
        "target": "ES2022", "module": "NodeNext", "moduleResolution": "NodeNext", "lib": ["ES2022", "DOM"],
        "strict": True, "noEmit": True, "types": ["node"], "typeRoots": [str(SDK / "node_modules" / "@types")]},
        "include": ["*.mts"]}))
    compiled = subprocess.run([str(TSC), "-p", str(app / "tsconfig.json")], cwd=app, capture_output=True, text=True,
                              timeout=300)
    assert compiled.returncode == 0, compiled.stdout[-4000:] + compiled.stderr[-2000:]
