"""The directory's move out of core on a database as the release before it left it: the migrations run
back to before the move (core's models, core's content types), rows go in through that state, and after
migrating forward every row is there under `directory`, with the same content type ids, so permissions,
admin log entries, saved filters and outbox events still find their model."""
import pytest
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.auth.models import Permission, User
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from apps.core.models import Event, SavedFilter
from apps.directory.models import DirectorySettings, Group, Person, ScimToken

BEFORE_THE_MOVE = [("core", "0013_outbox_consumer_progress"), ("directory", None)]
MOVED = ("person", "group", "directorysettings", "scimtoken", "historicalperson", "historicalgroup",
         "historicaldirectorysettings", "historicalscimtoken")


def migrate(targets) -> object:
    MigrationExecutor(connection).migrate(targets)
    return MigrationExecutor(connection)._create_project_state(with_applied_migrations=True).apps


def record(model, **values):
    now = timezone.now()
    return model.objects.create(tenant_id="acme", created_at=now, updated_at=now, **values)


@pytest.mark.django_db(transaction=True)
def test_rows_history_and_content_types_move_to_the_directory():
    leaves = MigrationExecutor(connection).loader.graph.leaf_nodes()
    old = migrate(BEFORE_THE_MOVE)
    try:
        old_types = old.get_model("contenttypes", "ContentType")
        ids = dict(old_types.objects.filter(app_label="core", model__in=MOVED).values_list("model", "id"))
        assert set(ids) == set(MOVED)  # as the release before the move named them
        assert not old_types.objects.filter(app_label="directory").exists()

        manager = record(old.get_model("core", "Person"), id="per_acme_boss", user_name="boss")
        person = record(old.get_model("core", "Person"), id="per_acme_pat", user_name="pat", display_name="Pat",
                        manager=manager)
        group = record(old.get_model("core", "Group"), id="grp_acme_team", display_name="Team")
        group.members.add(person, manager)
        old.get_model("core", "HistoricalPerson").objects.create(
            id=person.id, tenant_id="acme", created_at=person.created_at, updated_at=person.updated_at,
            user_name="pat", display_name="Pat", history_date=timezone.now(), history_type="+", manager_id=manager.id)
        record(old.get_model("core", "DirectorySettings"), id="dir_acme", strict=True)
        record(old.get_model("core", "ScimToken"), id="sct_acme", name="Okta", token_hash="f" * 64, prefix="scim_abc")
        old.get_model("core", "Event").objects.create(tenant_id="acme", type="core.scim_token.created",
                                                      entity_type="core.ScimToken", entity_id="sct_acme", payload={})
        old.get_model("core", "SavedFilter").objects.create(tenant_id="acme", owner_id="per_acme_boss", name="Pats",
                                                            changelist="core.person", query="q=pat")
        reader = User.objects.create_user("reader", is_staff=True)
        reader.user_permissions.add(Permission.objects.get(content_type_id=ids["person"], codename="view_person"))
        LogEntry.objects.create(user=reader, content_type_id=ids["person"], object_id=person.id,
                                object_repr="Pat", action_flag=ADDITION)
    finally:
        migrate(leaves)
    ContentType.objects.clear_cache()

    moved = Person.all_objects.get(pk="per_acme_pat")
    assert (moved.display_name, moved.manager_id) == ("Pat", "per_acme_boss")
    assert sorted(Group.all_objects.get(pk="grp_acme_team").members.values_list("pk", flat=True)) \
        == ["per_acme_boss", "per_acme_pat"]
    assert list(Person.history.filter(id="per_acme_pat").values_list("history_type", "manager_id")) \
        == [("+", "per_acme_boss")]
    assert DirectorySettings.all_objects.get(tenant_id="acme").strict is True
    assert ScimToken.all_objects.get(pk="sct_acme").prefix == "scim_abc"

    now = dict(ContentType.objects.filter(app_label="directory", model__in=MOVED).values_list("model", "id"))
    assert now == ids  # the same rows, relabelled: nothing that points at them changed
    assert not ContentType.objects.filter(app_label="core", model__in=MOVED).exists()
    assert ContentType.objects.get_for_model(Person).id == ids["person"]
    assert User.objects.get(username="reader").has_perm("directory.view_person")
    assert LogEntry.objects.get(object_id="per_acme_pat").get_edited_object() == moved
    assert SavedFilter.objects.get(name="Pats").changelist == "directory.person"
    assert Event.objects.get(entity_id="sct_acme").entity_type == "directory.ScimToken"
    assert Event.objects.get(entity_id="sct_acme").type == "core.scim_token.created"


def test_the_old_admin_addresses_lead_to_the_directory(client, db):
    answer = client.get("/admin/core/person/per_acme_pat/change/?_changelist_filters=q%3Dpat")
    assert answer.status_code == 301
    assert answer["Location"] == "/admin/directory/person/per_acme_pat/change/?_changelist_filters=q%3Dpat"
    assert client.get("/admin/core/scimtoken/")["Location"] == "/admin/directory/scimtoken/"
    assert client.get("/admin/core/tenant/").status_code != 301  # core's own pages stay where they are
