"""Run by the upgrade test with the *previous* release's code (`manage.py shell -c`): after its seed,
one row goes into every table still empty, so that the upgrade is tried on data in every table. Values
come from each field's default, else its first choice, else a plain value of its type; foreign keys
point at rows that exist (tables are filled in rounds until nothing more can be). Rows are inserted
with bulk_create (no save() side effects). Prints the tables it could not fill, one a line after "unfilled:"."""
import datetime
import decimal
import uuid

from django.apps import apps
from django.db import IntegrityError, DatabaseError, models, transaction
from django.utils import timezone

SKIP = {models.AutoField, models.BigAutoField, models.SmallAutoField}


def value_for(field, n: int):
    if field.has_default():
        return field.get_default()
    if field.choices:
        return field.choices[0][0]
    if field.null and not field.primary_key:
        return None
    if isinstance(field, models.EmailField):
        return f"fill{n}@fill.invalid"
    if isinstance(field, models.URLField):
        return "https://fill.invalid/"
    if isinstance(field, models.GenericIPAddressField):
        return "127.0.0.1"
    if isinstance(field, (models.CharField, models.TextField, models.FileField)):
        return f"fill{n}"[: field.max_length or 50]
    if isinstance(field, models.BooleanField):
        return False
    if isinstance(field, models.DecimalField):
        return decimal.Decimal(1)
    if isinstance(field, models.FloatField):
        return 1.0
    if isinstance(field, (models.IntegerField, models.BigIntegerField, models.SmallIntegerField)):
        return 1
    if isinstance(field, models.DateTimeField):
        return timezone.now()
    if isinstance(field, models.DateField):
        return datetime.date.today()
    if isinstance(field, models.TimeField):
        return datetime.time(9, 0)
    if isinstance(field, models.DurationField):
        return datetime.timedelta(hours=1)
    if isinstance(field, models.UUIDField):
        return uuid.uuid4()
    if isinstance(field, models.JSONField):
        return {}
    if isinstance(field, models.BinaryField):
        return b"fill"
    if type(field).__name__ == "ArrayField":
        return []
    return f"fill{n}"


def row_for(model, n: int):
    values = {}
    for field in model._meta.concrete_fields:
        if type(field) in SKIP:
            continue
        if field.is_relation:
            target = field.related_model._base_manager.order_by("pk").first()
            if target is None and not field.null:
                return None  # its target table is empty: a later round
            values[field.attname] = target.pk if target is not None else None
            continue
        values[field.attname] = value_for(field, n)
    return model(**values)


def fill() -> list[str]:
    empty = [m for m in apps.get_models(include_auto_created=True)
             if m._meta.managed and not m._meta.proxy and not m._base_manager.exists()]
    errors: dict[str, str] = {}
    progress = True
    while empty and progress:
        progress = False
        for model in list(empty):
            row = row_for(model, len(errors) + len(empty))
            if row is None:
                continue
            try:
                with transaction.atomic():
                    model._base_manager.bulk_create([row])
            except (IntegrityError, DatabaseError, ValueError, TypeError) as exc:
                errors[model._meta.db_table] = f"{type(exc).__name__}: {exc}".splitlines()[0]
                continue
            empty.remove(model)
            errors.pop(model._meta.db_table, None)
            progress = True
    return [f"{m._meta.db_table} {errors.get(m._meta.db_table, 'no row to point at')}" for m in empty]


for line in fill():
    print("unfilled:", line)
