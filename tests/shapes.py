"""What the code stored fits the JSON shapes its models declare (apps/core/json_shapes.py)."""
from apps.core.json_shapes import declared_shapes, shape_errors


def misfits(model) -> dict:
    """`{pk: {field: problems}}` for the stored rows of `model` whose JSON values do not fit."""
    manager = getattr(model, "all_objects", model._default_manager)
    rows = manager.values("pk", *declared_shapes(model))
    return {row["pk"]: errors for row in rows if (errors := shape_errors(model, row))}
