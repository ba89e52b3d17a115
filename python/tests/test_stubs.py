"""The type stubs (whatif/_whatif.pyi) describe the native module as it is:
every name, class member and keyword argument, and nothing more."""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import whatif
from whatif import _whatif

STUBS = Path(whatif.__file__).with_name("_whatif.pyi")


def stub_tree() -> ast.Module:
    return ast.parse(STUBS.read_text())


def test_the_stubs_are_installed_with_the_package() -> None:
    assert STUBS.is_file()
    assert Path(whatif.__file__).with_name("py.typed").is_file()


def test_every_public_name_has_a_stub_and_every_stub_a_name() -> None:
    tree = stub_tree()
    stubbed = {n.name for n in tree.body if isinstance(n, (ast.ClassDef, ast.FunctionDef))}
    stubbed |= {t.id for n in tree.body if isinstance(n, ast.AnnAssign) for t in [n.target] if isinstance(t, ast.Name)}
    public = set(whatif.__all__)
    assert public <= stubbed | {"__version__"}
    helpers = {"Table", "Overrides"}
    assert {n for n in stubbed if not n.startswith("_")} - helpers <= public


def test_class_members_and_keywords_match() -> None:
    for node in stub_tree().body:
        if isinstance(node, ast.ClassDef) and not issubclass(getattr(_whatif, node.name), BaseException):
            cls = getattr(_whatif, node.name)
            for item in node.body:
                name = item.name if isinstance(item, ast.FunctionDef) else getattr(item.target, "id", None) if isinstance(item, ast.AnnAssign) else None
                if name is None:
                    continue
                assert hasattr(cls, name), f"{node.name}.{name} is in the stubs only"
                if isinstance(item, ast.FunctionDef) and not any(
                    isinstance(d, ast.Name) and d.id == "property" for d in item.decorator_list
                ):
                    stub_kw = [a.arg for a in item.args.args[1:] + item.args.kwonlyargs]
                    real = inspect.signature(getattr(cls, name))
                    assert stub_kw == [p for p in real.parameters if p != "self"], f"{node.name}.{name}"
            members = {m for m in vars(cls) if not m.startswith("_")}
            stubbed = {
                i.name if isinstance(i, ast.FunctionDef) else i.target.id
                for i in node.body
                if isinstance(i, (ast.FunctionDef, ast.AnnAssign))
            }
            assert members <= stubbed, f"{node.name}: {members - stubbed} have no stub"
        elif isinstance(node, ast.FunctionDef):
            real = inspect.signature(getattr(_whatif, node.name))
            stub_kw = [a.arg for a in node.args.args + node.args.kwonlyargs]
            assert stub_kw == list(real.parameters), node.name
