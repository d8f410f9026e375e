"""What names the moved models by their app label follows them from `core` to `directory`: their content
types (so permissions, admin log entries and generic relations keep their ids), the outbox events'
`entity_type` (a delivery reads the model's excluded payload fields from it) and saved admin filters'
`changelist`. A content type the new label already has (made by a partial migrate) gives way to the
old one, which everything points at."""
from django.db import migrations
from django.db.models import Case, Value, When

MODELS = ("person", "group", "directorysettings", "scimtoken",
          "historicalperson", "historicalgroup", "historicaldirectorysettings", "historicalscimtoken")
LABELS = ("Person", "Group", "DirectorySettings", "ScimToken")


def relabel(apps, *, old: str, new: str) -> None:
    content_types = apps.get_model("contenttypes", "ContentType")
    for model in MODELS:
        moving = content_types.objects.filter(app_label=old, model=model).first()
        if moving is None:
            continue
        content_types.objects.filter(app_label=new, model=model).delete()
        moving.app_label = new
        moving.save(update_fields=["app_label"])
    events = apps.get_model("core", "Event")  # one pass over the outbox
    events.objects.filter(entity_type__in=[f"{old}.{label}" for label in LABELS]).update(entity_type=Case(
        *(When(entity_type=f"{old}.{label}", then=Value(f"{new}.{label}")) for label in LABELS)))
    saved_filters = apps.get_model("core", "SavedFilter")
    for model in MODELS[:4]:
        saved_filters.objects.filter(changelist=f"{old}.{model}").update(changelist=f"{new}.{model}")


def forwards(apps, schema_editor):
    relabel(apps, old="core", new="directory")


def backwards(apps, schema_editor):
    relabel(apps, old="directory", new="core")


class Migration(migrations.Migration):

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("core", "0014_directory_moves_out"),
        ("directory", "0001_directory_from_core"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
