"""The README documents every study key and the two set-up commands."""

from pathlib import Path

from pydantic import BaseModel

import dask_bench
from dask_bench.study import Study, VariantDeployment
from dask_bench.study.groups import WorkerGroup
from dask_bench.study.scenarios import AdaptiveScaling, Lifetime, ScaleUp, WorkerLoss

README = (Path(__file__).parents[2] / "README.md").read_text()


def keys(model, prefix=""):
    for name, field in model.model_fields.items():
        dotted = f"{prefix}{name}"
        ann = field.annotation
        nested = [
            a
            for a in (ann, *getattr(ann, "__args__", ()))
            if isinstance(a, type) and issubclass(a, BaseModel)
        ]
        if name == "suites":
            yield dotted
            for sub in ("workloads", "chunk_size", "per_unit", "total", "options"):
                yield f"suites.<suite>.{sub}"
        elif name == "scenarios":
            yield dotted
            for model in (WorkerLoss, ScaleUp, AdaptiveScaling, Lifetime):
                for sub in model.model_fields:
                    yield f"scenarios.<name>.{sub}"
        elif name == "groups":
            yield dotted
            for sub in WorkerGroup.model_fields:
                yield f"deployment.groups.<name>.{sub}"
        elif name == "variants":
            yield dotted
            for sub in VariantDeployment.model_fields:
                yield f"variants.<name>.deployment.{sub}"
            yield "variants.<name>.security"
        elif nested:
            yield from keys(nested[0], dotted + ".")
        else:
            yield dotted


def test_every_study_key_is_in_the_reference_table():
    missing = [k for k in keys(Study) if f"| `{k}` |" not in README]
    assert missing == []


def test_readme_shows_the_two_commands_first():
    head = README[: README.index("## Quick start")]
    assert "make run" in head and "make test" in head


def test_public_api_names_resolve():
    for name in dask_bench.__all__:
        assert getattr(dask_bench, name) is not None
