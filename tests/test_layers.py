"""The layer rule: ui -> services -> models, one way; ui never touches the database."""
import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = {
    'models': {'nicegui', 'ui', 'services', 'fastapi'},
    'services': {'nicegui', 'ui', 'fastapi'},
    'ui': {'sqlmodel', 'sqlalchemy', 'models'},
}


def imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(), filename=str(path))
    roots = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots |= {alias.name.split('.')[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            roots.add(node.module.split('.')[0])
    return roots


@pytest.mark.parametrize('layer', sorted(FORBIDDEN))
def test_layer_imports_go_one_way(layer):
    files = sorted((ROOT / layer).rglob('*.py'))
    assert files, f'{layer}/ has no modules'
    offenders = {str(f.relative_to(ROOT)): sorted(imported_roots(f) & FORBIDDEN[layer]) for f in files}
    assert {f: bad for f, bad in offenders.items() if bad} == {}


def test_ui_never_opens_a_database_session():
    offenders = [str(f.relative_to(ROOT)) for f in (ROOT / 'ui').rglob('*.py')
                 if 'Session(' in f.read_text() or '.db.' in f.read_text() or 'transaction(' in f.read_text()]
    assert offenders == []
