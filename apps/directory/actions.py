"""The directory's writes, one map per model (apps/core/actions.py): the admin pages name them."""
from apps.core.actions import Actions

from .models import DirectorySettings, Group, Person, ScimToken
from .services import (
    directory_settings_create, directory_settings_update, group_create, group_delete, group_update, person_create,
    person_delete, person_update, scim_token_create,
)

PERSON_ACTIONS = Actions(Person, create=person_create, update=person_update, delete=person_delete)
GROUP_ACTIONS = Actions(Group, create=group_create, update=group_update, delete=group_delete)
SCIM_TOKEN_ACTIONS = Actions(ScimToken, create=scim_token_create)
DIRECTORY_SETTINGS_ACTIONS = Actions(DirectorySettings, create=directory_settings_create,
                                     update=directory_settings_update)
