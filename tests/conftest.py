import os

import pytest


@pytest.fixture(autouse=True)
def _isolated_cwd(tmp_path, monkeypatch):
    # Tests never write results into the checkout.
    monkeypatch.chdir(tmp_path)
    yield


def pytest_collection_modifyitems(config, items):
    for item in items:
        if "integration" in str(item.fspath).split(os.sep):
            item.add_marker(pytest.mark.integration)
