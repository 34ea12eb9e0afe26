"""Secrets are found where studies carry them and hidden in whatever is written."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from dask_bench import secrets
from dask_bench.secrets import MASK, find_secrets, remember, scrub, scrub_text


@pytest.fixture(autouse=True)
def clean() -> Iterator[None]:
    secrets.forget_all()
    yield
    secrets.forget_all()


def test_found_under_names_in_lists_in_shell_lines_and_urls() -> None:
    study = {
        "deployment": {
            "options": {
                "env": {"MY_API_TOKEN": "tok-1111", "PLAIN": "visible"},
                "password": "pw-2222",
                "job_script_prologue": ["module load x", "export DB_PASSWORD='pw-3333'"],
                "pod": {"env": [{"name": "GATEWAY_SECRET", "value": "sec-4444"},
                                {"name": "HOME_DIR", "value": "/home/u"}]},
            }
        },
        "database": "postgresql://bench:pw-5555@db.example/bench",
    }  # fmt: skip
    assert find_secrets(study) == {"tok-1111", "pw-2222", "pw-3333", "sec-4444", "pw-5555"}


def test_scrub_hides_by_name_and_by_value_without_changing_the_input() -> None:
    remember(["tok-1111"])
    data = {
        "env": {"MY_API_TOKEN": "tok-1111"},
        "script": "export MY_API_TOKEN=tok-1111 && dask worker",
        "list": [{"name": "A_KEY", "value": "v-9999"}, "tok-1111"],
        "n": 3,
    }
    out = scrub(data)
    assert out["env"]["MY_API_TOKEN"] == MASK
    assert "tok-1111" not in out["script"] and MASK in out["script"]
    assert out["list"] == [{"name": "A_KEY", "value": MASK}, MASK]
    assert out["n"] == 3
    assert data["env"]["MY_API_TOKEN"] == "tok-1111"  # a copy


def test_url_passwords_are_hidden_even_when_never_remembered() -> None:
    text = "cannot open postgresql://bench:hunter22@db/x: refused"
    assert scrub_text(text) == "cannot open postgresql://bench:***@db/x: refused"
    assert scrub_text("tcp://10.0.0.1:8786") == "tcp://10.0.0.1:8786"  # no password there


def test_short_values_are_not_searched_for() -> None:
    remember(["ab", "abcd"])
    assert scrub_text("ab abcd") == f"ab {MASK}"
